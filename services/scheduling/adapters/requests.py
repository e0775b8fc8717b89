"""Repository of request windows: families' requests, the school's priority marks, the
window's interpreters and the proposed assignment (the plan), plus the reads of the
window's own slots and availability that the assignment needs. The only code that
touches these collections.

conference_requests  one per family (guardian) and window: `_id` "<window>:<guardian>",
                     status active / withdrawn, `revision` counts replacements
family_priorities    one per family and window the school marked: priority, reason
interpreters         one per window: the interpreters and their hours
assignment_plans     one per window (`_id` the window id): the proposed or published
                     assignment, `version` raised by every solve; `booked_families`
                     and `offered_families` record what publishing has done, so a
                     second publish does nothing twice
"""
from __future__ import annotations

from pymongo import ASCENDING as A

from services.scheduling.adapters import repository as repo
from services.scheduling.domain.assignment.problem import Child, Interpreter, Pin
from services.scheduling.domain.assignment.requests import Request
from services.scheduling.domain.model import Availability, Slot

REQUESTS, PRIORITIES, INTERPRETERS, PLANS = "conference_requests", "family_priorities", "interpreters", \
    "assignment_plans"
COLLECTIONS = (REQUESTS, PRIORITIES, INTERPRETERS, PLANS)
ACTIVE, WITHDRAWN = "active", "withdrawn"


def ensure_indexes(db) -> None:
    existing = set(db.list_collection_names())
    for name in COLLECTIONS:
        if name not in existing:
            db.create_collection(name)
    db[REQUESTS].create_index([("district_id", A), ("school_id", A), ("window_id", A), ("status", A)])
    db[PRIORITIES].create_index([("district_id", A), ("school_id", A), ("window_id", A)])


def key(window_id: str, guardian_id: str) -> str:
    return f"{window_id}:{guardian_id}"


# -- requests ------------------------------------------------------------------------
def get_request(db, window_id: str, guardian_id: str, *, session=None) -> dict | None:
    return db[REQUESTS].find_one({"_id": key(window_id, guardian_id)}, session=session)


def save_request(uow, doc: dict) -> dict:
    """Create or replace the family's request (a withdrawn one comes back)."""
    fields = {k: v for k, v in doc.items() if k not in ("_id", "created_at", "revision")}
    saved = uow.db[REQUESTS].find_one_and_update(
        {"_id": doc["_id"]},
        {"$set": {**fields, "status": ACTIVE}, "$inc": {"revision": 1},
         "$setOnInsert": {"created_at": doc["updated_at"]}},
        upsert=True, return_document=True, session=uow.session)
    return saved


def withdraw_request(uow, window_id: str, guardian_id: str) -> dict | None:
    return uow.db[REQUESTS].find_one_and_update(
        {"_id": key(window_id, guardian_id), "status": ACTIVE},
        {"$set": {"status": WITHDRAWN, "updated_at": uow.now}, "$inc": {"revision": 1}},
        return_document=True, session=uow.session)


def active_requests(db, window_id: str, *, session=None) -> list[dict]:
    return list(db[REQUESTS].find({"window_id": window_id, "status": ACTIVE}, session=session).sort("_id", 1))


def requesting_guardians(db, window_id: str, *, session=None) -> set[str]:
    return {d["guardian_id"] for d in db[REQUESTS].find({"window_id": window_id, "status": ACTIVE},
                                                        {"guardian_id": 1}, session=session)}


def ranges_doc(items) -> list[dict]:
    return [{"date": repo.d2s(on), "start": repo.t2s(r.start), "end": repo.t2s(r.end)} for on, r in items]


def ranges_of(items) -> dict:
    table: dict = {}
    for r in items or []:
        table.setdefault(repo.s2d(r["date"]), []).append(repo.TimeRange(repo.s2t(r["start"]), repo.s2t(r["end"])))
    return table


def request_from_doc(doc: dict) -> Request:
    return Request(doc["guardian_id"], tuple(Child(c["student_id"], c["teacher_id"]) for c in doc["children"]),
                   ranges_of(doc["ranges"]), modality=doc["modality"],
                   interpreter_language=doc.get("interpreter_language"), private_talk=doc.get("private_talk", False),
                   preferred=ranges_of(doc.get("preferred")))


# -- priorities ----------------------------------------------------------------------
def set_priority(uow, doc: dict) -> dict:
    uow.db[PRIORITIES].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=uow.session)
    return doc


def clear_priority(uow, window_id: str, guardian_id: str) -> bool:
    return uow.db[PRIORITIES].delete_one({"_id": key(window_id, guardian_id)}, session=uow.session).deleted_count == 1


def priorities(db, window_id: str, *, session=None) -> list[dict]:
    return list(db[PRIORITIES].find({"window_id": window_id}, session=session).sort("_id", 1))


