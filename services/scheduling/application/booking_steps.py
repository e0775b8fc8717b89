"""Steps shared by every use case that books, moves or releases a conference, run inside
one unit of work through its repositories: claim and release slots, create and close
bookings, keep the reminder timer in step. A slot is claimed with a conditional update
(`uow.slots.claim`), so two transactions can never both claim it."""
from __future__ import annotations

import uuid
from datetime import datetime

from services.common.envelope import iso
from services.common.errors import Conflict, Invalid, NotFound
from services.scheduling.adapters import repository as repo
from services.scheduling.adapters.repositories.bookings import SLOT_TAKEN
from services.scheduling.application import reminders
from services.scheduling.domain.constants import FOLLOW_UP_DAYS
from services.scheduling.domain.model import BOOKED, CANCELLED, INVALID, Booking, DomainError
from services.scheduling.adapters.events import emit_booking
from services.scheduling.domain.policy import follow_up_due_at
from services.scheduling.domain.slots import private_followup_slot


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
    uow.family_locks.touch(district, docs[0]["school_id"], guardian)
    return [repo.booking_from_doc(b)
            for b in uow.bookings.active_of_guardian(district, guardian, excluding=[d["_id"] for d in docs])]


def slot_ids(booking: dict) -> list[str]:
    return [s for s in (booking["slot_id"], booking.get("private_slot_id")) if s]


def claim(uow, window_id: str, slot_id: str, booking_id: str, *, moving: bool = False) -> None:
    """Take a free slot for `booking_id` (a booking that moves may keep one it holds),
    or raise 409 / 404 naming what went wrong."""
    if uow.slots.claim(window_id, slot_id, booking_id, moving=moving):
        return
    if uow.slots.exists(window_id, slot_id):
        raise Conflict(f"The slot {slot_id} has just been booked by another family.", code="slot_taken",
                       slot_id=slot_id)
    raise NotFound(f"No slot {slot_id} in this window.", code="slot_not_found", slot_id=slot_id)


def insert_booking(uow, doc: dict) -> None:
    refused = uow.bookings.add(doc)
    if refused == SLOT_TAKEN:
        raise Conflict(f"The slot {doc['slot_id']} has just been booked by another family.",
                       code="slot_taken", slot_id=doc["slot_id"])
    if refused:
        raise Conflict("This child already has a conference in this window; reschedule it instead.",
                       code="student_already_booked", student_id=doc["student_id"])


def schedule_follow_up(uow, b: dict, held_at: datetime) -> None:
    uow.timers.schedule(follow_up_key(b["_id"]), "follow_up", follow_up_due_at(held_at, FOLLOW_UP_DAYS),
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
    if not uow.bookings.close(b["_id"], changes):
        raise Conflict("The booking changed meanwhile; reload it.", code="booking_changed", booking_id=b["_id"])
    if status == CANCELLED:
        for sid in slot_ids(b):
            uow.slots.release(sid, b["_id"])
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
    if not uow.bookings.move(b["_id"], b["slot_id"], fields):
        raise Conflict("The booking changed meanwhile; reload it.", code="booking_changed", booking_id=b["_id"])
    moved = {**b, **fields}
    for sid in set(slot_ids(b)) - set(slot_ids(moved)):
        uow.slots.release(sid, b["_id"])
    emit_booking(uow, "ConferenceRescheduled", moved, previous_start=iso(b["start"]))
    return moved



def private_slot(uow, window, slot_doc: dict, *, keeping: str | None = None, free_docs: dict | None = None,
                 used=frozenset()) -> dict:
    """The free slot of the same teacher that follows `slot_doc` as a private word (one a
    moving booking holds counts as free for it: `keeping`), or 409. `free_docs`: slots
    already read (the sibling planner's), so none is read again; `used`: those taken by
    this request already."""
    if free_docs is None:
        free_docs = uow.slots.private_candidates(slot_doc, window.buffer_minutes, keeping=keeping)
    candidates = [repo.slot_from_doc(d) for sid, d in free_docs.items()
                  if sid not in used and d["teacher_id"] == slot_doc["teacher_id"]]
    chosen = private_followup_slot(repo.slot_from_doc(slot_doc), candidates, buffer_minutes=window.buffer_minutes)
    if chosen is None:
        raise Conflict("The slot right after this one is taken, so there is no room for a private word; "
                       "choose another slot.", code="private_slot_unavailable", slot_id=slot_doc["_id"])
    return free_docs[chosen.id]
