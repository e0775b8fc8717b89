"""Roster events -> this service's `proj_students` / `proj_schools` (the
`StudentDirectory`). Every service that applies the access matrix registers these
handlers for the roster events, so each keeps its own copy of the roster's people."""
from __future__ import annotations

from services.access.directory import StudentDirectory
from services.common.wiring import handler


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
