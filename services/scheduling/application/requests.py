"""Use cases of a request window before the assignment: a family's request (create or
replace, withdraw, read), the school's priority marks, the window's interpreters and
the capacity warnings. Each write is one short unit of work with its event."""
from __future__ import annotations

from services.access import WRITE, StudentDirectory
from services.common.errors import Invalid, NotFound
from services.scheduling.application import access
from services.scheduling.application import booking_steps as ops
from services.scheduling.adapters import repository as repo
from services.scheduling.adapters import requests as rq
from services.scheduling.domain.assignment import capacity_warnings, window_warnings
from services.scheduling.domain.assignment.requests import (
    FIRST_COME, build_problem, check_requests_open, validate_request,
)
from services.scheduling.domain.model import OPEN, TimeRange


def _items(ranges) -> list:
    return [(r["date"], TimeRange(r["start"], r["end"])) for r in ranges or []]


def _children(db, principal, window_doc: dict, students: list[dict]):
    """The children's roster records (the caller may act for each) and their teachers."""
    directory = StudentDirectory(db)
    out = []
    for c in students:
        record = directory.authorize(principal, c["student_id"], WRITE)
        if record.school_id != window_doc["school_id"] or not record.active:
            raise NotFound(f"No student {c['student_id']} at this window's school.", code="student_not_found")
        teacher = c.get("teacher_id")
        if teacher is None:
            if len(record.teacher_ids) != 1:
                raise Invalid("Choose the teacher to meet.", code="teacher_required",
                              errors={"students": [f"{record.student_id} has several teachers: name one"]})
            teacher = record.teacher_ids[0]
        elif teacher not in record.teacher_ids:
            raise Invalid(f"{teacher} is not one of this child's teachers.", code="teacher_not_for_student",
                          errors={"students": [f"teacher {teacher} does not teach {record.student_id}"]})
        out.append((record, teacher))
    return out


def _family(principal, records, guardian_id: str) -> str:
    families = {access.family_guardian(principal, r, guardian_id) for r in records}
    if families != {guardian_id}:
        raise NotFound(f"No family {guardian_id} for these children.", code="guardian_not_found")
    return guardian_id


def submit(store, principal, window_id: str, guardian_id: str, body: dict) -> dict:
    """Create or replace the family's request (a guardian for their own children, or
    staff for a family), before the deadline."""
    db, now = store.db, store.clock()
    window_doc = access.window_for(db, principal, window_id)
    window = repo.window_from_doc(window_doc)
    ranges, preferred = _items(body["ranges"]), _items(body.get("preferred"))
    errors = validate_request(window, [c["student_id"] for c in body["students"]], ranges, preferred,
                              body["modality"])
    if errors:
        raise Invalid("The request is not valid.", code="invalid_request", errors=errors)
    children = _children(db, principal, window_doc, body["students"])
    _family(principal, [r for r, _ in children], guardian_id)
    ops.domain(check_requests_open, window_doc.get("booking_mode", FIRST_COME), window_doc.get("requests_deadline"),
               now, window_open=window_doc["status"] == OPEN)
    doc = {"_id": rq.key(window_id, guardian_id), "district_id": window_doc["district_id"],
           "school_id": window_doc["school_id"], "window_id": window_id, "guardian_id": guardian_id,
           "children": [{"student_id": r.student_id, "teacher_id": t} for r, t in children],
           "ranges": rq.ranges_doc(ranges), "preferred": rq.ranges_doc(preferred), "modality": body["modality"],
           "interpreter_language": body.get("interpreter_language"), "private_talk": body.get("private_talk", False),
           "submitted_by": principal.sub, "submitted_by_role": principal.role, "updated_at": now}

    def work(uow):
        saved = rq.save_request(uow, doc)
        uow.emit("ConferenceRequestSubmitted", {
            "window_id": window_id, "school_id": window_doc["school_id"], "guardian_id": guardian_id,
            "student_ids": [c["student_id"] for c in saved["children"]], "revision": saved["revision"],
            "interpreter_language": saved.get("interpreter_language"), "private_talk": saved["private_talk"],
            "submitted_by_role": principal.role}, subject=saved["_id"])
        return saved

    return store.atomic(work, district_id=window_doc["district_id"], school_id=window_doc["school_id"])


def _own_request(db, principal, window_id: str, guardian_id: str) -> tuple[dict, dict]:
    """The window and the family's request, if the caller may see it: the guardian, or
    staff of the school (teachers: families of their students)."""
    window_doc = access.window_for(db, principal, window_id)
    doc = rq.get_request(db, window_id, guardian_id)
    if principal.role == "guardian":
        allowed = principal.sub == guardian_id
    elif principal.role == "teacher":
        allowed = access.is_staff_of(principal, window_doc) and doc is not None and \
            any(c["teacher_id"] == principal.sub for c in doc["children"])
    else:
        allowed = access.is_admin_of(principal, window_doc)
    if not allowed or doc is None:
        raise NotFound(f"No request from {guardian_id} in this window.", code="request_not_found")
    return window_doc, doc


def get(store, principal, window_id: str, guardian_id: str) -> dict:
    return _own_request(store.db, principal, window_id, guardian_id)[1]


