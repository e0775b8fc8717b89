"""Who may read what in the roster: the platform's rules (``services.access.decide``
for a student's records, ``decide_school`` for school-wide data) fed with the roster's
own data, plus the roster's list endpoints. Pure; the API turns False into 404.

| caller         | a student           | a school (and its classes)    | a teacher's / guardian's list |
|----------------|---------------------|-------------------------------|-------------------------------|
| student        | themself            | their school (no classes)     | -                             |
| guardian       | their children      | their children's schools      | their own children            |
| teacher        | students they teach | their schools                 | their own students            |
| school_admin   | their schools       | their schools                 | within their schools          |
| district_admin | the district        | the district                  | the district                  |
| service        | with students:read  | with schools:read             | with students:read            |
"""
from __future__ import annotations

from services.access import READ, StudentRecord, decide, decide_school
from services.common.auth import Principal
from services.common.guards import same_district

STUDENTS_SCOPE = "students:read"
SCHOOLS_SCOPE = "schools:read"


def may_read_student(principal: Principal, record: StudentRecord) -> bool:
    return decide(principal, READ, record, scope=STUDENTS_SCOPE)


def may_view_school(principal: Principal, school_id: str, district_id: str | None, related=()) -> bool:
    """related: the schools of the caller's own student record or children."""
    if decide_school(principal, school_id, district_id):
        return True
    if not same_district(principal, district_id):
        return False
    if principal.role == "service":
        return principal.has_scope(SCHOOLS_SCOPE)
    return principal.role in ("guardian", "student") and school_id in related


def may_list_classes(principal: Principal, school_id: str, district_id: str | None) -> bool:
    if decide_school(principal, school_id, district_id):
        return True
    return principal.role == "service" and same_district(principal, district_id) and \
        principal.has_scope(SCHOOLS_SCOPE)


def may_list_students_of(principal: Principal, teacher: dict) -> bool:
    """A teacher's class lists: the teacher, admins of one of the teacher's schools, the
    district admin, a service with students:read. Another teacher: no."""
    if not same_district(principal, teacher):
        return False
    district_id = teacher["district_id"]
    if principal.role == "teacher":
        return principal.sub == teacher["_id"]
    if principal.role in ("school_admin", "district_admin"):
        return any(decide_school(principal, s, district_id) for s in teacher.get("school_ids", ()))
    return principal.role == "service" and principal.has_scope(STUDENTS_SCOPE)


def may_list_children_of(principal: Principal, guardian: dict, visible_children: list) -> bool:
    """A guardian's children: the guardian themself; anyone else only if they may read
    at least one of the children (and then sees only those)."""
    if not same_district(principal, guardian):
        return False
    if principal.role == "guardian":
        return principal.sub == guardian["_id"]
    return bool(visible_children)
