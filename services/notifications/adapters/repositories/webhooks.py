"""Subscribing systems' webhooks inside a unit of work. `scope` is the caller's district
filter (services.common.guards.district_scope)."""
from __future__ import annotations

from services.common.repository import Repository
from services.notifications.adapters.repository import WEBHOOKS


class Webhooks(Repository):
    collection_name = WEBHOOKS

    def add(self, doc: dict) -> None:
        self.docs.insert_one(doc, session=self.session)

    def active(self, scope: dict, webhook_id: str) -> dict | None:
        return self.docs.find_one({**scope, "_id": webhook_id, "active": True}, session=self.session)

    def deactivate(self, scope: dict, webhook_id: str, at) -> None:
        self.docs.update_one({**scope, "_id": webhook_id, "active": True},
                             {"$set": {"active": False, "deleted_at": at}}, session=self.session)
