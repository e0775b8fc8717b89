"""Check-ins on goals, and the follow-ups that ask for them."""
from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING as A

from services.common.guards import district_scope
from services.common.repository import Repository
from services.goals.adapters.repository import CHECKINS, FOLLOW_UPS, scope

FOLLOW_UPS_LISTED = 500  # a staff member's listing, by due date


class Checkins(Repository):
    collection_name = CHECKINS

    def add(self, doc: dict) -> None:
        self.docs.insert_one(doc, session=self.session)

    def of_goals(self, record, goal_ids: list[str]) -> list[dict]:
        """The check-ins on these goals, by day and then as recorded."""
        query = {**scope(record), "goal_id": {"$in": list(goal_ids)}}
        return list(self.docs.find(query, session=self.session).sort([("on", A), ("recorded_at", A)]))


class FollowUps(Repository):
    collection_name = FOLLOW_UPS

    def close_open(self, record, checkin_id: str, at: datetime) -> list[str]:
        """Close every follow-up of the student still open, as answered by this check-in."""
        query = {**scope(record), "student_id": record.student_id, "status": "open"}
        ids = [d["_id"] for d in self.docs.find(query, {"_id": 1}, session=self.session)]
        if ids:
            self.docs.update_many({"_id": {"$in": ids}}, {"$set": {
                "status": "closed", "closed_at": at, "closed_by_checkin": checkin_id}}, session=self.session)
        return ids

    def due_at(self, follow_up_id: str) -> datetime | None:
        """When this follow-up is due, if it exists."""
        doc = self.docs.find_one({"_id": follow_up_id}, {"due_at": 1}, session=self.session)
        return doc["due_at"] if doc else None

    def open(self, follow_up_id: str, doc: dict) -> None:
        """Open it unless it exists (a redelivered FollowUpDue changes nothing)."""
        self.docs.update_one({"_id": follow_up_id}, {"$setOnInsert": doc}, upsert=True, session=self.session)

    def of_student(self, record, status: str) -> list[dict]:
        """The student's follow-ups in `status` ("all": any), by when they were opened."""
        query = {**scope(record), "student_id": record.student_id, **_status(status)}
        return list(self.docs.find(query, session=self.session).sort([("opened_at", A)]))

    def of_staff(self, principal, status: str, *, teacher_id: str | None = None,
                 school_ids: list[str] | None = None) -> list[dict]:
        """Follow-ups in the caller's district of one teacher's conferences and / or of some
        schools, by due date (the first FOLLOW_UPS_LISTED)."""
        query = district_scope(principal, **_status(status))
        if teacher_id is not None:
            query["teacher_id"] = teacher_id
        if school_ids is not None:
            query["school_id"] = {"$in": list(school_ids)}
        return list(self.docs.find(query, session=self.session).sort([("due_at", A), ("_id", A)])
                    .limit(FOLLOW_UPS_LISTED))


def _status(status: str) -> dict:
    return {} if status == "all" else {"status": status}
