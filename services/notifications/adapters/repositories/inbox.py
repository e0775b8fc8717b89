"""In-app messages inside a unit of work. `scope` is the caller's district filter
(services.common.guards.district_scope)."""
from __future__ import annotations

from services.notifications.adapters.repository import INBOX


class Inbox:
    def __init__(self, uow):
        self.uow = uow

    @property
    def _coll(self):
        return self.uow.db[INBOX]

    def add(self, items: list[dict]) -> None:
        self._coll.insert_many(items, ordered=True, session=self.uow.session)

    def item_of(self, scope: dict, recipient_id: str, item_id: str) -> dict | None:
        """One of the recipient's own items (someone else's is None too)."""
        return self._coll.find_one({**scope, "_id": item_id, "recipient_id": recipient_id}, session=self.uow.session)

    def mark_read(self, scope: dict, recipient_id: str, item_id: str, at) -> None:
        self._coll.update_one({**scope, "_id": item_id, "recipient_id": recipient_id}, {"$set": {"read_at": at}},
                              session=self.uow.session)
