"""The goals service's collections, their indexes, and goal documents <-> domain objects.

Every document carries `district_id` and `school_id`; indexes lead with them. Dates
(target dates, check-in days) are stored as ISO strings, instants as UTC datetimes.
"""
from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum

from pymongo import ASCENDING as A, DESCENDING as D

from services.access import StudentDirectory
from services.common.guards import district_scope
from services.goals.domain import (
    Focus, Goal, GoalStatus, Measure, Plan, Revision, Role, SchoolYear, StatusChange, Supports,
    Trackable,
)

GOALS = "goals"
CHECKINS = "checkins"
SELF_ASSESSMENTS = "self_assessments"
REFLECTIONS = "reflections"
PARENT_INPUT = "parent_input"
PRIVATE_NOTES = "private_notes"
EVIDENCE = "evidence"
EVIDENCE_BUCKET = "evidence_files"  # GridFS: evidence_files.files / evidence_files.chunks
FOLLOW_UPS = "follow_ups"
CONFERENCE_OUTCOMES = "conference_outcomes"  # what was agreed at each conference (supports, next check-in)
AUDIT_LOG = "audit_log"
TENANT = [("district_id", A), ("school_id", A)]


def ensure_indexes(db) -> None:
    StudentDirectory.ensure_indexes(db)
    db[GOALS].create_index(TENANT + [("student_id", A), ("cycle", A), ("status", A)])
    db[CHECKINS].create_index(TENANT + [("goal_id", A), ("on", A)])
    db[CHECKINS].create_index(TENANT + [("student_id", A), ("cycle", A)])
    for name in (SELF_ASSESSMENTS, REFLECTIONS, PARENT_INPUT, PRIVATE_NOTES, EVIDENCE):
        db[name].create_index(TENANT + [("student_id", A), ("cycle", A)])
    db[FOLLOW_UPS].create_index(TENANT + [("student_id", A), ("status", A), ("opened_at", A)])
    db[FOLLOW_UPS].create_index([("district_id", A), ("teacher_id", A), ("status", A), ("due_at", A)])
    db[CONFERENCE_OUTCOMES].create_index(TENANT + [("student_id", A), ("cycle", A)])
    db[AUDIT_LOG].create_index(TENANT + [("student_id", A), ("at", D)])
    db[f"{EVIDENCE_BUCKET}.files"].create_index([("metadata.district_id", A), ("metadata.school_id", A),
                                                 ("metadata.student_id", A)])


def scope(record) -> dict:
    """Tenant fields of the student's record, for documents and queries."""
    return {"district_id": record.district_id, "school_id": record.school_id}


# -- plain values --------------------------------------------------------------
def plain(obj, *, json: bool = False):
    """Dataclasses/enums/tuples -> dicts/str/lists; dates -> ISO strings; datetimes stay
    datetimes for MongoDB, or become ISO strings with `json=True`."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): plain(v, json=json) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [plain(v, json=json) for v in obj]
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime):
        return obj.isoformat().replace("+00:00", "Z") if json else obj
    if isinstance(obj, date):
        return obj.isoformat()
    return obj


def day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


# -- goals ---------------------------------------------------------------------
def plan_from_doc(d: dict) -> Plan:
    track = d.get("trackable") or {}
    measure = track.get("measure")
    return Plan(
        statement=d.get("statement", ""), focus=Focus(**d["focus"]), term=d.get("term", "short"),
        specific_actions=d.get("specific_actions", ()),
        trackable=Trackable(track.get("method", ""), Measure(**measure) if measure else None),
        achievable_reasons=d.get("achievable_reasons", ()), target_date=day(d.get("target_date")),
        supports=Supports(**(d.get("supports") or {})),
    )


def year_from_doc(d: dict) -> SchoolYear:
    return SchoolYear(day(d["start"]), day(d["end"]), d.get("label", ""))


def goal_from_doc(doc: dict) -> Goal:
    revisions = [Revision(r["at"], Role(r["by_role"]), r.get("by_id"), r.get("reason", ""),
                          GoalStatus(r["status_before"]), plan_from_doc(r["previous"]))
                 for r in doc.get("revisions", ())]
    log = [StatusChange(s["at"], Role(s["by_role"]), s.get("by_id"), GoalStatus(s["from_status"]),
                        GoalStatus(s["to_status"]), s.get("note", "")) for s in doc.get("status_log", ())]
    return Goal(doc["_id"], doc["student_id"], year_from_doc(doc["school_year"]), doc["cycle"],
                plan_from_doc(doc["plan"]), doc["status"], revisions, log, doc.get("carried_from"),
                doc.get("set_by") or "student")


def goal_fields(goal: Goal) -> dict:
    """The parts of a goal document that follow from the domain object."""
    return {"student_id": goal.student_id, "cycle": goal.cycle, "school_year": plain(goal.school_year),
            "plan": plain(goal.plan), "status": goal.status.value, "revisions": plain(goal.revisions),
            "status_log": plain(goal.status_log), "carried_from": goal.carried_from, "set_by": goal.set_by.value}


def load_goal(db, goal_id: str, principal, session=None) -> dict | None:
    query = district_scope(principal, _id=goal_id)
    return db[GOALS].find_one(query, session=session)


def goals_of(db, record, *, cycle: str | None = None, session=None) -> list[dict]:
    query = {**scope(record), "student_id": record.student_id}
    if cycle:
        query["cycle"] = cycle
    return list(db[GOALS].find(query, session=session).sort([("created_at", A), ("_id", A)]))


def active_count(db, record, cycle: str, *, exclude: str | None = None, session=None) -> int:
    query = {**scope(record), "student_id": record.student_id, "cycle": cycle,
             "status": {"$in": ["submitted", "agreed", "revised"]}}
    if exclude:
        query["_id"] = {"$ne": exclude}
    return db[GOALS].count_documents(query, session=session)
