"""Steps shared by every use case that books, moves or releases a conference, run inside
one unit of work: claim and release slots, create and close bookings, keep the
reminder timer in step. A slot is claimed with a conditional update (`booked_by: None`),
so two transactions can never both claim it: the loser's update matches nothing (or
write-conflicts and is retried until it sees the winner's commit)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError

from services.common import timers
from services.common.envelope import iso
from services.common.errors import Conflict, Invalid, NotFound
from services.scheduling.adapters import repository as repo
from services.scheduling.application import reminders
from services.scheduling.domain.constants import FOLLOW_UP_DAYS
from services.scheduling.domain.model import BOOKED, CANCELLED, HELD, INVALID, Booking, DomainError
from services.scheduling.adapters.events import emit_booking
from services.scheduling.domain.policy import follow_up_due_at


def domain(fn, *args, **kw):
    """Run a pure rule; turn its DomainError into the HTTP-facing error of its kind
    (invalid 422, conflict 409)."""
    try:
        return fn(*args, **kw)
    except DomainError as exc:
        details = {k: v for k, v in exc.details.items() if k != "errors"}
        if exc.kind == INVALID:
            raise Invalid(exc.message, code=exc.code, errors=exc.details.get("errors"), **details) from None
        raise Conflict(exc.message, code=exc.code, **details) from None


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


def new_booking_doc(window_doc: dict, slot_doc: dict, private_doc: dict | None, *, student_id: str,
                    guardian_id: str, principal, now: datetime, interpreter_language: str | None = None,
                    group_id: str | None = None) -> dict:
    booking_id = new_id("b")
    return {
        "_id": booking_id, "district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
        "window_id": window_doc["_id"], "cycle": window_doc["cycle"], "student_id": student_id,
        "guardian_id": guardian_id, "teacher_id": slot_doc["teacher_id"], "status": BOOKED, "active": True,
        **place(slot_doc, private_doc), "interpreter_language": interpreter_language,
        "private_talk": private_doc is not None, "booked_by_role": principal.role if principal else "waitlist",
        "booked_by": principal.sub if principal else None, "group_id": group_id, "sequence": 0,
        "created_at": now, "updated_at": now,
    }


def place(slot_doc: dict, private_doc: dict | None) -> dict:
    """The booking fields that follow its slot (and paired private slot)."""
    return {"slot_id": slot_doc["_id"], "start": slot_doc["start"], "end": slot_doc["end"],
            "room": slot_doc.get("room"), "modality": slot_doc["modality"], "video_link": slot_doc.get("video_link"),
            "private_slot_id": private_doc["_id"] if private_doc else None,
            "private_end": private_doc["end"] if private_doc else None}


def span(booking: dict) -> tuple[str, datetime, datetime]:
    """The time a booking takes from its family (through the private word, if any)."""
    return booking["_id"], booking["start"], booking.get("private_end") or booking["end"]


def family_bookings(uow, docs: list[dict]) -> list[Booking]:
    """The other active bookings of the guardian of `docs` (one query), for the rules
    that depend on them: one conference per child per window, never two rooms at once.
    Touching the guardian's lock document first makes two concurrent changes of one
    guardian's bookings write-conflict, so the retry of the second one sees the first."""
    guardian, district = docs[0]["guardian_id"], docs[0]["district_id"]
    uow.db[repo.FAMILY_LOCKS].update_one(
        {"_id": f"{district}:{guardian}"},
        {"$inc": {"changes": 1}, "$set": {"district_id": district, "school_id": docs[0]["school_id"],
                                          "guardian_id": guardian}},
        upsert=True, session=uow.session)
    return [repo.booking_from_doc(b) for b in uow.db[repo.BOOKINGS].find(
        {"district_id": district, "guardian_id": guardian, "status": {"$in": [BOOKED, HELD]},
         "_id": {"$nin": [d["_id"] for d in docs]}},
        {"student_id": 1, "teacher_id": 1, "slot_id": 1, "window_id": 1, "guardian_id": 1, "status": 1,
         "start": 1, "end": 1, "private_end": 1}, session=uow.session)]


def slot_ids(booking: dict) -> list[str]:
    return [s for s in (booking["slot_id"], booking.get("private_slot_id")) if s]


