"""Conference windows and each teacher's published availability."""
from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING

from services.common.repository import Repository
from services.scheduling.adapters.repository import AVAILABILITY, WINDOWS
from services.scheduling.domain.model import DRAFT, OPEN


class Windows(Repository):
    @property
    def scope(self) -> str:
        """What tells this database's windows from another's in a per-process cache."""
        return self.uow.db.name

    def get(self, window_id: str) -> dict | None:
        return self.collection(WINDOWS).find_one({"_id": window_id}, session=self.session)

    def of_school(self, scope: dict, *, drafts: bool) -> list[dict]:
        """The windows matching `scope` (a school, within the caller's district), oldest
        first; without drafts for families."""
        query = dict(scope) if drafts else {**scope, "status": {"$ne": DRAFT}}
        return list(self.collection(WINDOWS).find(query, session=self.session).sort("created_at", ASCENDING))

    def open_at_school(self, school_id: str, now: datetime) -> list[dict]:
        """The school's windows still taking bookings at `now`."""
        return list(self.collection(WINDOWS).find({"school_id": school_id, "status": OPEN,
                                                   "booking_closes_at": {"$gt": now}}, session=self.session))

    def add(self, doc: dict) -> None:
        self.collection(WINDOWS).insert_one(doc, session=self.session)

    def open(self, window_id: str, now: datetime, by: str) -> bool:
        """Open a draft window; False when it was not a draft any more."""
        res = self.collection(WINDOWS).update_one({"_id": window_id, "status": DRAFT},
                                                  {"$set": {"status": OPEN, "opened_at": now, "opened_by": by},
                                                   "$inc": {"version": 1}}, session=self.session)
        return res.modified_count == 1

    def replace_days(self, window_id: str, days_doc: dict) -> None:
        self.collection(WINDOWS).update_one({"_id": window_id}, {"$set": days_doc, "$inc": {"version": 1}},
                                            session=self.session)


class Availability(Repository):
    def of_window(self, window_id: str) -> list[dict]:
        return list(self.collection(AVAILABILITY).find({"window_id": window_id}, session=self.session))

    def rooms(self, window_id: str) -> dict[str, dict]:
        """{teacher_id: {room, video_link}} as each teacher of the window published them."""
        return {a["teacher_id"]: {"room": a.get("room"), "video_link": a.get("video_link")}
                for a in self.collection(AVAILABILITY).find({"window_id": window_id},
                                                            {"teacher_id": 1, "room": 1, "video_link": 1},
                                                            session=self.session)}

    def publish(self, window_id: str, teacher_id: str, doc: dict) -> None:
        self.collection(AVAILABILITY).update_one({"_id": f"{window_id}:{teacher_id}"}, {"$set": doc}, upsert=True,
                                                 session=self.session)

    def change(self, availability_id: str, fields: dict) -> None:
        self.collection(AVAILABILITY).update_one({"_id": availability_id}, {"$set": fields}, session=self.session)
