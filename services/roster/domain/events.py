"""Pure: the events an import causes, as the difference between what subscribers
could know before it and after it.

Each event type has a *view* of a district state: ``{key: data}`` (a school's public
data, a student's enrolment with the class's teachers, a guardian link, a person's
private profile...). An event is emitted for every key whose data appeared or changed
(and an "un-" event for every key that disappeared), so re-importing the same bundle
emits nothing, and a change a subscriber cannot see (say a class code) emits nothing.
Staff without a Confer role (aides, counsellors) are stored but announce nothing.
"""
from __future__ import annotations

from typing import NamedTuple

from services.common.events.roster import ROLES
from services.roster.domain.changeset import State


class Event(NamedTuple):
    name: str
    data: dict
    subject: str
    school_id: str | None


def _active(docs: dict) -> dict:
    return {k: d for k, d in docs.items() if d.get("active", True)}


def schools(state: State) -> dict:
    return {sid: {"school_id": sid, "name": d["name"], "time_zone": d["time_zone"],
                  "languages": list(d["languages"]), "active": bool(d["active"])}
            for sid, d in state["orgs"].items() if d.get("type") == "school"}


def profiles(state: State) -> dict:
    return {pid: {"person_id": pid, "role": d["kind"], "given_name": d["given_name"],
                  "family_name": d["family_name"], "preferred_name": d.get("preferred_name"),
                  "email": d.get("email"), "phone": d.get("sms") or d.get("phone"),
                  "language": d.get("language") or "en", "school_ids": list(d.get("school_ids", [])),
                  "grade": d.get("grade") if d["kind"] == "student" else None, "active": bool(d["active"])}
            for pid, d in state["people"].items() if d.get("kind") in ROLES}


def students(state: State) -> dict:
    """Students with a school (the public events need one)."""
    return {sid: {"student_id": sid, "school_id": d["school_id"], "grade": d.get("grade") or "",
                  "active": True}
            for sid, d in _active(state["people"]).items() if d.get("kind") == "student" and d.get("school_id")}


def class_teachers(state: State) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for d in _active(state["enrolments"]).values():
        if d["role"] == "teacher":
            out.setdefault(d["class_id"], set()).add(d["user_id"])
    return {cid: sorted(ids) for cid, ids in out.items()}


def _school_year(state: State, class_doc: dict | None) -> str:
    for sid in (class_doc or {}).get("session_ids", ()):
        year = (state["sessions"].get(sid) or {}).get("school_year")
        if year:
            return year
    return ""


def enrolled(state: State) -> dict:
    teachers = class_teachers(state)
    out = {}
    for d in _active(state["enrolments"]).values():
        if d["role"] != "student":
            continue
        klass = state["classes"].get(d["class_id"])
        student = state["people"].get(d["user_id"]) or {}
        grade = student.get("grade") or ((klass or {}).get("grades") or [""])[0]
        out[(d["user_id"], d["class_id"])] = {
            "student_id": d["user_id"], "school_id": d["school_id"], "class_id": d["class_id"],
            "teacher_ids": teachers.get(d["class_id"], []), "grade": grade or "",
            "school_year": _school_year(state, klass)}
    return out


def assigned(state: State) -> dict:
    return {(d["user_id"], d["class_id"]): {"teacher_id": d["user_id"], "class_id": d["class_id"],
                                            "school_id": d["school_id"]}
            for d in _active(state["enrolments"]).values() if d["role"] == "teacher"}


def linked(state: State) -> dict:
    """Active links, with the student's current school (links of a student without a
    school are not announced)."""
    people, out = state["people"], {}
    for key, d in _active(state["guardian_links"]).items():
        school = (people.get(d["student_id"]) or {}).get("school_id") or d.get("school_id")
        if school:
            out[key] = {"guardian_id": d["guardian_id"], "student_id": d["student_id"], "school_id": school}
    return out


def _appeared(before: dict, after: dict, same=lambda a, b: a == b):
    return [(k, v) for k, v in after.items() if k not in before or not same(before[k], v)]


def _without_grade(a: dict, b: dict) -> bool:
    return {**a, "grade": ""} == {**b, "grade": ""}


def derive(before: State, after: State) -> list[Event]:
    """Events in the order a subscriber can apply them: schools, people, classes, links,
    then what ended."""
    out: list[Event] = []
    for sid, data in _appeared(schools(before), schools(after)):
        out.append(Event("SchoolUpdated", data, sid, sid))
    for pid, data in _appeared(profiles(before), profiles(after)):
        out.append(Event("PersonProfileChanged", data, pid, after["people"][pid].get("school_id")))
    for _, data in _appeared(assigned(before), assigned(after)):
        out.append(Event("TeacherAssigned", data, data["teacher_id"], data["school_id"]))
    known = before["people"]
    old_students = students(before)
    for sid, data in students(after).items():
        if sid in known and old_students.get(sid) != data:  # changed or reactivated
            out.append(Event("StudentUpdated", data, sid, data["school_id"]))
    for _, data in _appeared(enrolled(before), enrolled(after), _without_grade):
        out.append(Event("StudentEnrolled", data, data["student_id"], data["school_id"]))
    for _, data in _appeared(linked(before), linked(after)):
        out.append(Event("GuardianLinked", data, data["student_id"], data["school_id"]))
    out += _ended(before, after)
    return out


def _ended(before: State, after: State) -> list[Event]:
    out = []
    new_links = linked(after)
    for key, data in linked(before).items():
        if key not in new_links:
            out.append(Event("GuardianUnlinked", data, data["student_id"], data["school_id"]))
    new_enrolled = enrolled(after)
    for key, data in enrolled(before).items():
        if key not in new_enrolled:
            gone = {k: data[k] for k in ("student_id", "school_id", "class_id")}
            out.append(Event("StudentUnenrolled", gone, data["student_id"], data["school_id"]))
    for pid, doc in _active(before["people"]).items():
        now = after["people"].get(pid) or {}
        if not now.get("active", False) and doc.get("kind") in ROLES:
            out.append(Event("PersonDeactivated", {"person_id": pid, "role": doc["kind"]}, pid,
                             doc.get("school_id")))
    return out
