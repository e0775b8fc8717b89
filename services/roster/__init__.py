"""The roster service. `create_app()` is the web app; `confer worker roster` runs its
consumer, outbox relay and timers."""
from __future__ import annotations

from services.common.service import ServiceDefinition

# Every part named here; a reference that does not resolve stops the process at start.
SERVICE = ServiceDefinition.declare(
    "roster",
    blueprints="services.roster.entrypoints.http:blueprints",
    timers="services.roster.entrypoints.handlers:TIMERS",
    indexes="services.roster.adapters.repository:ensure_indexes",
    repositories="services.roster.adapters.repository:attach",
    rate_limits="services.roster.entrypoints.http:RATE_LIMITS",
)

create_app = SERVICE.app_factory()
