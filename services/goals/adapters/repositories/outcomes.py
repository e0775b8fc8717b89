"""What was agreed at each conference (the supports, the next check-in day), one
document per booking, replaced only by a newer revision."""
from __future__ import annotations

from services.common.repository import Repository
from services.goals.adapters.repository import CONFERENCE_OUTCOMES, scope


class ConferenceOutcomes(Repository):
    collection_name = CONFERENCE_OUTCOMES

    def revision(self, booking_id: str) -> int | None:
        """The revision stored for this conference, if any."""
        doc = self.docs.find_one({"_id": booking_id}, {"revision": 1}, session=self.session)
        return doc.get("revision", 0) if doc else None

    def put(self, booking_id: str, fields: dict) -> None:
        self.docs.update_one({"_id": booking_id}, {"$set": fields}, upsert=True, session=self.session)

    def of_student(self, record) -> list[dict]:
        query = {**scope(record), "student_id": record.student_id}
        return list(self.docs.find(query, session=self.session))
