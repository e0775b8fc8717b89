"""Use cases on an existing booking: reschedule, cancel (within the window's policy for
families; staff may change a booking until it starts) and record the outcome."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from pymongo.errors import OperationFailure

from services.access import StudentDirectory
from services.common.errors import Conflict, Invalid, NotFound
from services.scheduling.application import access
from services.scheduling.application import booking_steps as ops
from services.scheduling.application import outcomes
from services.scheduling.application import reminders
from services.scheduling.application import waitlist
from services.scheduling.adapters import repository as repo
from services.scheduling.domain.constants import BOOKING_RETRIES
from services.scheduling.domain.model import BOOKED, CANCELLED, HELD, NO_SHOW
from services.scheduling.adapters.events import outcome_data
from services.scheduling.domain.policy import (
    acts_for_school, bookings_of, check_can_cancel, check_can_reschedule, check_family_free,
)
from services.scheduling.domain.slots import private_followup_slot


def _load(store, principal, booking_id: str) -> tuple[dict, dict]:
    b = access.booking_for(store.db, principal, booking_id)
    window_doc = repo.get_window(store.db, b["window_id"])
    return b, window_doc


def reschedule(store, principal, booking_id: str, slot_id: str, private_talk: bool | None = None) -> dict:
    b, window_doc = _load(store, principal, booking_id)
    staff = acts_for_school(principal.role)
    if b["status"] != BOOKED:
        raise Conflict(f"This booking is {b['status']}.", code="booking_not_active")
    window, now = repo.window_from_doc(window_doc), store.clock()
    slot_doc = store.db[repo.SLOTS].find_one({"_id": slot_id, "window_id": b["window_id"]})
    if slot_doc is None:
        raise NotFound(f"No slot {slot_id} in this window.", code="slot_not_found", slot_id=slot_id)
    if slot_doc["teacher_id"] != b["teacher_id"]:
        record = store.db[StudentDirectory.COLLECTION].find_one({"_id": b["student_id"]}) or {}
        if slot_doc["teacher_id"] not in record.get("teacher_ids", []):
            raise Invalid("That teacher does not teach this child.", code="teacher_not_for_student",
                          errors={"slot_id": ["belongs to a teacher of another class"]})
    new_slot, booking = repo.slot_from_doc(slot_doc), repo.booking_from_doc(b)
    with_private = b.get("private_talk") if private_talk is None else private_talk

    def work(uow):
        # The rules, fed with the family's other bookings (one query); then the slots.
        existing = ops.family_bookings(uow, [b])
        ops.domain(check_can_reschedule, window, booking, new_slot, now, bookings_of(b["student_id"], existing),
                   for_school=staff)
        private_doc = _private_after(uow, window, slot_doc, b["_id"]) if with_private else None
        ops.domain(check_family_free, [ops.span({**b, **ops.place(slot_doc, private_doc)})],
                   [x.span for x in existing])
        for sid in [slot_id] + ([private_doc["_id"]] if private_doc else []):
            ops.claim(uow, b["window_id"], sid, b["_id"], moving=True)
        moved = ops.move_booking(uow, b, slot_doc, private_doc)
        for sid in set(ops.slot_ids(b)) - set(ops.slot_ids(moved)):
            waitlist.promote(uow, window_doc, sid)
        return moved

    return _atomic(store, work, window_doc)


def _private_after(uow, window, slot_doc: dict, booking_id: str) -> dict:
    query = {"window_id": slot_doc["window_id"], "teacher_id": slot_doc["teacher_id"],
             "start": ops.private_window(slot_doc, window.buffer_minutes),
             "booked_by": {"$in": [None, booking_id]}}
    docs = {d["_id"]: d for d in uow.db[repo.SLOTS].find(query, session=uow.session)}
    chosen = private_followup_slot(repo.slot_from_doc(slot_doc), [repo.slot_from_doc(d) for d in docs.values()],
                                   buffer_minutes=window.buffer_minutes)
    if chosen is None:
        raise Conflict("The slot right after this one is taken, so there is no room for the private word.",
                       code="private_slot_unavailable", slot_id=slot_doc["_id"])
    return docs[chosen.id]


def cancel(store, principal, booking_id: str) -> dict:
    b, window_doc = _load(store, principal, booking_id)
    staff = acts_for_school(principal.role)
    if b["status"] != BOOKED:
        raise Conflict(f"This booking is {b['status']}.", code="booking_not_active")
    window, now = repo.window_from_doc(window_doc), store.clock()
    ops.domain(check_can_cancel, window, b["start"], now, for_school=staff)

    def work(uow):
        closed = ops.close_booking(uow, b, CANCELLED, reason="school" if staff else "family")
        for sid in ops.slot_ids(b):
            waitlist.promote(uow, window_doc, sid)
        return closed

    return _atomic(store, work, window_doc)


def _zone(db, school_id: str) -> str:
    return (StudentDirectory(db).school(school_id) or {}).get("time_zone") or "UTC"


def _agreement_change(store, b: dict, body: dict | None, now) -> dict | None:
    if not body:
        return None
    zone = ZoneInfo(_zone(store.db, b["school_id"]))
    return outcomes.validate(body, b.get("agreement"), b["start"].astimezone(zone).date(), now.astimezone(zone).date())


def record_outcome(store, principal, booking_id: str, outcome: str, agreement: dict | None = None) -> dict:
    """Held (optionally with what was agreed: see `outcomes`) or no-show."""
    b, window_doc = _load(store, principal, booking_id)
    access.require_teacher_or_admin(principal, window_doc, b["teacher_id"])
    now = store.clock()
    if b["status"] != BOOKED:
        raise Conflict(f"The outcome is already recorded ({b['status']}).", code="outcome_already_recorded")
    if now < b["start"]:
        raise Conflict("The conference has not started yet.", code="conference_not_started")
    if agreement and outcome == NO_SHOW:
        raise Invalid("Nothing can be agreed at a conference nobody came to.", code="no_show_has_no_outcome",
                      errors={"outcome": ["held, to record what was agreed"]})
    change = _agreement_change(store, b, agreement, now)

    def work(uow):
        if outcome == NO_SHOW:
            closed = ops.close_booking(uow, b, NO_SHOW)
            uow.emit("ConferenceNoShow", outcome_data(b, b["cycle"], start=b["start"]), subject=b["_id"])
            return closed
        changes = {"status": HELD, "held_at": b["start"], "outcome_by": principal.sub, "updated_at": now}
        res = uow.db[repo.BOOKINGS].update_one({"_id": b["_id"], "status": BOOKED}, {"$set": changes},
                                               session=uow.session)
        if res.modified_count != 1:
            raise Conflict("The booking changed meanwhile; reload it.", code="booking_changed")
        reminders.drop(uow, b)
        ops.schedule_follow_up(uow, b, b["start"])
        uow.emit("ConferenceHeld", outcome_data(b, b["cycle"], held_at=b["start"],
                                                private_talk=bool(b.get("private_talk"))), subject=b["_id"])
        held = {**b, **changes}
        if change:
            held["agreement"] = outcomes.apply(uow, held, change, principal, _zone(uow.db, b["school_id"]))
        return held

    return _atomic(store, work, window_doc)


def record_agreement(store, principal, booking_id: str, body: dict) -> dict:
    """Add to what was agreed at a held conference (see `outcomes`)."""
    b, window_doc = _load(store, principal, booking_id)
    access.require_teacher_or_admin(principal, window_doc, b["teacher_id"])
    if b["status"] != HELD:
        raise Conflict("Record the conference as held first.", code="conference_not_held")
    change = _agreement_change(store, b, body, store.clock())

    def work(uow):
        current = uow.db[repo.BOOKINGS].find_one({"_id": b["_id"]}, session=uow.session)
        return {**current, "agreement": outcomes.apply(uow, current, change, principal,
                                                       _zone(uow.db, b["school_id"]))}

    return _atomic(store, work, window_doc)


def _atomic(store, work, window_doc: dict):
    try:
        return store.atomic(work, retries=BOOKING_RETRIES, district_id=window_doc["district_id"],
                            school_id=window_doc["school_id"])
    except OperationFailure as exc:
        if not exc.has_error_label("TransientTransactionError"):
            raise
        raise Conflict("Someone else is changing these slots right now; try again.", code="slot_contended") from None