def withdraw(store, principal, window_id: str, guardian_id: str) -> dict:
    window_doc, _doc = _own_request(store.db, principal, window_id, guardian_id)
    ops.domain(check_requests_open, window_doc.get("booking_mode", FIRST_COME), window_doc.get("requests_deadline"),
               store.clock(), window_open=window_doc["status"] == OPEN)

    def work(uow):
        done = rq.withdraw_request(uow, window_id, guardian_id)
        if done is None:
            raise NotFound(f"No request from {guardian_id} in this window.", code="request_not_found")
        uow.emit("ConferenceRequestWithdrawn", {"window_id": window_id, "school_id": window_doc["school_id"],
                                                "guardian_id": guardian_id, "revision": done["revision"]},
                 subject=done["_id"])
        return done

    return store.atomic(work, district_id=window_doc["district_id"], school_id=window_doc["school_id"])


def listing(store, principal, window_id: str) -> list[dict]:
    """The window's active requests: administrators all, teachers their students' families."""
    window_doc = access.window_for(store.db, principal, window_id)
    access.require_staff(principal, window_doc)
    docs = rq.active_requests(store.db, window_id)
    if principal.role == "teacher":
        docs = [d for d in docs if any(c["teacher_id"] == principal.sub for c in d["children"])]
    return docs


# -- the school's marks ----------------------------------------------------------------
def mark_priority(store, principal, window_id: str, guardian_id: str, body: dict) -> dict:
    window_doc = access.window_for(store.db, principal, window_id)
    access.require_admin(principal, window_doc)
    if not rq.is_family_of_school(store.db, window_doc["school_id"], guardian_id):
        raise NotFound(f"No family {guardian_id} at this school.", code="guardian_not_found")
    doc = {"_id": rq.key(window_id, guardian_id), "district_id": window_doc["district_id"],
           "school_id": window_doc["school_id"], "window_id": window_id, "guardian_id": guardian_id,
           "priority": body["priority"], "reason": body["reason"], "marked_by": principal.sub,
           "marked_at": store.clock()}
    return store.atomic(lambda uow: rq.set_priority(uow, doc), district_id=window_doc["district_id"],
                        school_id=window_doc["school_id"])


def unmark_priority(store, principal, window_id: str, guardian_id: str) -> None:
    window_doc = access.window_for(store.db, principal, window_id)
    access.require_admin(principal, window_doc)
    if not store.atomic(lambda uow: rq.clear_priority(uow, window_id, guardian_id),
                        district_id=window_doc["district_id"], school_id=window_doc["school_id"]):
        raise NotFound(f"{guardian_id} is not marked in this window.", code="priority_not_found")


def priorities(store, principal, window_id: str) -> list[dict]:
    window_doc = access.window_for(store.db, principal, window_id)
    access.require_staff(principal, window_doc)
    return rq.priorities(store.db, window_id)


def set_interpreters(store, principal, window_id: str, body: dict) -> dict:
    window_doc = access.window_for(store.db, principal, window_id)
    access.require_admin(principal, window_doc)
    window = repo.window_from_doc(window_doc)
    errors: dict[str, list[str]] = {}
    ids = [i["interpreter_id"] for i in body["interpreters"]]
    if len(set(ids)) != len(ids):
        errors["interpreters"] = ["an interpreter is listed twice"]
    for n, i in enumerate(body["interpreters"]):
        for m, r in enumerate(i["ranges"]):
            if window.day(r["date"]) is None:
                errors.setdefault(f"interpreters.{n}.ranges.{m}.date", []).append("is not a day of this window")
            elif r["start"] >= r["end"]:
                errors.setdefault(f"interpreters.{n}.ranges.{m}.end", []).append("must be after the start")
    if errors:
        raise Invalid("The interpreters are not valid.", code="invalid_interpreters", errors=errors)
    items = [{"interpreter_id": i["interpreter_id"], "languages": sorted(set(i["languages"])),
              "ranges": rq.ranges_doc(_items(i["ranges"]))} for i in body["interpreters"]]
    return store.atomic(lambda uow: rq.save_interpreters(uow, window_doc, items),
                        district_id=window_doc["district_id"], school_id=window_doc["school_id"])


def interpreters(store, principal, window_id: str) -> dict:
    window_doc = access.window_for(store.db, principal, window_id)
    access.require_staff(principal, window_doc)
    return {"window_id": window_id, "interpreters": rq.interpreter_docs(store.db, window_id)}


# -- capacity --------------------------------------------------------------------------
def capacity(store, principal, window_id: str) -> dict:
    """Warnings the school can act on: the roster's students per teacher against the
    teacher's slots (before anyone asks), and the requests so far against slots and
    interpreters."""
    db = store.db
    window_doc = access.window_for(db, principal, window_id)
    access.require_staff(principal, window_doc)
    window = repo.window_from_doc(window_doc)
    teachers, people = rq.availabilities(db, window_id), rq.interpreters(db, window_id)
    requests = [rq.request_from_doc(d) for d in rq.active_requests(db, window_id)]
    roster = window_warnings(window, teachers, rq.students_by_teacher(db, window_doc["school_id"]))
    asked = capacity_warnings(build_problem(window, teachers, requests, {}, people)) if requests else []
    return {"window_id": window_id, "requests": len(requests),
            "roster_warnings": [_warning(w) for w in roster], "request_warnings": [_warning(w) for w in asked]}


def _warning(w) -> dict:
    return {"kind": w.kind, "subject": w.subject, "capacity": w.capacity, "demand": w.demand, "message": w.message}
