"""The roster consumes no events (it is the source); its worker runs the outbox relay
and one timer: finishing an import whose importer went away (``recovery``)."""
from __future__ import annotations

from services.common import timers
from services.roster.application import recovery
from services.roster.adapters.staging import TIMER_KIND

STEPS_PER_FIRING = 4


def on_import_timer(uow, timer: dict) -> None:
    import_id = timer["payload"]["import_id"]
    again = None
    for _ in range(STEPS_PER_FIRING):
        again = recovery.timer_step(uow, import_id)
        if again is None or again > uow.now:
            break
    if again is not None:
        timers.schedule(uow, timer["_id"], TIMER_KIND, again, timer["payload"],
                        district_id=timer.get("district_id"), school_id=None)


TIMERS = {TIMER_KIND: on_import_timer}
