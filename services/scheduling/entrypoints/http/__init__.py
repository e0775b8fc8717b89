"""The scheduling service's HTTP API (flask-smorest blueprints)."""
from __future__ import annotations


# Per token: a family books a few times, a script hammering the booking rush does not.
RATE_LIMITS = {("POST", "/windows/<window_id>/bookings"): (20, 60)}
# A teacher's calendar behind its secret link: calendar apps cannot send a bearer token.
PUBLIC_PREFIXES = ("/feeds/",)


def blueprints() -> list:
    from services.scheduling.entrypoints.http import bookings as api_bookings
    from services.scheduling.entrypoints.http import requests
    from services.scheduling.entrypoints.http import windows as api_windows

    return [api_windows.blp, api_bookings.blp, requests.blp]
