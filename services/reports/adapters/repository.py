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

from pymongo import ASCENDING, ReplaceOne

from services.access import StudentDirectory
from services.common.repository import Repository, attach_all

STUDENTS = "report_students"
PEOPLE = "people"
BOOKINGS = "booking_index"
EVENT_LOG = "event_log"
COUNTERS = "counters"
JOBS = "report_jobs"
RENDERED = "rendered_reports"
AUDIT_LOG = "audit_log"

FACT_PROJECTION = {"facts": 1, "school_id": 1, "grade": 1, "classes": 1, "district_id": 1}

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


def active_filter(district_id: str | None, school_id: str | None = None) -> dict:
    """The active students of a school or a district (those a batch job reports on)."""
    return {**scope_filter(district_id, school_id), "active": {"$ne": False}}


def rendered_id(report_id: str, fmt: str) -> str:
    """One document per report and format, so a re-run replaces it whole."""
    return f"{report_id}:{fmt}"


# -- repositories: every read and write of the service's collections ----------------
# Each is built on a unit of work (services.common.repository), on a replay's
# `eventlog.BulkUnit` (batched writes), or, through `reads`, on a unit of work never
# entered: no transaction, for the read-only views.
class _ReadModel(Repository):
    """A read model that events write, each field only ever moved forward."""

    def _guarded_upsert(self, name: str, _id: str, update: dict, guarded, at: str) -> None:
        """Upsert `update`; then, for each (guard, fields) in `guarded`, `$set` the fields
        only if the version dated `at` is not older than the one that last set them (its
        time is kept in the field `guard`)."""
        coll = self.collection(name)
        coll.update_one({"_id": _id}, update, upsert=True, session=self.session)
        for guard, fields in guarded:
            # "not newer than this event" (missing or <=); $not keeps the _id index in use, $or would not
            coll.update_one({"_id": _id, guard: {"$not": {"$gt": at}}}, {"$set": {**fields, guard: at}},
                            session=self.session)


class ReportStudents(_ReadModel):
    """`report_students`: one read-model document per student."""

    def project(self, student_id: str, update: dict, guarded=(), *, at: str) -> None:
        self._guarded_upsert(STUDENTS, student_id, update, guarded, at)

    def unlink_guardian(self, guardian_id: str) -> None:
        """A deactivated guardian leaves every student's household list."""
        self.collection(STUDENTS).update_many({"guardian_ids": guardian_id}, {"$pull": {"guardian_ids": guardian_id}},
                                               session=self.session)

    def record_agreement(self, student_id: str, booking_key: str, agreement: dict) -> None:
        """A conference's agreement, unless a newer revision of it is stored already."""
        field = f"conferences.{booking_key}.agreement"
        self.collection(STUDENTS).update_one(
            {"_id": student_id, f"{field}.revision": {"$not": {"$gte": agreement["revision"]}}},
            {"$set": {field: agreement}}, session=self.session)

    def get(self, student_id: str) -> dict | None:
        return self.collection(STUDENTS).find_one({"_id": student_id}, session=self.session)

    def schools_of_district(self, district_id: str) -> list[str]:
        """School ids of a district's students ("" for none), sorted."""
        return sorted(s or "" for s in self.collection(STUDENTS).distinct("school_id", {"district_id": district_id},
                                                                          session=self.session))

    def of_school_after(self, district_id: str, school: str, after: str, batch: int):
        """A school's students ("" for none) in _id order after `after` (the index
        (district_id, school_id, _id) serves it)."""
        query = {"district_id": district_id, "school_id": school or None, "_id": {"$gt": after}}
        return self.collection(STUDENTS).find(query, session=self.session).sort("_id", ASCENDING).batch_size(batch)

    def count_active(self, district_id: str, school_id: str | None) -> int:
        return self.collection(STUDENTS).count_documents(active_filter(district_id, school_id),
                                                          session=self.session)

    def facts_in_scope(self, district_id: str | None, school_id: str | None = None,
                       student_ids: list[str] | None = None):
        """The dashboard's part of each student document of a scope, streamed."""
        query = scope_filter(district_id, school_id)
        if student_ids is not None:
            query["_id"] = {"$in": student_ids}
        return self.collection(STUDENTS).find(query, FACT_PROJECTION, session=self.session).batch_size(1000)


class People(_ReadModel):
    """`people`: teachers and guardians (names, language)."""

    def project(self, person_id: str, update: dict, guarded=(), *, at: str) -> None:
        self._guarded_upsert(PEOPLE, person_id, update, guarded, at)

    def get(self, person_id: str) -> dict | None:
        return self.collection(PEOPLE).find_one({"_id": person_id}, session=self.session)

    def teachers(self, district_id: str | None) -> list[dict]:
        """A district's teachers with the fields of their names."""
        return list(self.collection(PEOPLE).find({"district_id": district_id, "role": "teacher"},
                                                  {"given_name": 1, "family_name": 1, "preferred_name": 1},
                                                  session=self.session))

    def languages(self, person_ids: list[str]) -> dict[str, dict]:
        return {p["_id"]: p for p in self.collection(PEOPLE).find({"_id": {"$in": person_ids}}, {"language": 1},
                                                                   session=self.session)}


