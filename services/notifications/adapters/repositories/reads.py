"""Read-only queries of the API, outside any transaction. `scope` is the caller's district
filter (services.common.guards.district_scope)."""
from __future__ import annotations

from pymongo import DESCENDING

from services.notifications.adapters.repository import INBOX, PREFERENCES, RECIPIENTS, WEBHOOKS


class Reads:
    def __init__(self, db):
        self.db = db

    def inbox(self, scope: dict, *, limit: int, recipient_id: str | None = None, unread: bool = False) -> list[dict]:
        """In-app messages, newest first: one recipient's, or (no `recipient_id`) everyone's in the scope."""
        query = dict(scope)
        if recipient_id is not None:
            query["recipient_id"] = recipient_id
        if unread:
            query["read_at"] = None
        return list(self.db[INBOX].find(query).sort([("created_at", DESCENDING), ("_id", DESCENDING)]).limit(limit))

    def unread_count(self, scope: dict, recipient_id: str) -> int:
        return self.db[INBOX].count_documents({**scope, "recipient_id": recipient_id, "read_at": None})

    def preferences_and_contact(self, scope: dict, person_id: str) -> tuple[dict | None, dict | None]:
        query = {**scope, "_id": person_id}
        return self.db[PREFERENCES].find_one(query), self.db[RECIPIENTS].find_one(query)

    def active_webhooks(self, scope: dict) -> list[dict]:
        """The scope's active subscriptions, oldest first."""
        return list(self.db[WEBHOOKS].find({**scope, "active": True}).sort("created_at", 1))
