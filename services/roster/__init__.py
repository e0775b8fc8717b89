"""The roster service. `create_app()` is the web app; `confer worker roster` runs its
consumer, outbox relay and timers."""
from __future__ import annotations

from services.common.config import Settings
from services.common.service import ServiceDefinition, build_app

# Every part named here; a reference that does not resolve stops the process at start.
SERVICE = ServiceDefinition.declare(
    "roster",
    blueprints="services.roster.entrypoints.http:blueprints",
    timers="services.roster.entrypoints.handlers:TIMERS",
    indexes="services.roster.adapters.repository:ensure_indexes",
    rate_limits="services.roster.entrypoints.http:RATE_LIMITS",
)


def create_app(config: dict | None = None, *, store=None):
    settings = Settings.from_env("roster", **(config or {}))
    return build_app(SERVICE, settings, store=store)
