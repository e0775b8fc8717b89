"""Who is who for scheduling: names from the private roster event (`proj_people`), the
roster's students (the shared `StudentDirectory`, with the questions scheduling asks
of it) and teachers' calendar links."""
from __future__ import annotations

from datetime import datetime

from services.access import StudentDirectory
from services.common import timers
from services.common.guards import district_scope
from services.common.repository import Repository
from services.scheduling.adapters.repository import FEEDS, PEOPLE


class People(Repository):
    def names(self, person_ids) -> dict[str, dict]:
        """person id -> {given_name, family_name, preferred_name} for those we know."""
        ids = list({p for p in person_ids if p})
        if not ids:
            return {}
        return {d["_id"]: d for d in self.collection(PEOPLE).find({"_id": {"$in": ids}}, session=self.session)}

    def save_profile(self, person_id: str, fields: dict) -> None:
        self.collection(PEOPLE).update_one({"_id": person_id}, {"$set": fields}, upsert=True, session=self.session)

    def known_in_district(self, principal, person_id: str) -> bool:
        return self.collection(PEOPLE).find_one(district_scope(principal, _id=person_id), {"_id": 1},
                                                session=self.session) is not None


class Roster(StudentDirectory):
    """The shared directory (authorize, school, ...) in the unit of work, with
    scheduling's own questions about who is at a school."""

    def __init__(self, uow):
        super().__init__(uow.db)
        self.uow = uow

    @property
    def session(self):
        return self.uow.session

    def _students(self):
        return self.db[self.COLLECTION]

    def has_child_at(self, principal, school_id: str) -> bool:
        """A guardian with a child at the school, or a student of it."""
        if principal.role == "guardian":
            query = {"guardian_ids": principal.sub, "school_id": school_id}
        elif principal.role == "student":
            query = {"_id": principal.sub, "school_id": school_id}
        else:
            return False
        return self._students().find_one(query, {"_id": 1}, session=self.session) is not None

    def teaches_at(self, teacher_id: str, school_id: str) -> bool:
        return self._students().find_one({"school_id": school_id, "teacher_ids": teacher_id}, {"_id": 1},
                                         session=self.session) is not None

    def students_of(self, teacher_id: str, school_id: str) -> set[str]:
        return {s["_id"] for s in self._students().find({"school_id": school_id, "teacher_ids": teacher_id},
                                                        {"_id": 1}, session=self.session)}

    def families_at(self, school_id: str) -> dict[str, list[str]]:
        """guardian id -> their active children at the school, in student id order."""
        families: dict[str, list[str]] = {}
        for s in self._students().find({"school_id": school_id, "active": {"$ne": False}}, {"guardian_ids": 1},
                                       session=self.session).sort("_id", 1):
            for g in s.get("guardian_ids", []):
                families.setdefault(g, []).append(s["_id"])
        return families

    def teacher_visible(self, principal, teacher_id: str) -> bool:
        """A teacher of a student the caller may read (so known to them)."""
        return self._students().find_one({**self.visible_filter(principal), "teacher_ids": teacher_id}, {"_id": 1},
                                         session=self.session) is not None

    def teacher_in_district(self, principal, teacher_id: str) -> bool:
        return self._students().find_one(district_scope(principal, teacher_ids=teacher_id), {"_id": 1},
                                         session=self.session) is not None


class Feeds(Repository):
    """Teachers' secret calendar links, one per teacher per district."""

    @staticmethod
    def key(district_id: str | None, teacher_id: str) -> str:
        return f"{district_id or '-'}:{teacher_id}"

    def get(self, district_id: str | None, teacher_id: str) -> dict | None:
        return self.collection(FEEDS).find_one({"_id": self.key(district_id, teacher_id)}, session=self.session)

    def by_token(self, token: str) -> dict | None:
        return self.collection(FEEDS).find_one({"token": token}, session=self.session)

    def replace(self, district_id: str | None, teacher_id: str, doc: dict) -> None:
        self.collection(FEEDS).update_one({"_id": self.key(district_id, teacher_id)}, {"$set": doc}, upsert=True,
                                          session=self.session)


class Timers(Repository):
    """The platform's durable timers, as this service's use cases set them."""

    def schedule(self, key: str, kind: str, due_at: datetime, payload: dict, **scope) -> None:
        timers.schedule(self.uow, key, kind, due_at, payload, **scope)

    def cancel(self, key: str) -> None:
        timers.cancel(self.uow, key)

    def existing(self, keys) -> set[str]:
        return {d["_id"] for d in self.collection(timers.TIMERS).find({"_id": {"$in": list(keys)}}, {"_id": 1},
                                                                      session=self.session)}
