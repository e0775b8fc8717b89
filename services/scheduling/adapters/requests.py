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
# -- interpreters --------------------------------------------------------------------
# -- the window's own data, read for a solve (never inside a transaction) --------------
# -- the plan ------------------------------------------------------------------------
def pins_of(plan: dict | None) -> list[Pin]:
    return [Pin(p["student_id"], p["slot_id"]) for p in (plan or {}).get("pins", [])]


