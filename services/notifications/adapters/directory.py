"""Read side of this service's projections, inside a unit of work: who a person is, how
to reach them, which school (name, time zone) and which students they belong to.

`Directory.of(uow)` is shared by every notice of a unit of work (a consumer batch holds
many events) and remembers what it read, so a window, a school or a teacher is read
once per batch; `prefetch` reads the people an event names in one query. Any
projection write in the unit of work clears it (`handlers.py` wraps the projection
handlers), so a notice never sees older data than it would one event at a time."""
from __future__ import annotations

from dataclasses import dataclass

from services.access import StudentDirectory, StudentRecord
from services.notifications.adapters import repository as repo
from services.notifications.domain.rules import Preferences

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

    @classmethod
    def from_docs(cls, doc: dict, prefs: dict | None) -> "Recipient":
        return cls(doc["_id"], ROLE_FOR.get(doc.get("role"), doc.get("role", "guardian")), display_name(doc),
                   doc.get("email"), doc.get("phone"), doc.get("language") or "en", doc.get("active", True),
                   doc.get("district_id"), tuple(doc.get("school_ids", ())), prefs or {})

    def preferences(self) -> Preferences:
        return Preferences(role=self.role, has_email=bool(self.email), has_phone=bool(self.phone),
                           opted_out=frozenset(self.prefs.get("opted_out", ())),
                           digest=bool(self.prefs.get("digest", False)))


class Directory:
    def __init__(self, uow):
        self.db, self.session = uow.db, uow.session
        self.students = StudentDirectory(uow.db)
        self._cache: dict[tuple[str, str], dict | None] = {}

    @classmethod
    def of(cls, uow) -> "Directory":
        found = getattr(uow, "_directory", None)
        if found is None or found.session is not uow.session:
            found = uow._directory = cls(uow)
        return found

    @staticmethod
    def forget(uow) -> None:
        """A projection changed in this unit of work: read afresh from now on."""
        found = getattr(uow, "_directory", None)
        if found is not None:
            found._cache.clear()

    def _one(self, coll: str, _id: str) -> dict | None:
        key = (coll, _id)
        if key not in self._cache:
            self._cache[key] = self.db[coll].find_one({"_id": _id}, session=self.session)
        return self._cache[key]

    def prefetch(self, coll: str, ids) -> None:
        """Read the documents `ids` of `coll` not read yet, in one query."""
        wanted = [i for i in dict.fromkeys(ids) if i and (coll, i) not in self._cache]
        if not wanted:
            return
        found = {d["_id"]: d for d in self.db[coll].find({"_id": {"$in": wanted}}, session=self.session)}
        for i in wanted:
            self._cache[(coll, i)] = found.get(i)

    def prefetch_events(self, datas: list[dict]) -> None:
        """The people and students some events name (and the students' teachers and
        guardians), with their preferences, in three reads."""
        people, students = [], []
        for data in datas:
            for key, value in data.items():
                values = value if isinstance(value, list) else [value]
                if key in ("student_id", "student_ids"):
                    students += values
                if key in ("guardian_id", "guardian_ids", "teacher_id", "student_id", "student_ids", "person_id"):
                    people += values
        self.prefetch(StudentDirectory.COLLECTION, students)
        for sid in students:
            doc = self._cache.get((StudentDirectory.COLLECTION, sid))
            if doc:
                people += list(doc.get("teacher_ids", ())) + list(doc.get("guardian_ids", ()))
        self.prefetch(repo.RECIPIENTS, people)
        self.prefetch(repo.PREFERENCES, people)

    def webhooks(self, district_id: str | None) -> list[dict]:
        """The district's active webhook subscriptions (read once per unit of work)."""
        key = (repo.WEBHOOKS, f"district:{district_id}")
        if key not in self._cache:
            self._cache[key] = list(self.db[repo.WEBHOOKS].find({"district_id": district_id, "active": True},
                                                                session=self.session))
        return self._cache[key]

    def person(self, person_id: str) -> dict | None:
        return self._one(repo.RECIPIENTS, person_id)

    def recipient(self, person_id: str) -> Recipient:
        doc = self.person(person_id)
        if doc is None:
            raise NotReady(f"no profile yet for person {person_id}")
        return Recipient.from_docs(doc, self._one(repo.PREFERENCES, person_id))

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
        doc = self._one(StudentDirectory.SCHOOLS, school_id)
        if doc is None:
            raise NotReady(f"school {school_id} not projected yet")
        return doc

    def student(self, student_id: str) -> StudentRecord | None:
        doc = self._one(StudentDirectory.COLLECTION, student_id)
        return StudentRecord.from_doc(doc) if doc else None

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
