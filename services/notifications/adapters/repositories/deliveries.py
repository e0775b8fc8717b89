"""The delivery log inside a unit of work: recording deliveries and making one due."""
from __future__ import annotations

from services.common.repository import Repository
from services.notifications.adapters.repository import DELIVERIES, OPEN


class Deliveries(Repository):
    collection_name = DELIVERIES

    def already_recorded(self, ids: list[str]) -> set[str]:
        """Which of `ids` exist (a replayed event records nothing twice): one read."""
        return {d["_id"] for d in self.docs.find({"_id": {"$in": ids}}, {"_id": 1}, session=self.session)}

    def add(self, docs: list[dict]) -> None:
        self.docs.insert_many(docs, ordered=True, session=self.session)

    def make_due(self, delivery_id: str, now) -> None:
        """A delivery still to send becomes due now (its lane sends it)."""
        self.docs.update_one({"_id": delivery_id, "status": {"$in": list(OPEN)}}, {"$set": {"due_at": now}},
                             session=self.session)
