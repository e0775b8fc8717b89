"""Read use cases of the roster API. Each takes a ``directory.View`` (one consistent
snapshot of the caller's district) and the caller; a record the caller may not see is
``NotFound`` (404), exactly as a record that does not exist. Reads of children's
records are audit-logged."""
from __future__ import annotations

from dataclasses import replace

from services.access import decide_school
from services.common import logs
from services.common.auth import Principal
from services.common.errors import NotFound
from services.roster.application import access
from services.roster.adapters.directory import View
from services.roster.adapters.repository import CLASSES, ENROLMENTS, LINKS
from services.roster.entrypoints.http.schemas import MAX_LIMIT

audit = logs.get("confer.audit")


ROSTER_KIND = {"teacher": "teacher", "school_admin": "administrator"}


def with_roster_schools(view: View, principal: Principal) -> Principal:
    """A teacher's or school admin's schools come from the token when it names them,
    otherwise from the roster (the source): the schools of their own person record."""
    kind = ROSTER_KIND.get(principal.role)
    if kind is None or principal.school_ids:
        return principal
    person = view.person(principal.sub, kind)
    return replace(principal, school_ids=tuple(person.get("school_ids", ()))) if person else principal


def page(items: list, args: dict) -> dict:
    offset, limit = args["offset"], args["limit"]
    return {"items": items[offset:offset + limit], "total": len(items), "limit": limit, "offset": offset}


def _audit(principal: Principal, what: str, student_ids) -> None:
    ids = list(student_ids)
    if ids:
        audit.info("student records read", what=what, by=principal.sub, role=principal.role, student_ids=ids)


def _visible_students(view: View, principal: Principal, ids) -> list[dict]:
    docs = view.people(ids, "student")
    records = view.student_records(docs)
    return [d for d in docs if access.may_read_student(principal, records[d["_id"]])]


def related_schools(view: View, principal: Principal) -> set[str]:
    """The schools of a guardian's children or of a student themself."""
    if principal.role == "guardian":
        return {c.get("school_id") for c in view.people(view.children_of(principal.sub), "student")}
    if principal.role == "student":
        me = view.person(principal.sub, "student")
        return {me.get("school_id")} if me else set()
    return set()


def visible_schools(view: View, principal: Principal) -> list[dict]:
    related = related_schools(view, principal)
    schools = [s for s in view.schools()
               if access.may_view_school(principal, s["_id"], s.get("district_id"), related)]
    return sorted(schools, key=lambda s: (s.get("name") or "", s["_id"]))


def list_schools(view: View, principal: Principal, args: dict) -> dict:
    return page(visible_schools(view, principal), args)


def school_classes(view: View, principal: Principal, school_id: str, args: dict) -> dict:
    school = view.school(school_id)
    if school is None or not access.may_list_classes(principal, school_id, school.get("district_id")):
        raise NotFound(f"No school {school_id}.", code="school_not_found")
    classes, total = view.classes(school_id, args["offset"], args["limit"])
    ids = {c["_id"]: school_id for c in classes}
    teachers, counts = view.class_teachers(ids), view.student_counts(school_id, ids)
    items = [{**c, "teacher_ids": teachers.get(c["_id"], []), "student_count": counts.get(c["_id"], 0)}
             for c in classes]
    return {"items": items, "total": total, "limit": args["limit"], "offset": args["offset"]}


def teacher_students(view: View, principal: Principal, teacher_id: str, args: dict) -> dict:
    teacher = view.person(teacher_id, "teacher")
    if teacher is None or not access.may_list_students_of(principal, teacher):
        raise NotFound(f"No teacher {teacher_id}.", code="teacher_not_found")
    result = page(_visible_students(view, principal, view.students_in(view.teaching(teacher_id))), args)
    _audit(principal, f"students of teacher {teacher_id}", (s["_id"] for s in result["items"]))
    return result


