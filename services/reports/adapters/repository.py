"""The reports service's own collections (its database only) and their indexes.

Read models, rebuilt from `event_log` by `confer reports rebuild`:

  report_students  one document per student: who (names, language, grade, school,
                   homeroom teacher, guardians), goals with their check-ins, conferences,
                   follow-ups, parent input, invitations and the compact dashboard `facts`
  people           teachers and guardians (names, language), for labels and languages
  booking_index    booking id -> student, for conference summaries
  proj_students / proj_schools   the platform's StudentDirectory (ROSTER_HANDLERS)

Kept across a rebuild: the event log itself, its sequence counter, report jobs,
rendered reports, the audit log, the outbox and the processed-events ledger.
"""
from __future__ import annotations

from pymongo import ASCENDING

from services.access import StudentDirectory

STUDENTS = "report_students"
PEOPLE = "people"
BOOKINGS = "booking_index"
EVENT_LOG = "event_log"
COUNTERS = "counters"
JOBS = "report_jobs"
RENDERED = "rendered_reports"
AUDIT_LOG = "audit_log"

READ_MODELS = (STUDENTS, PEOPLE, BOOKINGS, StudentDirectory.COLLECTION, StudentDirectory.SCHOOLS)


def ensure_indexes(db) -> None:
    StudentDirectory.ensure_indexes(db)
    db[StudentDirectory.SCHOOLS].create_index([("district_id", ASCENDING), ("_id", ASCENDING)])
    ensure_read_model_indexes(db)
    db[EVENT_LOG].create_index([("seq", ASCENDING)], unique=True)
    # rendered_reports is only read by _id (rpt-<period>-<student>:<format>): no other index to feed.
    db[JOBS].create_index([("district_id", ASCENDING), ("school_id", ASCENDING), ("created_at", ASCENDING)])
    db[AUDIT_LOG].create_index([("district_id", ASCENDING), ("school_id", ASCENDING), ("student_id", ASCENDING),
                                ("at", ASCENDING)])


def ensure_read_model_indexes(db) -> None:
    """Indexes of the read models (again after a rebuild drops them)."""
    StudentDirectory.ensure_indexes(db)
    # Batch jobs stream a school or the district in _id order.
    db[STUDENTS].create_index([("district_id", ASCENDING), ("school_id", ASCENDING), ("_id", ASCENDING)])
    db[STUDENTS].create_index([("district_id", ASCENDING), ("_id", ASCENDING)])
    db[STUDENTS].create_index([("guardian_ids", ASCENDING)])
    db[PEOPLE].create_index([("district_id", ASCENDING), ("role", ASCENDING)])


def key(value: str) -> str:
    """An id made safe as a field name in a dotted path ('.' and a leading '$' are not)."""
    text = str(value)
    if "." in text or text.startswith("$") or not text:
        return "~" + text.encode().hex()
    return text


def scope_filter(district_id: str | None, school_id: str | None = None) -> dict:
    query: dict = {"district_id": district_id}
    if school_id:
        query["school_id"] = school_id
    return query
