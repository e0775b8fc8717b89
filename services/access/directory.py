"""This service's projection of the roster's students and schools (`proj_students`,
`proj_schools` in the service's own database, kept by `projection.ROSTER_HANDLERS`),
and the access matrix applied to it: what may not be seen is not found (404), so
existence does not leak."""
from __future__ import annotations

from services.access.rules import READ, StudentRecord, decide, decide_school
from services.common.auth import Principal
from services.common.errors import NotFound
from services.common.guards import NOTHING, district_scope


class StudentDirectory:
    """This service's projection of students with their school, teachers and guardians."""

    COLLECTION = "proj_students"
    SCHOOLS = "proj_schools"

    def __init__(self, db):
        self.db = db

    @staticmethod
    def ensure_indexes(db) -> None:
        db[StudentDirectory.COLLECTION].create_index([("district_id", 1), ("school_id", 1)])
        db[StudentDirectory.COLLECTION].create_index([("guardian_ids", 1)])
        db[StudentDirectory.COLLECTION].create_index([("teacher_ids", 1)])

    def get(self, student_id: str, session=None) -> StudentRecord | None:
        doc = self.db[self.COLLECTION].find_one({"_id": student_id}, session=session)
        return StudentRecord.from_doc(doc) if doc else None

    def authorize(self, principal: Principal, student_id: str, action: str = READ, session=None,
                  scope: str = "students:read") -> StudentRecord:
        """The student's record if `principal` may act on it; otherwise NotFound."""
        record = self.get(student_id, session=session)
        if record is None or not decide(principal, action, record, scope=scope):
            raise NotFound(f"No student {student_id}.", code="student_not_found")
        return record

    def school(self, school_id: str, session=None) -> dict | None:
        return self.db[self.SCHOOLS].find_one({"_id": school_id}, session=session)

    def authorize_school(self, principal: Principal, school_id: str, session=None) -> dict:
        doc = self.school(school_id, session=session)
        if doc is None or not decide_school(principal, school_id, doc.get("district_id")):
            raise NotFound(f"No school {school_id}.", code="school_not_found")
        return doc

    def visible_filter(self, principal: Principal) -> dict:
        """A query filter selecting the students `principal` may read (for listings)."""
        base = district_scope(principal)
        role = principal.role
        if role == "district_admin":
            return base
        if role == "school_admin":
            return {**base, "school_id": {"$in": list(principal.school_ids)}}
        if role == "teacher":
            return {**base, "teacher_ids": principal.sub}
        if role == "guardian":
            return {**base, "guardian_ids": principal.sub}
        if role == "student":
            return {**base, "_id": principal.sub}
        return {"_id": NOTHING}
