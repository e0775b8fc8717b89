"""The notifications service. `create_app()` is the web app; `confer worker notifications` runs its
consumer, outbox relay and timers."""
from __future__ import annotations

from services.common.config import Settings
from services.common.service import build_app, definition_for

SERVICE = definition_for("notifications")


def create_app(config: dict | None = None, *, store=None):
    settings = Settings.from_env("notifications", **(config or {}))
    return build_app(SERVICE, settings, store=store)
