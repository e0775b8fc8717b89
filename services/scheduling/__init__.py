"""The scheduling service. `create_app()` is the web app; `confer worker scheduling` runs its
consumer, outbox relay and timers."""
from __future__ import annotations

from services.common.service import ServiceDefinition

# Every part named here; a reference that does not resolve stops the process at start.
SERVICE = ServiceDefinition.declare(
    "scheduling",
    blueprints="services.scheduling.entrypoints.http:blueprints",
    handlers="services.scheduling.entrypoints.handlers:HANDLERS",
    timers="services.scheduling.entrypoints.handlers:TIMERS",
    indexes="services.scheduling.adapters.repository:ensure_indexes",
    repositories="services.scheduling.adapters.repositories:attach",
    rate_limits="services.scheduling.entrypoints.http:RATE_LIMITS",
    public_prefixes="services.scheduling.entrypoints.http:PUBLIC_PREFIXES",
)

create_app = SERVICE.app_factory()