class BookingIndex(Repository):
    """`booking_index`: booking id -> student."""

    def index(self, booking_id: str, student_id: str, school_id: str, district_id: str | None) -> None:
        self.collection(BOOKINGS).update_one({"_id": booking_id}, {"$set": {
            "student_id": student_id, "school_id": school_id, "district_id": district_id}},
            upsert=True, session=self.session)

    def student_of(self, booking_id: str, scope: dict) -> str | None:
        """The student of a booking within `scope` (a district filter), or None."""
        doc = self.collection(BOOKINGS).find_one({**scope, "_id": booking_id}, session=self.session)
        return doc and doc["student_id"]


class Directory(StudentDirectory, Repository):
    """The platform's roster projection (access rules, schools), and what the reports
    read of it besides."""

    def __init__(self, owner):
        Repository.__init__(self, owner)
        StudentDirectory.__init__(self, owner.db)

    def school_names(self, district_id: str | None) -> dict[str, str | None]:
        return {d["_id"]: d.get("name") for d in self.collection(self.SCHOOLS).find(
            {"district_id": district_id}, {"name": 1}, session=self.session)}

    def schools_of_district(self, district_id: str) -> dict[str, dict]:
        return {d["_id"]: d for d in self.collection(self.SCHOOLS).find({"district_id": district_id},
                                                                         session=self.session)}

    def districts(self) -> list[str]:
        return self.collection(self.SCHOOLS).distinct("district_id", session=self.session)

    def students_taught_by(self, school_id: str, teacher_id: str) -> list[str]:
        return [d["_id"] for d in self.collection(self.COLLECTION).find(
            {"school_id": school_id, "teacher_ids": teacher_id}, {"_id": 1}, session=self.session)]


class Jobs(Repository):
    """`report_jobs`: durable batch jobs, claimed by one runner at a time (a lease)."""

    def add(self, job: dict) -> None:
        self.collection(JOBS).insert_one(job, session=self.session)

    def get(self, job_id: str) -> dict | None:
        return self.collection(JOBS).find_one({"_id": job_id}, session=self.session)

    def held_by(self, job_id: str, owner: str, fields: dict | None = None) -> dict | None:
        """The job if `owner` holds it (has claimed it last)."""
        return self.collection(JOBS).find_one({"_id": job_id, "owner": owner}, fields, session=self.session)

    def give_up(self, job_id: str, now) -> None:
        self.collection(JOBS).update_one({"_id": job_id}, {"$set": {
            "status": "failed", "finished_at": now, "updated_at": now, "owner": None, "lease_until": None}},
            session=self.session)

    def take(self, job: dict, owner: str, now, lease_until) -> bool:
        """Claim `job` as read (same status, same claims), so two runners never both do."""
        res = self.collection(JOBS).update_one(
            {"_id": job["_id"], "status": job["status"], "claims": job.get("claims", 0)},
            {"$set": {"status": "running", "owner": owner, "lease_until": lease_until, "updated_at": now,
                      "started_at": job.get("started_at") or now}, "$inc": {"claims": 1}}, session=self.session)
        return res.modified_count == 1

    def progress(self, job_id: str, owner: str, update: dict) -> bool:
        """Apply `update` to the running job `owner` holds; False if it holds it no more."""
        return self.collection(JOBS).update_one({"_id": job_id, "owner": owner, "status": "running"}, update,
                                                 session=self.session).matched_count == 1

    def finish(self, job_id: str, owner: str, now) -> bool:
        return self.progress(job_id, owner, {"$set": {
            "status": "done", "finished_at": now, "updated_at": now, "owner": None, "lease_until": None}})


class RenderedReports(Repository):
    """`rendered_reports`: one document per report and format (`<report id>:<format>`)."""

    def replace(self, docs: list[dict]) -> None:
        """Store each report whole, replacing an earlier rendering (a replace is about
        half the database work of a partial update)."""
        self.collection(RENDERED).bulk_write(
            [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs], ordered=False, session=self.session)

    def in_formats(self, report_id: str, formats: list[str]) -> dict[str, dict]:
        """The report's stored renderings among `formats`, by format."""
        ids = [rendered_id(report_id, f) for f in formats]
        return {d["format"]: d for d in self.collection(RENDERED).find({"_id": {"$in": ids}}, session=self.session)}


class AuditLog(Repository):
    def record(self, entry: dict) -> None:
        self.collection(AUDIT_LOG).insert_one(entry, session=self.session)


class EventLog(Repository):
    """`event_log`, as the command line reads it (appending and replaying: eventlog.py)."""

    def estimated_count(self) -> int:
        return self.collection(EVENT_LOG).estimated_document_count()

    def names(self):
        return (d["name"] for d in self.collection(EVENT_LOG).find({}, {"name": 1}, session=self.session))


# uow.<name> -> its repository.
REPOSITORIES = {"students": ReportStudents, "people": People, "bookings": BookingIndex, "directory": Directory,
                "jobs": Jobs, "rendered": RenderedReports, "audit_log": AuditLog, "event_log": EventLog}


def attach(uow) -> None:
    """The reports' repositories on a unit of work (declared in SERVICE)."""
    attach_all(uow, REPOSITORIES)


def reads(store):
    """Repositories for reads outside a transaction (views, the command line, a batch
    job's streaming): a unit of work never entered has no session, so each read runs
    on its own, as the store would run it."""
    return store.unit_of_work()
