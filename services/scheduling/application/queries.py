"""Read models for the API: free/busy slot listings (no family's name or id, ever),
a caller's bookings, a teacher's day, and who has not booked yet."""
from __future__ import annotations

from datetime import date, time, timedelta

from pymongo import ASCENDING

from services.access import StudentDirectory
from services.common.errors import Forbidden, NotFound
from services.common.guards import district_scope
from services.scheduling.application import access
from services.scheduling.adapters import repository as repo
from services.scheduling.domain.model import local_to_utc
from services.scheduling.domain.policy import agenda as agenda_items


def windows(store, principal, school_id: str) -> list[dict]:
    """The school's windows: all of them for its staff, open ones for its families."""
    db = store.db
    school = StudentDirectory(db).school(school_id) or {}
    scope = {"school_id": school_id, "district_id": school.get("district_id")}
    staff = access.is_staff_of(principal, scope)
    if not staff and not access.may_see_school(db, principal, scope):
        raise NotFound(f"No school {school_id}.", code="school_not_found")
    query = district_scope(principal, school_id=school_id)
    if not staff:
        query["status"] = {"$ne": "draft"}
    return list(db[repo.WINDOWS].find(query).sort("created_at", ASCENDING))


def slots(store, principal, window_id: str, *, teacher_id=None, on: date | None = None, free_only=False) -> list[dict]:
    """Free/busy only: who booked a slot is never part of a listing."""
    window_doc = access.window_for(store.db, principal, window_id, cached=True)
    query = {"district_id": window_doc["district_id"], "school_id": window_doc["school_id"], "window_id": window_id}
    if teacher_id:
        query["teacher_id"] = teacher_id
    if on:
        query["local_date"] = repo.d2s(on)
    if free_only:
        query["booked_by"] = None
    docs = list(store.db[repo.SLOTS].find(query, {"booked_by": 1, "teacher_id": 1, "start": 1, "end": 1,
                                                  "local_date": 1, "local_start": 1, "local_end": 1, "evening": 1,
                                                  "room": 1, "modality": 1}).sort("start", ASCENDING))
    people = repo.names(store.db, {d["teacher_id"] for d in docs})
    return [{"slot_id": d["_id"], "teacher_id": d["teacher_id"],
             "teacher_name": repo.display_name(people, d["teacher_id"]), "start": d["start"], "end": d["end"],
             "local_date": d["local_date"], "local_start": d["local_start"], "local_end": d["local_end"],
             "evening": d.get("evening", False), "room": d.get("room"), "modality": d["modality"],
             "free": not d.get("booked_by")} for d in docs]


def bookings(store, principal, *, window_id=None, status=None) -> list[dict]:
    query = district_scope(principal)
    if principal.role == "guardian":
        query["guardian_id"] = principal.sub
    elif principal.role == "teacher":
        query["teacher_id"] = principal.sub
    elif principal.role == "school_admin":
        query["school_id"] = {"$in": list(principal.school_ids)}
    elif principal.role != "district_admin":
        raise Forbidden("This role has no bookings.", code="role_not_allowed")
    if window_id:
        query["window_id"] = window_id
    if status:
        query["status"] = status
    docs = list(store.db[repo.BOOKINGS].find(query).sort("start", ASCENDING).limit(1000))
    return with_names(store.db, docs)


def with_names(db, docs: list[dict]) -> list[dict]:
    people = repo.names(db, {p for d in docs for p in (d["student_id"], d["teacher_id"])})
    return [{**d, "booking_id": d["_id"], "student_name": repo.display_name(people, d["student_id"]),
             "teacher_name": repo.display_name(people, d["teacher_id"])} for d in docs]


def agenda(store, principal, window_id: str, teacher_id: str, day: date) -> list[dict]:
    """A teacher's conferences on one local day, in order, with the children's names."""
    db = store.db
    window_doc = access.window_for(db, principal, window_id)
    access.require_teacher_or_admin(principal, window_doc, teacher_id)
    window = repo.window_from_doc(window_doc)
    lo, hi = local_to_utc(day, time(0), window.tz), local_to_utc(day + timedelta(days=1), time(0), window.tz)
    docs = list(db[repo.BOOKINGS].find({"district_id": window_doc["district_id"], "teacher_id": teacher_id,
                                        "start": {"$gte": lo, "$lt": hi}, "window_id": window_id}))
    people = repo.names(db, {p for d in docs for p in (d["student_id"], d["guardian_id"])})
    by_id = {d["_id"]: d for d in docs}
    slot_docs = db[repo.SLOTS].find({"_id": {"$in": [d["slot_id"] for d in docs]}})
    items = agenda_items([repo.booking_from_doc(d, repo.display_name(people, d["student_id"])) for d in docs],
                         [repo.slot_from_doc(s) for s in slot_docs], day, window.tz)
    out = []
    for item in items:
        b = by_id[item.booking_id]
        private_end = b.get("private_end")
        out.append({**item.__dict__, "guardian_id": b["guardian_id"],
                    "guardian_name": repo.display_name(people, b["guardian_id"]),
                    "private_until": f"{private_end.astimezone(window.tz):%H:%M}" if private_end else None})
    return out


def invitations(store, principal, window_id: str, status: str = "not_booked") -> list[dict]:
    """Families invited, with the children each has booked; `not_booked` keeps those
    with at least one child still to book."""
    db = store.db
    window_doc = access.window_for(db, principal, window_id)
    access.require_staff(principal, window_doc)
    booked: dict[str, set] = {}
    for b in db[repo.BOOKINGS].find({"window_id": window_id, "active": True}, {"guardian_id": 1, "student_id": 1}):
        booked.setdefault(b["guardian_id"], set()).add(b["student_id"])
    mine = None
    if principal.role == "teacher":  # a teacher follows up the families of their own students
        mine = {s["_id"] for s in db[StudentDirectory.COLLECTION].find(
            {"school_id": window_doc["school_id"], "teacher_ids": principal.sub}, {"_id": 1})}
    out = []
    for inv in db[repo.INVITATIONS].find({"window_id": window_id}).sort("guardian_id", ASCENDING):
        children = [s for s in inv["student_ids"] if mine is None or s in mine]
        if not children:
            continue
        done = sorted(booked.get(inv["guardian_id"], set()) & set(children))
        missing = [s for s in children if s not in done]
        if status == "all" or (status == "not_booked") == bool(missing):
            out.append({"guardian_id": inv["guardian_id"], "student_ids": children,
                        "booked_student_ids": done, "not_booked_student_ids": missing,
                        "invited_at": inv["invited_at"], "nudged_at": inv.get("nudged_at")})
    return out
