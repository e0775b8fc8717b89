"""The scheduling service's HTTP API (flask-smorest blueprints)."""
from __future__ import annotations


def blueprints() -> list:
    from services.scheduling import api_bookings, api_windows

    return [api_windows.blp, api_bookings.blp]