def guardian_children(view: View, principal: Principal, guardian_id: str, args: dict) -> dict:
    guardian = view.person(guardian_id, "guardian")
    children = _visible_students(view, principal, view.children_of(guardian_id)) if guardian else []
    if guardian is None or not access.may_list_children_of(principal, guardian, children):
        raise NotFound(f"No guardian {guardian_id}.", code="guardian_not_found")
    result = page(children, args)
    _audit(principal, f"children of guardian {guardian_id}", (s["_id"] for s in result["items"]))
    return result


def student(view: View, principal: Principal, student_id: str) -> dict:
    doc = view.person(student_id, "student")
    record = view.student_records([doc])[student_id] if doc else None
    if record is None or not access.may_read_student(principal, record):
        raise NotFound(f"No student {student_id}.", code="student_not_found")
    enrolled = {e["class_id"]: e["school_id"] for e in view.find(
        ENROLMENTS, {"user_id": student_id, "role": "student", "active": True})}
    teachers = view.class_teachers(enrolled)
    classes = [{**c, "teacher_ids": teachers.get(c["_id"], [])} for c in view.class_docs(enrolled)]
    _audit(principal, "student record", [student_id])
    return {**doc, "classes": classes, "teacher_ids": list(record.teacher_ids),
            "guardian_ids": list(record.guardian_ids)}


def me(view: View, principal: Principal) -> dict:
    person = view.person(principal.sub)
    out = {"principal": {"sub": principal.sub, "role": principal.role, "district_id": principal.district_id,
                         "school_ids": list(principal.school_ids), "scopes": list(principal.scopes)},
           "person": person, "children": [], "students": [], "classes": [], "truncated": False}
    if person and principal.role == "guardian" and person.get("kind") == "guardian":
        out["children"] = _visible_students(view, principal, view.children_of(principal.sub))
    if person and principal.role == "teacher" and person.get("kind") == "teacher":
        teaching = view.teaching(principal.sub)
        teachers = view.class_teachers(teaching)
        out["classes"] = [{**c, "teacher_ids": teachers.get(c["_id"], [])} for c in view.class_docs(teaching)]
        out["students"] = _visible_students(view, principal, view.students_in(teaching))
    out["schools"] = visible_schools(view, principal)
    for key in ("children", "students", "classes", "schools"):
        if len(out[key]) > MAX_LIMIT:
            out[key], out["truncated"] = out[key][:MAX_LIMIT], True
    _audit(principal, "me", (s["_id"] for s in out["children"] + out["students"]))
    return out


def school_people(view: View, principal: Principal, school_id: str) -> dict:
    """Teachers, students and their families of one school, in a few queries (the
    school's administrators and the district admin; the dev sign-in page lists it)."""
    school = view.school(school_id)
    if school is None or principal.role not in ("school_admin", "district_admin") or \
            not decide_school(principal, school_id, school.get("district_id")):
        raise NotFound(f"No school {school_id}.", code="school_not_found")
    titles = {c["_id"]: c.get("title") or c["_id"] for c in view.find(CLASSES, {"school_id": school_id})}
    teaching: dict[str, set[str]] = {}
    student_ids: set[str] = set()
    for e in view.find(ENROLMENTS, {"school_id": school_id, "active": True}):
        if e["role"] == "teacher":
            teaching.setdefault(e["user_id"], set()).add(titles.get(e["class_id"], e["class_id"]))
        elif e["role"] == "student":
            student_ids.add(e["user_id"])
    guardians_of: dict[str, list[str]] = {}
    children_of: dict[str, list[str]] = {}
    for link in view.find(LINKS, {"student_id": {"$in": sorted(student_ids)}, "active": True}):
        guardians_of.setdefault(link["student_id"], []).append(link["guardian_id"])
        children_of.setdefault(link["guardian_id"], []).append(link["student_id"])
    students = [{**s, "guardian_ids": sorted(guardians_of.get(s["_id"], []))}
                for s in view.people(student_ids, "student")]
    _audit(principal, f"people of school {school_id}", (s["_id"] for s in students))
    return {"school_id": school_id,
            "teachers": [{**t, "classes": sorted(teaching[t["_id"]])} for t in view.people(teaching, "teacher")],
            "students": students,
            "guardians": [{**g, "child_ids": sorted(children_of.get(g["_id"], []))}
                          for g in view.people(children_of, "guardian")]}
