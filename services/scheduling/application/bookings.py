"""Use case: book conferences. One child, or siblings back to back in one request (all
or nothing), each optionally followed by a paired private word with the same teacher.
Reads happen before the transaction; the transaction only claims, inserts and emits,
so it stays short under a booking rush."""
from __future__ import annotations

from pymongo.errors import OperationFailure

from services.access import WRITE, StudentDirectory
from services.common import metrics
from services.common.errors import Conflict, Invalid, NotFound
from services.common.guards import same_district
from services.scheduling.application import access
from services.scheduling.application import booking_steps as ops
from services.scheduling.adapters import cache
from services.scheduling.application import reminders
from services.scheduling.adapters import repository as repo
from services.scheduling.domain.constants import BOOKING_RETRIES
from services.scheduling.adapters.events import emit_booking
from services.scheduling.domain.policy import (
    bookings_of, check_can_book, check_distinct_slots, check_family_free, check_household_request, check_window_open,
)
from services.scheduling.adapters import requests as requests_repo
from services.scheduling.domain.assignment.requests import FIRST_COME, check_first_come_open
from services.scheduling.domain.slots import plan_sibling_slots, private_followup_slot, sibling_shortfall


def book(store, principal, window_id: str, children: list[dict], *, guardian_id: str | None = None,
         interpreter_language: str | None = None, on_date=None) -> list[dict]:
    """`children`: [{student_id, slot_id?, teacher_id?, private_talk?}]. Without slot ids
    the earliest back-to-back slots (on `on_date` if given) are chosen."""
    db, now = store.db, store.clock()
    entry = cache.window(db, window_id)
    if entry is None or not same_district(principal, entry[0]):
        raise NotFound(f"No conference window {window_id}.", code="window_not_found")
    window_doc, rooms = entry
    window = repo.window_from_doc(window_doc)
    records = _students(db, principal, window_doc, [c["student_id"] for c in children])
    families = {access.family_guardian(principal, r, guardian_id) for r in records}
    if len(families) != 1:
        raise Invalid("Name the family this booking is for.", code="guardian_required",
                      errors={"guardian_id": ["the children have different guardians"]})
    family = families.pop()
    ops.domain(check_window_open, window)
    _check_first_come(db, principal, window_doc, family)
    ops.domain(check_household_request, window, [r.student_id for r in records])
    plan = _plan(db, window_doc, rooms, window, children, records, now, on_date)
    slots = [repo.slot_from_doc(slot_doc) for slot_doc, _private in plan]
    group = ops.new_id("g") if len(plan) > 1 else None
    docs = [ops.new_booking_doc(window_doc, slot_doc, private_doc, student_id=c["student_id"], guardian_id=family,
                                principal=principal, now=now, interpreter_language=interpreter_language,
                                group_id=group)
            for c, (slot_doc, private_doc) in zip(children, plan)]

    def work(uow):
        # The rules that depend on what the family already has, fed with it (one query).
        existing = ops.family_bookings(uow, docs)
        for doc, slot in zip(docs, slots):
            ops.domain(check_can_book, window, slot, now, bookings_of(doc["student_id"], existing))
        ops.domain(check_family_free, [ops.span(d) for d in docs], [b.span for b in existing])
        for doc in docs:
            for sid in ops.slot_ids(doc):
                ops.claim(uow, window_id, sid, doc["_id"])
            doc.update(reminders.for_booking(uow, doc, new=True))
            ops.insert_booking(uow, doc)
            emit_booking(uow, "ConferenceBooked", doc, booked_by_role=principal.role)
        return docs

    try:
        result = store.atomic(work, retries=BOOKING_RETRIES, district_id=window_doc["district_id"],
                              school_id=window_doc["school_id"])
    except Conflict:
        metrics.BOOKINGS.labels("conflict").inc()
        raise
    except OperationFailure as exc:
        if not exc.has_error_label("TransientTransactionError"):
            raise
        metrics.BOOKINGS.labels("contended").inc()
        raise Conflict("Another family is booking the same slot right now; try again.", code="slot_contended",
                       slot_ids=[s for d in docs for s in ops.slot_ids(d)]) from None
    metrics.BOOKINGS.labels("booked").inc(len(result))
    return result


def _check_first_come(db, principal, window_doc: dict, family: str) -> None:
    """In a request window families book only once first-come is open, or the times they
    were offered after the assignment left them out; staff may always book for them."""
    mode = window_doc.get("booking_mode", FIRST_COME)
    if mode == FIRST_COME or window_doc.get("first_come_open") or principal.role != "guardian":
        return
    plan = requests_repo.get_plan(db, window_doc["_id"])
    offered = plan is not None and plan["status"] == "published" and family in plan.get("offered_families", [])
    ops.domain(check_first_come_open, mode, offered)


