"""The delivery log inside a unit of work: recording deliveries and making one due."""
from __future__ import annotations

from services.notifications.adapters.repositories.base import Repository
from services.notifications.adapters.repository import DELIVERIES, OPEN


class Deliveries(Repository):
    collection = DELIVERIES

    def already_recorded(self, ids: list[str]) -> set[str]:
        """Which of `ids` exist (a replayed event records nothing twice): one read."""
        return {d["_id"] for d in self.coll.find({"_id": {"$in": ids}}, {"_id": 1}, session=self.session)}

    def add(self, docs: list[dict]) -> None:
        self.coll.insert_many(docs, ordered=True, session=self.session)

    def make_due(self, delivery_id: str, now) -> None:
        """A delivery still to send becomes due now (its lane sends it)."""
        self.coll.update_one({"_id": delivery_id, "status": {"$in": list(OPEN)}}, {"$set": {"due_at": now}},
                             session=self.session)
