"""Access policy: who may see or act on whose records. The rules are pure (`decide`);
each service feeds them its own projection of the roster (`StudentDirectory`, built
from roster events by `ROSTER_HANDLERS`), never another service's database.

Records the caller may not see are reported as not found (404), so existence does not
leak; a role that may never do an action gets 403.
"""
from __future__ import annotations

from dataclasses import dataclass

from services.common.auth import Principal
from services.common.errors import Forbidden, NotFound
from services.common.wiring import handler

READ, WRITE = "read", "write"


@dataclass(frozen=True)
class StudentRecord:
    student_id: str
    district_id: str | None
    school_id: str
    teacher_ids: tuple[str, ...] = ()
    guardian_ids: tuple[str, ...] = ()
    grade: str | None = None
    active: bool = True

    @classmethod
    def from_doc(cls, doc: dict) -> "StudentRecord":
        return cls(doc["_id"], doc.get("district_id"), doc.get("school_id", ""), tuple(doc.get("teacher_ids", ())),
                   tuple(doc.get("guardian_ids", ())), doc.get("grade"), doc.get("active", True))


def same_district(principal: Principal, district_id: str | None) -> bool:
    """The one tenancy check: a record is visible only in its own district. A missing
    district on either side is never a match (fail closed, never "all districts")."""
    return bool(principal.district_id) and principal.district_id == district_id


def decide(principal: Principal, action: str, student: StudentRecord, *, scope: str = "students:read") -> bool:
    """May `principal` do `action` (read/write) on records about `student`?"""
    if not same_district(principal, student.district_id):
        return False
    role = principal.role
    if role == "district_admin":
        return True
    if role == "school_admin":
        return student.school_id in principal.school_ids
    if role == "teacher":
        return principal.sub in student.teacher_ids
    if role == "guardian":
        return principal.sub in student.guardian_ids
    if role == "student":
        return principal.sub == student.student_id
    if role == "service":
        return action == READ and principal.has_scope(scope)
    return False


def decide_school(principal: Principal, school_id: str, district_id: str | None = None) -> bool:
    """May `principal` administer or view school-wide data of `school_id`?"""
    if not same_district(principal, district_id):
        return False
    if principal.role == "district_admin":
        return True
    if principal.role in ("school_admin", "teacher"):
        return school_id in principal.school_ids
    return False


def require_role(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"The {principal.role} role may not do this.", code="role_not_allowed")


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
        if not principal.district_id:
            return {"_id": {"$in": []}}
        base = {"district_id": principal.district_id}
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
        return {"_id": {"$in": []}}


# -- projection handlers (roster events -> proj_students / proj_schools) -------------
def _students(uow):
    return uow.db[StudentDirectory.COLLECTION]


@handler("roster_projection.school_updated", formerly="services.common.policy.on_school_updated")
def on_school_updated(event, uow) -> None:
    d = event.data
    uow.db[StudentDirectory.SCHOOLS].update_one(
        {"_id": d["school_id"]},
        {"$set": {"name": d["name"], "time_zone": d["time_zone"], "languages": d["languages"],
                  "active": d["active"], "district_id": event.district_id, "school_id": d["school_id"]}},
        upsert=True, session=uow.session)


@handler("roster_projection.student_enrolled", formerly="services.common.policy.on_student_enrolled")
def on_student_enrolled(event, uow) -> None:
    d = event.data
    doc = _students(uow).find_one({"_id": d["student_id"]}, {"classes": 1}, session=uow.session) or {}
    classes = dict(doc.get("classes", {}), **{d["class_id"]: d["teacher_ids"]})
    # Teachers come from the class map, so a class whose teacher changed drops the old one.
    teachers = sorted({t for ts in classes.values() for t in ts})
    _students(uow).update_one(
        {"_id": d["student_id"]},
        {"$set": {"school_id": d["school_id"], "district_id": event.district_id, "grade": d["grade"],
                  "active": True, "classes": classes, "teacher_ids": teachers}},
        upsert=True, session=uow.session)


@handler("roster_projection.student_updated", formerly="services.common.policy.on_student_updated")
def on_student_updated(event, uow) -> None:
    d = event.data
    _students(uow).update_one(
        {"_id": d["student_id"]},
        {"$set": {"school_id": d["school_id"], "district_id": event.district_id, "grade": d["grade"],
                  "active": d["active"]}}, upsert=True, session=uow.session)


@handler("roster_projection.student_unenrolled", formerly="services.common.policy.on_student_unenrolled")
def on_student_unenrolled(event, uow) -> None:
    d = event.data
    doc = _students(uow).find_one({"_id": d["student_id"]}, session=uow.session)
    if not doc:
        return
    classes = dict(doc.get("classes", {}))
    classes.pop(d["class_id"], None)
    teachers = sorted({t for ts in classes.values() for t in ts})
    _students(uow).update_one({"_id": d["student_id"]}, {"$set": {"classes": classes, "teacher_ids": teachers}},
                              session=uow.session)


@handler("roster_projection.guardian_linked", formerly="services.common.policy.on_guardian_linked")
def on_guardian_linked(event, uow) -> None:
    d = event.data
    _students(uow).update_one(
        {"_id": d["student_id"]},
        {"$addToSet": {"guardian_ids": d["guardian_id"]},
         "$setOnInsert": {"school_id": d["school_id"], "district_id": event.district_id, "active": True}},
        upsert=True, session=uow.session)


@handler("roster_projection.guardian_unlinked", formerly="services.common.policy.on_guardian_unlinked")
def on_guardian_unlinked(event, uow) -> None:
    d = event.data
    _students(uow).update_one({"_id": d["student_id"]}, {"$pull": {"guardian_ids": d["guardian_id"]}},
                              session=uow.session)


@handler("roster_projection.person_deactivated", formerly="services.common.policy.on_person_deactivated")
def on_person_deactivated(event, uow) -> None:
    d = event.data
    if d["role"] == "student":
        _students(uow).update_one({"_id": d["person_id"]}, {"$set": {"active": False}}, session=uow.session)
    elif d["role"] == "guardian":
        _students(uow).update_many({"guardian_ids": d["person_id"]}, {"$pull": {"guardian_ids": d["person_id"]}},
                                   session=uow.session)
    elif d["role"] == "teacher":
        _students(uow).update_many({"teacher_ids": d["person_id"]}, {"$pull": {"teacher_ids": d["person_id"]}},
                                   session=uow.session)


ROSTER_HANDLERS = {
    "SchoolUpdated": [on_school_updated],
    "StudentEnrolled": [on_student_enrolled],
    "StudentUpdated": [on_student_updated],
    "StudentUnenrolled": [on_student_unenrolled],
    "GuardianLinked": [on_guardian_linked],
    "GuardianUnlinked": [on_guardian_unlinked],
    "PersonDeactivated": [on_person_deactivated],
}
