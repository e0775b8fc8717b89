"""Reminders, 24 h before each conference, as durable timers fired exactly once.

One timer per conference start time of a window ("reminders:<window>:<start>"), made
when the slots are published: when it fires it reminds every family booked at that time
then. So booking, moving or cancelling a conference costs no timer write on the hot
path: a booking that moves is reminded by its new time's timer, a cancelled one is no
longer booked when the timer fires. A booking made (or moved) so late that its time's
timer is due within REMINDER_MARGIN gets a timer of its own ("reminder:<booking>",
field `reminder: "own"`), which the shared timer then leaves to it. The margin is far
longer than any transaction may live, so no booking can slip between the two."""
from __future__ import annotations

from datetime import datetime, timedelta

from services.common import timers
from services.scheduling.adapters import repository as repo
from services.scheduling.domain.constants import REMINDER_HOURS_BEFORE
from services.scheduling.domain.model import BOOKED
from services.scheduling.adapters.events import emit_booking

REMINDER_MARGIN = timedelta(minutes=5)
OWN, SHARED = "own", "shared"


def due_at(start: datetime) -> datetime:
    return start - timedelta(hours=REMINDER_HOURS_BEFORE)


def slot_time_key(window_id: str, start: datetime) -> str:
    return f"reminders:{window_id}:{start:%Y%m%dT%H%MZ}"


def own_key(booking_id: str) -> str:
    return f"reminder:{booking_id}"


def ensure_slot_times(uow, window_doc: dict, starts) -> None:
    """Schedule the shared timer of each start time that has none yet (never re-arm one
    that has fired). Times whose reminder is already (nearly) due get none: bookings
    there take their own timer."""
    wanted = {slot_time_key(window_doc["_id"], s): s for s in set(starts) if due_at(s) - REMINDER_MARGIN > uow.now}
    if not wanted:
        return
    have = {d["_id"] for d in uow.db[timers.TIMERS].find({"_id": {"$in": list(wanted)}}, {"_id": 1},
                                                         session=uow.session)}
    for key, start in wanted.items():
        if key not in have:
            timers.schedule(uow, key, "reminders", due_at(start), {"window_id": window_doc["_id"], "start": start},
                            district_id=window_doc["district_id"], school_id=window_doc["school_id"])


def for_booking(uow, b: dict, *, new: bool) -> dict:
    """Keep the booking's reminder in step with its time; returns the `reminder` field."""
    if due_at(b["start"]) - REMINDER_MARGIN > uow.now:
        if not new and b.get("reminder") == OWN:
            timers.cancel(uow, own_key(b["_id"]))
        return {"reminder": SHARED}
    if uow.now < b["start"]:
        timers.schedule(uow, own_key(b["_id"]), "reminder", max(due_at(b["start"]), uow.now),
                        {"booking_id": b["_id"]}, district_id=b["district_id"], school_id=b["school_id"])
    return {"reminder": OWN}


def drop(uow, b: dict) -> None:
    if b.get("reminder") == OWN:
        timers.cancel(uow, own_key(b["_id"]))


def fire_slot_time(uow, timer: dict) -> None:
    p = timer["payload"]
    if p["start"] <= uow.now:
        return
    for b in uow.db[repo.BOOKINGS].find({"district_id": timer.get("district_id"), "school_id": timer.get("school_id"),
                                         "window_id": p["window_id"], "start": p["start"], "status": BOOKED,
                                         "reminder": {"$ne": OWN}}, session=uow.session):
        emit_booking(uow, "ConferenceReminderDue", b)


def fire_own(uow, timer: dict) -> None:
    b = uow.db[repo.BOOKINGS].find_one({"_id": timer["payload"]["booking_id"]}, session=uow.session)
    if b and b["status"] == BOOKED and b.get("reminder") == OWN and b["start"] > uow.now:
        emit_booking(uow, "ConferenceReminderDue", b)
