"""The notifications service. `create_app()` is the web app; `confer worker notifications` runs its
consumer, outbox relay and timers."""
from __future__ import annotations

from services.common.config import Settings
from services.common.service import ServiceDefinition, build_app

# Every part named here; a reference that does not resolve stops the process at start.
SERVICE = ServiceDefinition.declare(
    "notifications",
    blueprints="services.notifications.entrypoints.http:blueprints",
    handlers="services.notifications.entrypoints.handlers:HANDLERS",
    timers="services.notifications.entrypoints.handlers:TIMERS",
    engines="services.notifications.entrypoints.handlers:ENGINES",
    indexes="services.notifications.adapters.repository:ensure_indexes",
)


def create_app(config: dict | None = None, *, store=None):
    settings = Settings.from_env("notifications", **(config or {}))
    return build_app(SERVICE, settings, store=store)
