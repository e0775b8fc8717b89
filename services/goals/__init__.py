"""The goals service. `create_app()` is the web app; `confer worker goals` runs its
consumer, outbox relay and timers."""
from __future__ import annotations

from services.common.config import Settings
from services.common.service import ServiceDefinition, build_app

# Every part named here; a reference that does not resolve stops the process at start.
SERVICE = ServiceDefinition.declare(
    "goals",
    blueprints="services.goals.entrypoints.http:blueprints",
    handlers="services.goals.entrypoints.handlers:HANDLERS",
    indexes="services.goals.adapters.repository:ensure_indexes",
)


def create_app(config: dict | None = None, *, store=None):
    settings = Settings.from_env("goals", **(config or {}))
    return build_app(SERVICE, settings, store=store)
