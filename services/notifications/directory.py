"""Read side of this service's projections, inside a unit of work: who a person is, how
to reach them, which school (name, time zone) and which students they belong to."""
from __future__ import annotations

from dataclasses import dataclass

from services.common.policy import StudentDirectory, StudentRecord
from services.notifications import repository as repo
from services.notifications.domain import Preferences

ROLE_FOR = {"administrator": "school_admin"}  # roster role -> token / preference role


class NotReady(RuntimeError):
    """The event needs roster data this service has not projected yet (a person, a school,
    a window). Raising it makes the consumer retry with back-off and, if the data never
    comes, dead-letter the event where ops can see and replay it."""


def display_name(doc: dict) -> str:
    return " ".join(p for p in (doc.get("preferred_name") or doc.get("given_name"), doc.get("family_name")) if p)


def first_name(doc: dict) -> str:
    return doc.get("preferred_name") or doc.get("given_name") or ""


@dataclass(frozen=True)
class Recipient:
    person_id: str
    role: str
    name: str
    email: str | None
    phone: str | None
    language: str
    active: bool
    district_id: str | None
    school_ids: tuple[str, ...]
    prefs: dict

    @property
    def lang(self) -> str:
        return self.prefs.get("language") or self.language or "en"

    def preferences(self) -> Preferences:
        return Preferences(role=self.role, has_email=bool(self.email), has_phone=bool(self.phone),
                           opted_out=frozenset(self.prefs.get("opted_out", ())),
                           digest=bool(self.prefs.get("digest", False)))


class Directory:
    def __init__(self, uow):
        self.db, self.session = uow.db, uow.session
        self.students = StudentDirectory(uow.db)

    def _one(self, coll: str, _id: str) -> dict | None:
        return self.db[coll].find_one({"_id": _id}, session=self.session)

    def person(self, person_id: str) -> dict | None:
        return self._one(repo.RECIPIENTS, person_id)

    def recipient(self, person_id: str) -> Recipient:
        doc = self.person(person_id)
        if doc is None:
            raise NotReady(f"no profile yet for person {person_id}")
        prefs = self._one(repo.PREFERENCES, person_id) or {}
        return Recipient(doc["_id"], ROLE_FOR.get(doc.get("role"), doc.get("role", "guardian")), display_name(doc),
                         doc.get("email"), doc.get("phone"), doc.get("language") or "en", doc.get("active", True),
                         doc.get("district_id"), tuple(doc.get("school_ids", ())), prefs)

    def name(self, person_id: str, *, first: bool = False) -> str:
        doc = self.person(person_id)
        if doc is None:
            raise NotReady(f"no profile yet for person {person_id}")
        return first_name(doc) if first else display_name(doc)

    def language(self, person_id: str) -> str:
        """The language a person reads their messages in (their choice, else the roster's)."""
        prefs = self._one(repo.PREFERENCES, person_id) or {}
        doc = self.person(person_id) or {}
        return prefs.get("language") or doc.get("language") or "en"

    def school(self, school_id: str) -> dict:
        doc = self.students.school(school_id, session=self.session)
        if doc is None:
            raise NotReady(f"school {school_id} not projected yet")
        return doc

    def student(self, student_id: str) -> StudentRecord | None:
        return self.students.get(student_id, session=self.session)

    def guardians_of(self, student_id: str) -> list[str]:
        record = self.student(student_id)
        return list(record.guardian_ids) if record else []

    def teachers_of(self, student_id: str) -> list[str]:
        record = self.student(student_id)
        return list(record.teacher_ids) if record else []

    def window(self, window_id: str) -> dict:
        doc = self._one(repo.WINDOWS, window_id)
        if doc is None:
            raise NotReady(f"conference window {window_id} not projected yet")
        return doc

    def goal(self, goal_id: str) -> dict:
        doc = self._one(repo.GOALS, goal_id)
        if doc is None:
            raise NotReady(f"goal {goal_id} not projected yet")
        return doc

    def open_goals(self, student_id: str) -> list[str]:
        cursor = self.db[repo.GOALS].find({"student_id": student_id, "status": {"$in": ["agreed", "submitted"]}},
                                          {"statement": 1}, session=self.session).sort("_id", 1)
        return [g["statement"] for g in cursor]

    def booking_sequence(self, booking_id: str) -> int:
        doc = self._one(repo.BOOKINGS, booking_id)
        return int(doc.get("sequence", 0)) if doc else 0
