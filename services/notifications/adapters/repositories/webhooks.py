"""Subscribing systems' webhooks inside a unit of work. `scope` is the caller's district
filter (services.common.guards.district_scope)."""
from __future__ import annotations

from services.notifications.adapters.repository import WEBHOOKS


class Webhooks:
    def __init__(self, uow):
        self.uow = uow

    @property
    def _coll(self):
        return self.uow.db[WEBHOOKS]

    def add(self, doc: dict) -> None:
        self._coll.insert_one(doc, session=self.uow.session)

    def active(self, scope: dict, webhook_id: str) -> dict | None:
        return self._coll.find_one({**scope, "_id": webhook_id, "active": True}, session=self.uow.session)

    def deactivate(self, scope: dict, webhook_id: str, at) -> None:
        self._coll.update_one({**scope, "_id": webhook_id, "active": True},
                              {"$set": {"active": False, "deleted_at": at}}, session=self.uow.session)
