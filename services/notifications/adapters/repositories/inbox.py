"""In-app messages inside a unit of work. `scope` is the caller's district filter
(services.common.guards.district_scope)."""
from __future__ import annotations

from services.common.repository import Repository
from services.notifications.adapters.repository import INBOX


class Inbox(Repository):
    collection_name = INBOX

    def add(self, items: list[dict]) -> None:
        self.docs.insert_many(items, ordered=True, session=self.session)

    def item_of(self, scope: dict, recipient_id: str, item_id: str) -> dict | None:
        """One of the recipient's own items (someone else's is None too)."""
        return self.docs.find_one({**scope, "_id": item_id, "recipient_id": recipient_id}, session=self.session)

    def mark_read(self, scope: dict, recipient_id: str, item_id: str, at) -> None:
        self.docs.update_one({**scope, "_id": item_id, "recipient_id": recipient_id}, {"$set": {"read_at": at}},
                             session=self.session)
