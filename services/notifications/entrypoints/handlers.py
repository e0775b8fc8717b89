"""Every event the notifications service consumes, in one place, its timers and its
engine.

Roster and other projections keep who is whose and how to reach them; the notifying
events (`notices.RULES`) only record deliveries in the handler's transaction (in-app
ones delivered there and then). The delivery lanes (`ENGINES`, `lanes.py`) send the
rest. Timers: 'digest' (a teacher's daily digest, recorded as a delivery for the
e-mail lane) and 'deliver' (deliveries recorded before the lanes: made due)."""
from __future__ import annotations

import functools

from services.access import ROSTER_HANDLERS
from services.common.wiring import handler, merge
from services.notifications.application import attempts as delivery
from services.notifications.application import digest
from services.notifications.entrypoints import lanes
from services.notifications.application import projections as p
from services.notifications.adapters.directory import Directory
from services.notifications.application.notices import RULES
from services.notifications.application.recording import prefetch, record_event


@handler("notifications.notify", formerly="services.notifications.entrypoints.handlers.notify")
def notify(event, uow) -> None:
    record_event(event, uow)


notify.prefetch = prefetch  # a consumer batch reads everyone its notices name at once


def _projection(fn):
    """A projection handler: the notices after it in the same unit of work read afresh.
    (functools.wraps keeps its declared name, and so its entries in the processed-events
    ledger.)"""
    @functools.wraps(fn)
    def handler(event, uow):
        fn(event, uow)
        Directory.forget(uow)
    return handler


def _projections(handlers: dict) -> dict:
    return {name: [_projection(fn) for fn in fns] for name, fns in handlers.items()}


_BEFORE = {  # projections that must be current before the notices of the same event are built
    "ConferenceRescheduled": [p.on_booking_changed],
    "ConferenceCancelled": [p.on_booking_changed],
}

HANDLERS = merge(
    _projections(merge(ROSTER_HANDLERS, {
        "PersonProfileChanged": [p.on_person_profile_changed],
        "PersonDeactivated": [p.on_person_deactivated],
        "ConferenceWindowOpened": [p.on_window_opened],
        "GoalContentChanged": [p.on_goal_content_changed],
        "GoalUpdated": [p.on_goal_updated],
    })),
    _projections(_BEFORE),
    {name: [notify] for name in RULES},  # after the projections of the same event
)

TIMERS = {
    "deliver": delivery.deliver,
    digest.DIGEST: digest.send_digest,
}

ENGINES = {"deliveries": lanes.DeliveryEngine}
