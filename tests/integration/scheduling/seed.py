"""A small roster for the scheduling tests, fed through the service's own handlers.

School s-1 (America/Chicago). Teachers t-1 (room 101) and t-2 (room 202).
  g-1: siblings st-1 (t-1) and st-2 (t-2)       g-4: st-4 (t-1)
  st-3 (t-1) has separated guardians g-3a and g-3b
"""
from __future__ import annotations

from services.common.testing import make_envelope, run_handler
from services.scheduling.entrypoints.handlers import HANDLERS

SCHOOL = {"school_id": "s-1", "name": "Lovett Elementary", "time_zone": "America/Chicago",
          "languages": ["en", "es"], "active": True}
STUDENTS = {"st-1": ("t-1", ["g-1"]), "st-2": ("t-2", ["g-1"]), "st-3": ("t-1", ["g-3a", "g-3b"]),
            "st-4": ("t-1", ["g-4"])}
PEOPLE = {"st-1": ("student", "Mateo", "García"), "st-2": ("student", "Lucía", "García"),
          "st-3": ("student", "Ava", "Nguyen"), "st-4": ("student", "Omar", "Haddad"),
          "t-1": ("teacher", "Laura", "Lee"), "t-2": ("teacher", "Ken", "Ito"),
          "g-1": ("guardian", "Ana", "García"), "g-3a": ("guardian", "Minh", "Nguyen"),
          "g-3b": ("guardian", "Sarah", "Nguyen"), "g-4": ("guardian", "Rania", "Haddad")}


def enrol(student_id: str, teacher_id: str, guardian_ids, school=SCHOOL) -> list[dict]:
    sid = school["school_id"]
    envs = [make_envelope("StudentEnrolled", {"student_id": student_id, "school_id": sid, "class_id": f"c-{teacher_id}",
                                              "teacher_ids": [teacher_id], "grade": "04", "school_year": "2026-2027"},
                          subject=student_id)]
    envs += [make_envelope("GuardianLinked", {"guardian_id": g, "student_id": student_id, "school_id": sid},
                           subject=student_id) for g in guardian_ids]
    return envs


def person(person_id: str, role: str, given: str, family: str, school_id: str = "s-1") -> dict:
    return make_envelope("PersonProfileChanged", {
        "person_id": person_id, "role": role, "given_name": given, "family_name": family,
        "email": f"{person_id}@example.test", "school_ids": [school_id]}, subject=person_id)


def seed(store, students=STUDENTS, people=PEOPLE, school=SCHOOL) -> None:
    envs = [make_envelope("SchoolUpdated", school, subject=school["school_id"])]
    for student_id, (teacher, guardians) in students.items():
        envs += enrol(student_id, teacher, guardians, school)
    envs += [person(pid, *p, school_id=school["school_id"]) for pid, p in people.items()]
    for env in envs:
        run_handler(store, HANDLERS, env)
