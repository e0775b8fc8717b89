"""Use case: a snow day. An administrator moves one day of a window to another date
(a new day, or one the window already has). Each booked conference on the day moves to
the same teacher's slot at the same local time (ConferenceRescheduled), or is released
(ConferenceCancelled, reason day_moved): one event per booking, all in one transaction."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.common.errors import Conflict, Invalid, NotFound
from services.scheduling.application import access
from services.scheduling.application import booking_steps as ops
from services.scheduling.adapters import cache
from services.scheduling.application import reminders
from services.scheduling.adapters import repository as repo
from services.scheduling.domain.model import BOOKED, CANCELLED
from services.scheduling.domain.policy import validate_window
from services.scheduling.domain.slots import generate_slots, move_day as moved_window, private_followup_slot, shift_day


def move_day(store, principal, window_id: str, from_date: date, to_date: date) -> dict:
    db = store.db
    window_doc = access.window_for(db, principal, window_id)
    access.require_admin(principal, window_doc)
    window = repo.window_from_doc(window_doc)
    if window.day(from_date) is None:
        raise NotFound(f"{from_date} is not a day of this window.", code="day_not_found")
    if from_date == to_date:
        raise Invalid("Choose another date.", code="same_day", errors={"to_date": ["is the day being moved"]})
    into_existing = window.day(to_date) is not None
    if into_existing:
        target = replace(window, days=[d for d in window.days if d.date != from_date],
                         breaks={d: r for d, r in window.breaks.items() if d != from_date})
    else:
        target = moved_window(window, from_date, to_date)
        errors = validate_window(target)
        if errors:
            raise Invalid("The moved window is not valid.", code="invalid_window", errors=errors)
    availabilities = list(db[repo.AVAILABILITY].find({"window_id": window_id}))
    new_slots = [] if into_existing else _slots_for(target, window_doc, availabilities, from_date, to_date)

    def work(uow):
        if new_slots:
            _add_slots(uow, window_id, new_slots)
            reminders.ensure_slot_times(uow, window_doc, {d["start"] for d in new_slots})
        result = _shift(uow, window_doc, window, from_date, to_date)
        uow.db[repo.SLOTS].delete_many({"window_id": window_id, "local_date": repo.d2s(from_date)},
                                       session=uow.session)
        for av in availabilities:
            uow.db[repo.AVAILABILITY].update_one({"_id": av["_id"]}, {"$set": _rekeyed(av, from_date, to_date,
                                                                                       into_existing)},
                                                 session=uow.session)
        uow.db[repo.WINDOWS].update_one({"_id": window_id}, {"$set": repo.window_days_to_doc(target),
                                                             "$inc": {"version": 1}}, session=uow.session)
        return {"window_id": window_id, "from_date": from_date, "to_date": to_date, **result}

    try:
        return store.atomic(work, retries=8, district_id=window_doc["district_id"], school_id=window_doc["school_id"])
    finally:
        cache.forget_window(db, window_id)


def _slots_for(target, window_doc, availabilities, from_date: date, to_date: date) -> list[dict]:
    out = []
    for av in availabilities:
        a = repo.availability_from_doc({**av, **_rekeyed(av, from_date, to_date, False)})
        if to_date in a.ranges:
            out += [repo.slot_to_doc(s, window_doc) for s in generate_slots(target, a) if s.local_date == to_date]
    return out


def _rekeyed(av: dict, from_date: date, to_date: date, drop: bool) -> dict:
    def move(table: dict) -> dict:
        table = dict(table or {})
        ranges = table.pop(repo.d2s(from_date), None)
        if ranges is not None and not drop:
            table[repo.d2s(to_date)] = ranges
        return table

    return {"ranges": move(av.get("ranges")), "breaks": move(av.get("breaks"))}


def _add_slots(uow, window_id: str, docs: list[dict]) -> None:
    coll = uow.db[repo.SLOTS]
    ids = [d["_id"] for d in docs]
    clash = coll.find_one({"_id": {"$in": ids}}, {"_id": 1, "window_id": 1}, session=uow.session)
    if clash:
        raise Conflict("A teacher already has a slot on that date in another window.", code="teacher_busy",
                       slot_id=clash["_id"])
    coll.insert_many(docs, session=uow.session)


def _shift(uow, window_doc: dict, window, from_date: date, to_date: date) -> dict:
    db, session = uow.db, uow.session
    day_slots = [d["_id"] for d in db[repo.SLOTS].find({"window_id": window_doc["_id"],
                                                         "local_date": repo.d2s(from_date)}, {"_id": 1},
                                                        session=session)]
    bookings = {b["_id"]: b for b in db[repo.BOOKINGS].find({"slot_id": {"$in": day_slots}, "status": BOOKED},
                                                             session=session)}
    free = {d["_id"]: d for d in db[repo.SLOTS].find({"window_id": window_doc["_id"], "local_date": repo.d2s(to_date),
                                                       "booked_by": None}, session=session)}
    moves, released = shift_day(window, from_date, to_date, [repo.booking_from_doc(b) for b in bookings.values()],
                                [repo.slot_from_doc(d) for d in free.values()])
    used = {s.id for _, s in moves}
    plan, out = [], {"moved": [], "released": [b.booking_id for b in released]}
    for booking, slot in moves:
        private = None
        if booking.private_talk:
            spare = [repo.slot_from_doc(d) for sid, d in free.items() if sid not in used]
            private = private_followup_slot(slot, spare, buffer_minutes=window.buffer_minutes)
            if private is None:  # booked together, released together
                out["released"].append(booking.booking_id)
                continue
            used.add(private.id)
        plan.append((bookings[booking.booking_id], free[slot.id], free[private.id] if private else None))
    for b, slot_doc, private_doc in plan:
        for sid in [slot_doc["_id"]] + ([private_doc["_id"]] if private_doc else []):
            ops.claim(uow, window_doc["_id"], sid, b["_id"], moving=True)
        ops.move_booking(uow, b, slot_doc, private_doc)
        out["moved"].append(b["_id"])
    for bid in out["released"]:
        ops.close_booking(uow, bookings[bid], CANCELLED, reason="day_moved")
    return out
