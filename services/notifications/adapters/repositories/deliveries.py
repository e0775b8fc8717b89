"""The delivery log inside a unit of work: recording deliveries and making one due."""
from __future__ import annotations

from services.notifications.adapters.repository import DELIVERIES, OPEN


class Deliveries:
    def __init__(self, uow):
        self.uow = uow  # its session starts with the transaction, after repositories are attached

    @property
    def _coll(self):
        return self.uow.db[DELIVERIES]

    def already_recorded(self, ids: list[str]) -> set[str]:
        """Which of `ids` exist (a replayed event records nothing twice): one read."""
        return {d["_id"] for d in self._coll.find({"_id": {"$in": ids}}, {"_id": 1}, session=self.uow.session)}

    def add(self, docs: list[dict]) -> None:
        self._coll.insert_many(docs, ordered=True, session=self.uow.session)

    def make_due(self, delivery_id: str, now) -> None:
        """A delivery still to send becomes due now (its lane sends it)."""
        self._coll.update_one({"_id": delivery_id, "status": {"$in": list(OPEN)}}, {"$set": {"due_at": now}},
                              session=self.uow.session)
