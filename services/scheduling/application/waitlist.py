"""The optional waitlist: when a teacher is full a family may wait for them, and agrees
to be booked into the first of that teacher's slots that frees up (in the same
transaction as the cancellation or move that freed it; ConferenceBooked with
booked_by_role "waitlist" tells the family)."""
from __future__ import annotations

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.access import WRITE, StudentDirectory
from services.common.errors import Conflict, NotFound
from services.scheduling.application import access
from services.scheduling.application import booking_steps as ops
from services.scheduling.application import reminders
from services.scheduling.adapters import repository as repo
from services.scheduling.adapters.events import emit_booking
from services.scheduling.domain.policy import booked_in, bookings_of, check_window_open, overlapping

WAITING, BOOKED_FROM_WAITLIST, LEFT, SKIPPED = "waiting", "booked", "left", "skipped"


def join(store, principal, window_id: str, student_id: str, teacher_id: str | None = None,
         guardian_id: str | None = None, interpreter_language: str | None = None) -> dict:
    db, now = store.db, store.clock()
    window_doc = access.window_for(db, principal, window_id)
    ops.domain(check_window_open, repo.window_from_doc(window_doc))
    if not window_doc.get("waitlist"):
        raise Conflict("This school does not keep a waitlist.", code="waitlist_disabled")
    record = StudentDirectory(db).authorize(principal, student_id, WRITE)
    family = access.family_guardian(principal, record, guardian_id)
    teacher = teacher_id or (record.teacher_ids[0] if len(record.teacher_ids) == 1 else None)
    if teacher is None or teacher not in record.teacher_ids:
        raise NotFound("Name one of this child's teachers.", code="teacher_not_found")
    if db[repo.SLOTS].find_one({"district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
                                "window_id": window_id, "teacher_id": teacher, "start": {"$gt": now},
                                "booked_by": None}, {"_id": 1}):
        raise Conflict("This teacher still has free slots: book one instead.", code="slots_available")
    if db[repo.BOOKINGS].find_one({"window_id": window_id, "student_id": student_id, "guardian_id": family,
                                   "active": True}, {"_id": 1}):
        raise Conflict("This child already has a conference in this window.", code="student_already_booked")
    entry = {"_id": ops.new_id("wl"), "district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
             "window_id": window_id, "teacher_id": teacher, "student_id": student_id, "guardian_id": family,
             "interpreter_language": interpreter_language, "status": WAITING, "active": True, "created_at": now}
    try:
        db[repo.WAITLIST].insert_one(entry)
    except DuplicateKeyError:
        raise Conflict("This child is already on the waitlist.", code="already_waiting") from None
    return entry


def entries(store, principal, window_id: str) -> list[dict]:
    window_doc = access.window_for(store.db, principal, window_id)
    query: dict = {"window_id": window_id, "status": WAITING}
    if principal.role == "guardian":
        query["guardian_id"] = principal.sub
    elif principal.role == "teacher":
        query["teacher_id"] = principal.sub
    elif not access.is_admin_of(principal, window_doc):
        return []
    return list(store.db[repo.WAITLIST].find(query).sort("created_at", ASCENDING))


def leave(store, principal, window_id: str, entry_id: str) -> None:
    window_doc = access.window_for(store.db, principal, window_id)
    entry = store.db[repo.WAITLIST].find_one({"_id": entry_id, "window_id": window_id})
    mine = entry is not None and (entry["guardian_id"] == principal.sub or access.is_staff_of(principal, window_doc))
    if not mine:
        raise NotFound(f"No waitlist entry {entry_id}.", code="waitlist_entry_not_found")
    store.db[repo.WAITLIST].update_one({"_id": entry_id, "status": WAITING},
                                       {"$set": {"status": LEFT, "active": entry_id}})


def promote(uow, window_doc: dict, slot_id: str) -> dict | None:
    """Book the first waiting family of the slot's teacher into a slot just freed."""
    if not window_doc.get("waitlist") or uow.now >= window_doc["booking_closes_at"]:
        return None
    db, session = uow.db, uow.session
    slot = db[repo.SLOTS].find_one({"_id": slot_id, "booked_by": None}, session=session)
    if slot is None or slot["start"] <= uow.now:
        return None
    waiting = db[repo.WAITLIST].find({"window_id": window_doc["_id"], "teacher_id": slot["teacher_id"],
                                      "status": WAITING}, session=session).sort("created_at", ASCENDING).limit(20)
    for entry in list(waiting):
        doc = ops.new_booking_doc(window_doc, slot, None, student_id=entry["student_id"],
                                  guardian_id=entry["guardian_id"], principal=None, now=uow.now,
                                  interpreter_language=entry.get("interpreter_language"))
        existing = ops.family_bookings(uow, [doc])
        if booked_in(window_doc["_id"], bookings_of(entry["student_id"], existing)):
            _close(uow, entry, SKIPPED)  # booked meanwhile: the entry has done its job
            continue
        if overlapping(ops.span(doc), [b.span for b in existing]):
            continue  # the family is at another conference then: keep waiting for another slot
        ops.claim(uow, window_doc["_id"], slot_id, doc["_id"])
        doc.update(reminders.for_booking(uow, doc, new=True))
        ops.insert_booking(uow, doc)
        emit_booking(uow, "ConferenceBooked", doc, booked_by_role="waitlist")
        _close(uow, entry, BOOKED_FROM_WAITLIST, booking_id=doc["_id"])
        return doc
    return None


def _close(uow, entry: dict, status: str, **extra) -> None:
    uow.db[repo.WAITLIST].update_one({"_id": entry["_id"]},
                                     {"$set": {"status": status, "active": entry["_id"], **extra}},
                                     session=uow.session)
