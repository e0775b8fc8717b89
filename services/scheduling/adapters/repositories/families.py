"""Invitations (one per family per window) and the waitlist."""
from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.common.repository import Repository
from services.scheduling.adapters.repository import INVITATIONS, WAITLIST


class Invitations(Repository):
    def add(self, docs: list[dict]) -> None:
        self.collection(INVITATIONS).insert_many(docs, session=self.session)

    def get(self, window_id: str, guardian_id: str) -> dict | None:
        return self.collection(INVITATIONS).find_one({"_id": f"{window_id}:{guardian_id}"}, session=self.session)

    def invite_late(self, window_doc: dict, guardian_id: str, student_ids: list[str], now: datetime) -> None:
        """Invite the family (again, with these children) to the window."""
        self.collection(INVITATIONS).update_one(
            {"_id": f"{window_doc['_id']}:{guardian_id}"},
            {"$set": {"student_ids": student_ids, "window_id": window_doc["_id"], "guardian_id": guardian_id,
                      "district_id": window_doc["district_id"], "school_id": window_doc["school_id"]},
             "$setOnInsert": {"invited_at": now, "nudged_at": None}},
            upsert=True, session=self.session)

    def of_window(self, window_id: str) -> list[dict]:
        """The window's invitations, by guardian."""
        return list(self.collection(INVITATIONS).find({"window_id": window_id}, session=self.session)
                    .sort("guardian_id", ASCENDING))

    def not_nudged(self, window_id: str) -> list[dict]:
        return list(self.collection(INVITATIONS).find({"window_id": window_id, "nudged_at": None},
                                                      {"invited_at": 1, "guardian_id": 1}, session=self.session))

    def mark_nudged(self, window_id: str, guardian_ids: list[str], now: datetime) -> None:
        self.collection(INVITATIONS).update_many({"window_id": window_id, "guardian_id": {"$in": guardian_ids}},
                                                 {"$set": {"nudged_at": now}}, session=self.session)


class Waitlist(Repository):
    def add(self, entry: dict) -> bool:
        """False when the child already waits in the window (the unique index says so)."""
        try:
            self.collection(WAITLIST).insert_one(entry, session=self.session)
        except DuplicateKeyError:
            return False
        return True

    def get(self, window_id: str, entry_id: str) -> dict | None:
        return self.collection(WAITLIST).find_one({"_id": entry_id, "window_id": window_id}, session=self.session)

    def waiting(self, window_id: str, status: str, **who) -> list[dict]:
        """Entries of the window in `status` (of a guardian or a teacher, if given), oldest first."""
        return list(self.collection(WAITLIST).find({"window_id": window_id, "status": status, **who},
                                                   session=self.session).sort("created_at", ASCENDING))

    def first_waiting(self, window_id: str, teacher_id: str, status: str, limit: int) -> list[dict]:
        return list(self.collection(WAITLIST).find({"window_id": window_id, "teacher_id": teacher_id,
                                                    "status": status}, session=self.session)
                    .sort("created_at", ASCENDING).limit(limit))

    def close(self, entry_id: str, status: str, *, only_if: str | None = None, **extra) -> None:
        """End the entry (`active` becomes its id, freeing the unique key), if it is still
        in `only_if` when given."""
        query = {"_id": entry_id, **({"status": only_if} if only_if else {})}
        self.collection(WAITLIST).update_one(query, {"$set": {"status": status, "active": entry_id, **extra}},
                                             session=self.session)
