"""Who may act on records about a student, and on a school's data: the platform's
access matrix, pure. Every service applies it to its own projection of the roster
(`StudentDirectory`), so the answer is the same everywhere.

| caller         | a student's records        | school-wide data          |
|----------------|----------------------------|---------------------------|
| student        | themself                   | -                         |
| guardian       | their children             | -                         |
| teacher        | students they teach        | their schools             |
| school_admin   | their schools' students    | their schools             |
| district_admin | the district               | the district              |
| service        | read, with the named scope | -                         |

Always inside the caller's district (`services.common.guards.same_district`, failing
closed on a record without a district).
"""
from __future__ import annotations

from dataclasses import dataclass

from services.common.auth import Principal
from services.common.guards import same_district

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