def claim(uow, window_id: str, slot_id: str, booking_id: str, *, moving: bool = False) -> None:
    """Take a free slot for `booking_id` (a booking that moves may keep one it holds),
    or raise 409 / 404 naming what went wrong."""
    free = {"$in": [None, booking_id]} if moving else None
    res = uow.db[repo.SLOTS].update_one({"_id": slot_id, "window_id": window_id, "booked_by": free},
                                        {"$set": {"booked_by": booking_id}}, session=uow.session)
    if res.matched_count == 1:
        return
    if uow.db[repo.SLOTS].find_one({"_id": slot_id, "window_id": window_id}, {"_id": 1}, session=uow.session):
        raise Conflict(f"The slot {slot_id} has just been booked by another family.", code="slot_taken",
                       slot_id=slot_id)
    raise NotFound(f"No slot {slot_id} in this window.", code="slot_not_found", slot_id=slot_id)


def release(uow, slot_id: str, booking_id: str) -> None:
    uow.db[repo.SLOTS].update_one({"_id": slot_id, "booked_by": booking_id}, {"$set": {"booked_by": None}},
                                  session=uow.session)


def insert_booking(uow, doc: dict) -> None:
    try:
        uow.db[repo.BOOKINGS].insert_one(doc, session=uow.session)
    except DuplicateKeyError as exc:
        if "one_active_per_slot" in str(exc):
            raise Conflict(f"The slot {doc['slot_id']} has just been booked by another family.",
                           code="slot_taken", slot_id=doc["slot_id"]) from None
        raise Conflict("This child already has a conference in this window; reschedule it instead.",
                       code="student_already_booked", student_id=doc["student_id"]) from None


def schedule_follow_up(uow, b: dict, held_at: datetime) -> None:
    timers.schedule(uow, follow_up_key(b["_id"]), "follow_up", follow_up_due_at(held_at, FOLLOW_UP_DAYS),
                    {"booking_id": b["_id"], "held_at": held_at},
                    district_id=b["district_id"], school_id=b["school_id"])


def follow_up_key(booking_id: str) -> str:
    return f"follow_up:{booking_id}"


def close_booking(uow, b: dict, status: str, *, reason: str | None = None) -> dict:
    """Cancel (or mark a no-show): free its slots, drop its reminder. Conditional on the
    booking still being booked, so two concurrent cancels have one effect."""
    now = uow.now
    changes = {"status": status, "active": b["_id"], "updated_at": now, "sequence": b.get("sequence", 0) + 1}
    if reason:
        changes["cancel_reason"] = reason
    res = uow.db[repo.BOOKINGS].update_one({"_id": b["_id"], "status": BOOKED}, {"$set": changes},
                                           session=uow.session)
    if res.modified_count != 1:
        raise Conflict("The booking changed meanwhile; reload it.", code="booking_changed", booking_id=b["_id"])
    if status == CANCELLED:
        for sid in slot_ids(b):
            release(uow, sid, b["_id"])
    reminders.drop(uow, b)
    closed = {**b, **changes}
    if status == CANCELLED:
        emit_booking(uow, "ConferenceCancelled", closed, reason=reason or "family")
    return closed


def move_booking(uow, b: dict, slot_doc: dict, private_doc: dict | None) -> dict:
    """Move a booked conference to claimed slot(s); free the old ones; move the reminder.
    The rules about the family's other bookings are the caller's (a family's move checks
    them, the school moving a whole day does not)."""
    fields = {**place(slot_doc, private_doc), "private_talk": private_doc is not None,
              "sequence": b.get("sequence", 0) + 1, "updated_at": uow.now}
    fields.update(reminders.for_booking(uow, {**b, **fields}, new=False))
    res = uow.db[repo.BOOKINGS].update_one({"_id": b["_id"], "status": BOOKED, "slot_id": b["slot_id"]},
                                           {"$set": fields}, session=uow.session)
    if res.modified_count != 1:
        raise Conflict("The booking changed meanwhile; reload it.", code="booking_changed", booking_id=b["_id"])
    moved = {**b, **fields}
    for sid in set(slot_ids(b)) - set(slot_ids(moved)):
        release(uow, sid, b["_id"])
    emit_booking(uow, "ConferenceRescheduled", moved, previous_start=iso(b["start"]))
    return moved


def private_window(slot_doc: dict, buffer_minutes: int) -> dict:
    """The query bounds for the free slot that can follow `slot_doc` as a private word."""
    return {"$gte": slot_doc["end"], "$lte": slot_doc["end"] + timedelta(minutes=buffer_minutes)}
