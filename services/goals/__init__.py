"""The goals service. `create_app()` is the web app; `confer worker goals` runs its
consumer, outbox relay and timers."""
from __future__ import annotations

from services.common.service import ServiceDefinition

# Every part named here; a reference that does not resolve stops the process at start.
SERVICE = ServiceDefinition.declare(
    "goals",
    blueprints="services.goals.entrypoints.http:blueprints",
    handlers="services.goals.entrypoints.handlers:HANDLERS",
    indexes="services.goals.adapters.repository:ensure_indexes",
    repositories="services.goals.adapters.repositories:attach",
)

create_app = SERVICE.app_factory()
