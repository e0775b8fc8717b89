"""In-memory repositories of the reports service (the methods of
`services.reports.adapters.repository` that the tested use cases call), for use cases
run on `services.common.fake_store.FakeStore`. Their dicts live in `store.data`."""
from __future__ import annotations

import copy

from services.access import StudentDirectory


class _Fake:
    def __init__(self, uow, name: str):
        self.docs: dict = uow.store.data.setdefault(name, {})


def _apply(doc: dict, update: dict) -> None:
    """The update operators the use cases send ($set, $inc, $push with $each)."""
    for k, v in update.get("$set", {}).items():
        doc[k] = v
    for k, v in update.get("$inc", {}).items():
        doc[k] = doc.get(k, 0) + v
    for k, v in update.get("$push", {}).items():
        doc.setdefault(k, []).extend(v["$each"] if isinstance(v, dict) and "$each" in v else [v])


class FakeJobs(_Fake):
    def __init__(self, uow):
        super().__init__(uow, "report_jobs")

    def add(self, job):
        assert job["_id"] not in self.docs
        self.docs[job["_id"]] = copy.deepcopy(job)

    def get(self, job_id):
        return copy.deepcopy(self.docs.get(job_id))

    def held_by(self, job_id, owner, fields=None):
        job = self.docs.get(job_id)
        return copy.deepcopy(job) if job and job.get("owner") == owner else None

    def give_up(self, job_id, now):
        _apply(self.docs[job_id], {"$set": {"status": "failed", "finished_at": now, "updated_at": now,
                                            "owner": None, "lease_until": None}})

    def take(self, job, owner, now, lease_until):
        stored = self.docs.get(job["_id"])
        if not stored or stored["status"] != job["status"] or stored.get("claims", 0) != job.get("claims", 0):
            return False
        _apply(stored, {"$set": {"status": "running", "owner": owner, "lease_until": lease_until, "updated_at": now,
                                 "started_at": job.get("started_at") or now}, "$inc": {"claims": 1}})
        return True

    def progress(self, job_id, owner, update):
        stored = self.docs.get(job_id)
        if not stored or stored.get("owner") != owner or stored["status"] != "running":
            return False
        _apply(stored, update)
        return True

    def finish(self, job_id, owner, now):
        return self.progress(job_id, owner, {"$set": {"status": "done", "finished_at": now, "updated_at": now,
                                                      "owner": None, "lease_until": None}})


class FakeRendered(_Fake):
    def __init__(self, uow):
        super().__init__(uow, "rendered_reports")

    def replace(self, docs):
        for d in docs:
            self.docs[d["_id"]] = dict(d)

    def in_formats(self, report_id, formats):
        return {f: self.docs[f"{report_id}:{f}"] for f in formats if f"{report_id}:{f}" in self.docs}


class FakeStudents(_Fake):
    def __init__(self, uow):
        super().__init__(uow, "report_students")

    def get(self, student_id):
        return copy.deepcopy(self.docs.get(student_id))


class FakePeople(_Fake):
    def __init__(self, uow):
        super().__init__(uow, "people")

    def get(self, person_id):
        return self.docs.get(person_id)


class FakeBookings(_Fake):
    def __init__(self, uow):
        super().__init__(uow, "booking_index")

    def student_of(self, booking_id, scope):
        doc = self.docs.get(booking_id)
        return doc["student_id"] if doc and doc["district_id"] == scope["district_id"] else None


class FakeAuditLog(_Fake):
    def __init__(self, uow):
        self.entries: list = uow.store.data.setdefault("audit_log", [])

    def record(self, entry):
        self.entries.append(entry)


class _Collection:
    """A collection read and written by _id only: what the platform's StudentDirectory
    and timers do with it here."""

    def __init__(self, docs: dict):
        self.docs = docs

    def find_one(self, filter, session=None):
        return self.docs.get(filter["_id"])

    def update_one(self, filter, update, upsert=False, session=None):
        doc = self.docs.get(filter["_id"])
        status = filter.get("status")
        matches = doc is not None and (status is None or doc.get("status") in status["$in"])
        if not matches and not upsert:
            return _Result(0)
        doc = self.docs.setdefault(filter["_id"], {"_id": filter["_id"]}) if not matches else doc
        doc.update(update.get("$set", {}))
        for k in update.get("$unset", {}):
            doc.pop(k, None)
        return _Result(1)


class _Result:
    def __init__(self, n):
        self.matched_count = self.modified_count = n


class FakeDb:
    def __init__(self, data: dict):
        self.data = data

    def __getitem__(self, name):
        return _Collection(self.data.setdefault(name, {}))


class FakeDirectory(StudentDirectory):
    """The platform's access rules over `proj_students` / `proj_schools` kept in memory."""

    def __init__(self, uow):
        super().__init__(FakeDb(uow.store.data))


def attach_fakes(uow) -> None:
    uow.db = FakeDb(uow.store.data)  # the platform's timers (timers.schedule / cancel)
    uow.jobs = FakeJobs(uow)
    uow.rendered = FakeRendered(uow)
    uow.students = FakeStudents(uow)
    uow.people = FakePeople(uow)
    uow.bookings = FakeBookings(uow)
    uow.audit_log = FakeAuditLog(uow)
    uow.directory = FakeDirectory(uow)
