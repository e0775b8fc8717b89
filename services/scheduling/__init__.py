"""The scheduling service. `create_app()` is the web app; `confer worker scheduling` runs its
consumer, outbox relay and timers."""
from __future__ import annotations

from services.common.config import Settings
from services.common.service import ServiceDefinition, build_app

# Every part named here; a reference that does not resolve stops the process at start.
SERVICE = ServiceDefinition.declare(
    "scheduling",
    blueprints="services.scheduling.entrypoints.http:blueprints",
    handlers="services.scheduling.entrypoints.handlers:HANDLERS",
    timers="services.scheduling.entrypoints.handlers:TIMERS",
    indexes="services.scheduling.adapters.repository:ensure_indexes",
    rate_limits="services.scheduling.entrypoints.http:RATE_LIMITS",
    public_prefixes="services.scheduling.entrypoints.http:PUBLIC_PREFIXES",
)


def create_app(config: dict | None = None, *, store=None):
    settings = Settings.from_env("scheduling", **(config or {}))
    return build_app(SERVICE, settings, store=store)