# -- interpreters --------------------------------------------------------------------
def save_interpreters(uow, window_doc: dict, items: list[dict]) -> dict:
    doc = {"_id": window_doc["_id"], "district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
           "window_id": window_doc["_id"], "interpreters": items, "updated_at": uow.now}
    uow.db[INTERPRETERS].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=uow.session)
    return doc


def interpreter_docs(db, window_id: str, *, session=None) -> list[dict]:
    doc = db[INTERPRETERS].find_one({"_id": window_id}, session=session)
    return (doc or {}).get("interpreters", [])


def interpreters(db, window_id: str) -> list[Interpreter]:
    return [Interpreter(i["interpreter_id"], frozenset(i["languages"]), ranges_of(i["ranges"]))
            for i in interpreter_docs(db, window_id)]


# -- the window's own data, read for a solve (never inside a transaction) --------------
def availabilities(db, window_id: str) -> list[Availability]:
    return [repo.availability_from_doc(d) for d in db[repo.AVAILABILITY].find({"window_id": window_id}).sort("_id", 1)]


def taken_slots(db, window_id: str) -> list[Slot]:
    return [repo.slot_from_doc(d) for d in db[repo.SLOTS].find({"window_id": window_id, "booked_by": {"$ne": None}})]


def free_slots(db, window_id: str, teacher_ids, *, session=None) -> list[Slot]:
    return [repo.slot_from_doc(d) for d in db[repo.SLOTS].find(
        {"window_id": window_id, "teacher_id": {"$in": sorted(set(teacher_ids))}, "booked_by": None},
        session=session).sort("start", 1)]


def slot_docs(db, ids, *, session=None) -> dict[str, dict]:
    return {d["_id"]: d for d in db[repo.SLOTS].find({"_id": {"$in": list(ids)}}, session=session)}


def students_by_teacher(db, school_id: str) -> dict[str, int]:
    """The roster's active students per teacher (the demand before requests come in)."""
    out: dict[str, int] = {}
    for s in db[repo.StudentDirectory.COLLECTION].find({"school_id": school_id, "active": {"$ne": False}},
                                                       {"teacher_ids": 1}):
        for t in s.get("teacher_ids", []):
            out[t] = out.get(t, 0) + 1
    return out


def is_family_of_school(db, school_id: str, guardian_id: str) -> bool:
    return db[repo.StudentDirectory.COLLECTION].find_one({"school_id": school_id, "guardian_ids": guardian_id},
                                                         {"_id": 1}) is not None


def set_window(uow, window_id: str, fields: dict) -> None:
    uow.db[repo.WINDOWS].update_one({"_id": window_id}, {"$set": fields, "$inc": {"version": 1}},
                                    session=uow.session)


# -- the plan ------------------------------------------------------------------------
def get_plan(db, window_id: str, *, session=None) -> dict | None:
    return db[PLANS].find_one({"_id": window_id}, session=session)


def pins_of(plan: dict | None) -> list[Pin]:
    return [Pin(p["student_id"], p["slot_id"]) for p in (plan or {}).get("pins", [])]


def save_plan(uow, doc: dict, expected_version: int) -> bool:
    """Store a solve's plan if nobody stored another (or began publishing) since it read
    version `expected_version` (0: none yet)."""
    if expected_version == 0:
        if uow.db[PLANS].find_one({"_id": doc["_id"]}, {"_id": 1}, session=uow.session):
            return False
        uow.db[PLANS].insert_one(doc, session=uow.session)
        return True
    res = uow.db[PLANS].replace_one({"_id": doc["_id"], "version": expected_version, "status": "proposed"}, doc,
                                    session=uow.session)
    return res.matched_count == 1


def start_publishing(uow, window_id: str, version: int, by: str) -> bool:
    res = uow.db[PLANS].update_one({"_id": window_id, "version": version, "status": "proposed"},
                                   {"$set": {"status": "publishing", "publish_started_at": uow.now,
                                             "published_by": by}}, session=uow.session)
    return res.modified_count == 1


def mark_family(uow, window_id: str, field: str, family_id: str) -> bool:
    """Record that publishing booked (or offered times to) a family; False when done before."""
    res = uow.db[PLANS].update_one({"_id": window_id, "status": "publishing", field: {"$ne": family_id}},
                                   {"$addToSet": {field: family_id}}, session=uow.session)
    return res.modified_count == 1


def finish_publishing(uow, window_id: str, fields: dict) -> bool:
    res = uow.db[PLANS].update_one({"_id": window_id, "status": "publishing"},
                                   {"$set": {"status": "published", "published_at": uow.now, **fields}},
                                   session=uow.session)
    return res.modified_count == 1
