"""Who may do what with windows, slots and bookings. Builds on the platform's access
rules (`services.access`) and this service's projection of the roster. Anything
the caller may not see is reported as not found, so existence does not leak."""
from __future__ import annotations

from services.access import READ, StudentDirectory, StudentRecord, decide, decide_school
from services.common.auth import Principal
from services.common.errors import Forbidden, Invalid, NotFound
from services.common.guards import same_district
from services.scheduling.adapters import cache
from services.scheduling.adapters import repository as repo

STAFF = ("teacher", "school_admin", "district_admin")
ADMINS = ("school_admin", "district_admin")


def is_staff_of(principal: Principal, doc: dict) -> bool:
    return principal.role in STAFF and decide_school(principal, doc.get("school_id"), doc.get("district_id"))


def is_admin_of(principal: Principal, doc: dict) -> bool:
    return principal.role in ADMINS and decide_school(principal, doc.get("school_id"), doc.get("district_id"))


def window_for(db, principal: Principal, window_id: str, *, cached: bool = False, session=None) -> dict:
    """A window the caller may see: staff of its school, or a family / student of it."""
    if cached:
        entry = cache.window(db, window_id)
        doc = entry[0] if entry else None
    else:
        doc = repo.get_window(db, window_id, session=session)
    if doc is None or not same_district(principal, doc) or not may_see_school(db, principal, doc, session):
        raise NotFound(f"No conference window {window_id}.", code="window_not_found")
    return doc


def may_see_school(db, principal: Principal, doc: dict, session=None) -> bool:
    if principal.role in STAFF:
        return is_staff_of(principal, doc)
    if principal.role == "guardian":
        query = {"guardian_ids": principal.sub, "school_id": doc["school_id"]}
    elif principal.role == "student":
        query = {"_id": principal.sub, "school_id": doc["school_id"]}
    else:
        return False
    return db[StudentDirectory.COLLECTION].find_one(query, {"_id": 1}, session=session) is not None


def require_admin(principal: Principal, doc: dict) -> None:
    if not is_admin_of(principal, doc):
        raise Forbidden("Only the school's administrators may do this.", code="admin_only")


def require_staff(principal: Principal, doc: dict) -> None:
    if not is_staff_of(principal, doc):
        raise Forbidden("Only the school's staff may do this.", code="staff_only")


def require_teacher_or_admin(principal: Principal, doc: dict, teacher_id: str) -> None:
    """The teacher themself, or an administrator of the school."""
    if principal.role == "teacher" and principal.sub == teacher_id and is_staff_of(principal, doc):
        return
    if not is_admin_of(principal, doc):
        raise Forbidden("Only the teacher or a school administrator may do this.", code="teacher_or_admin_only")


def booking_for(db, principal: Principal, booking_id: str, *, session=None) -> dict:
    """A booking the caller may see. Families see only the bookings they made (separated
    guardians never see each other's); teachers their own conferences or their
    students'; administrators their school's."""
    doc = db[repo.BOOKINGS].find_one({"_id": booking_id}, session=session)
    if doc is None or not may_see_booking(db, principal, doc, session=session):
        raise NotFound(f"No booking {booking_id}.", code="booking_not_found")
    return doc


def may_see_booking(db, principal: Principal, doc: dict, *, session=None) -> bool:
    if not same_district(principal, doc):
        return False
    role = principal.role
    if role == "guardian":
        return doc.get("guardian_id") == principal.sub
    if role in ADMINS:
        return is_admin_of(principal, doc)
    if role == "teacher":
        if doc["teacher_id"] == principal.sub:
            return True
        record = StudentDirectory(db).get(doc["student_id"], session=session)
        return record is not None and decide(principal, READ, record)
    return False


def family_guardian(principal: Principal, record: StudentRecord, requested: str | None) -> str:
    """Which family a booking belongs to. A guardian books for themself; staff booking on
    behalf of a family name the guardian (or the child has only one)."""
    if principal.role == "guardian":
        if requested and requested != principal.sub:
            raise Forbidden("A guardian books for their own family only.", code="other_family")
        return principal.sub
    if principal.role == "student":
        raise Forbidden("Students cannot book conferences.", code="role_not_allowed")
    if requested:
        if requested not in record.guardian_ids:
            raise NotFound(f"No guardian {requested} for this student.", code="guardian_not_found")
        return requested
    if len(record.guardian_ids) == 1:
        return record.guardian_ids[0]
    raise Invalid("Name the family this booking is for.", code="guardian_required",
                  errors={"guardian_id": ["required: the student has several or no guardians"]})
