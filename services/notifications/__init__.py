"""The notifications service. `create_app()` is the web app; `confer worker notifications` runs its
consumer, outbox relay and timers."""
from __future__ import annotations

from services.common.service import ServiceDefinition

# Every part named here; a reference that does not resolve stops the process at start.
SERVICE = ServiceDefinition.declare(
    "notifications",
    blueprints="services.notifications.entrypoints.http:blueprints",
    handlers="services.notifications.entrypoints.handlers:HANDLERS",
    timers="services.notifications.entrypoints.handlers:TIMERS",
    engines="services.notifications.entrypoints.handlers:ENGINES",
    indexes="services.notifications.adapters.repository:ensure_indexes",
    repositories="services.notifications.adapters.repositories:attach",
)

create_app = SERVICE.app_factory()
