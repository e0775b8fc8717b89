"""What this service keeps from other services' events: conference windows, goal titles
(private), how many times a booking changed (iCalendar SEQUENCE)."""
from __future__ import annotations

from services.common.repository import Repository
from services.notifications.adapters.repository import BOOKINGS, GOALS, WINDOWS


class Windows(Repository):
    collection_name = WINDOWS

    def opened(self, window_id: str, window: dict) -> None:
        self.docs.update_one({"_id": window_id}, {"$set": window}, upsert=True, session=self.session)


class GoalTitles(Repository):
    collection_name = GOALS

    def content_changed(self, goal_id: str, goal: dict) -> None:
        self.docs.update_one({"_id": goal_id}, {"$set": goal}, upsert=True, session=self.session)

    def status_changed(self, goal_id: str, status: str) -> None:
        self.docs.update_one({"_id": goal_id}, {"$set": {"status": status}}, session=self.session)


class BookingChanges(Repository):
    collection_name = BOOKINGS

    def changed(self, booking_id: str, scope: dict) -> None:
        """One more change to a booking (`scope`: its school and district)."""
        self.docs.update_one({"_id": booking_id}, {"$inc": {"sequence": 1}, "$set": scope},
                             upsert=True, session=self.session)