def _students(db, principal, window_doc: dict, student_ids: list[str]):
    directory = StudentDirectory(db)
    records = []
    for sid in student_ids:
        record = directory.authorize(principal, sid, WRITE)
        if record.school_id != window_doc["school_id"] or not record.active:
            raise NotFound(f"No student {sid} at this window's school.", code="student_not_found")
        records.append(record)
    return records


def _plan(db, window_doc, rooms, window, children, records, now, on_date) -> list[tuple[dict, dict | None]]:
    """(slot, private slot or None) per child, in request order. Chosen slots are not
    read: their id says what they are, and the claim says whether they are free."""
    if all(c.get("slot_id") for c in children):
        ids = [c["slot_id"] for c in children]
        ops.domain(check_distinct_slots, ids)
        chosen = []
        for sid, record in zip(ids, records):
            doc = repo.slot_from_id(window_doc, rooms, sid)
            if doc is None:
                raise NotFound(f"No slot {sid} in this window.", code="slot_not_found", slot_id=sid)
            _teacher_of(record, doc["teacher_id"])
            chosen.append(doc)
        free_docs = None
    elif any(c.get("slot_id") for c in children):
        raise Invalid("Give a slot for every child or for none.", code="mixed_slots",
                      errors={"students": ["either every child has a slot_id or none has"]})
    else:
        chosen, free_docs = _plan_siblings(db, window_doc, window, children, records, now, on_date)
    used = {d["_id"] for d in chosen}
    out = []
    for c, doc in zip(children, chosen):
        private = _private_slot(db, window_doc, window, doc, free_docs, used) if c.get("private_talk") else None
        if private is not None:
            used.add(private["_id"])
        out.append((doc, private))
    return out


def _teacher_of(record, teacher_id: str) -> str:
    if teacher_id not in record.teacher_ids:
        raise Invalid(f"{teacher_id} is not one of this child's teachers.", code="teacher_not_for_student",
                      errors={"students": [f"teacher {teacher_id} does not teach {record.student_id}"]})
    return teacher_id


def _plan_siblings(db, window_doc, window, children, records, now, on_date):
    requests = []
    for c, record in zip(children, records):
        teacher = c.get("teacher_id")
        if teacher is None and len(record.teacher_ids) != 1:
            raise Invalid("Choose the teacher to meet.", code="teacher_required",
                          errors={"students": [f"{record.student_id} has several teachers: name one"]})
        requests.append((record.student_id, _teacher_of(record, teacher or record.teacher_ids[0]), None))
    query = {"district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
             "window_id": window_doc["_id"], "teacher_id": {"$in": sorted({r[1] for r in requests})},
             "start": {"$gt": now}, "booked_by": None}
    if on_date:
        query["local_date"] = repo.d2s(on_date)
    docs = {d["_id"]: d for d in db[repo.SLOTS].find(query)}
    free: dict[str, list] = {}
    for d in docs.values():
        free.setdefault(d["teacher_id"], []).append(repo.slot_from_doc(d))
    plan = plan_sibling_slots(requests, free, window, now=now)
    if plan is None:
        full = sibling_shortfall(requests, free, now=now)
        if full:
            raise Conflict(f"No free slot is left with the teacher of {', '.join(full)}"
                           f"{' on that day' if on_date else ''}; try another day.",
                           code="no_back_to_back_slots", reason="teacher_full", student_ids=full)
        raise Conflict(f"The teachers' free slots{' on that day' if on_date else ''} are more than "
                       f"{window.travel_gap_minutes + window.max_idle_minutes} minutes apart, so these children "
                       "cannot be seen back to back; try another day, or choose the times yourself.",
                       code="no_back_to_back_slots", reason="too_far_apart")
    return [docs[s.id] for s in plan], docs


def _private_slot(db, window_doc, window, slot_doc, free_docs, used) -> dict:
    if free_docs is None:
        free_docs = {d["_id"]: d for d in db[repo.SLOTS].find({
            "district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
            "window_id": window_doc["_id"], "teacher_id": slot_doc["teacher_id"],
            "start": ops.private_window(slot_doc, window.buffer_minutes), "booked_by": None})}
    candidates = [repo.slot_from_doc(d) for sid, d in free_docs.items()
                  if sid not in used and d["teacher_id"] == slot_doc["teacher_id"]]
    chosen = private_followup_slot(repo.slot_from_doc(slot_doc), candidates, buffer_minutes=window.buffer_minutes)
    if chosen is None:
        raise Conflict("The slot right after this one is taken, so there is no room for a private word; "
                       "choose another slot.", code="private_slot_unavailable", slot_id=slot_doc["_id"])
    return free_docs[chosen.id]
