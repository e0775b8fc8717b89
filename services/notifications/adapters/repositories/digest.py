"""Teacher updates waiting for the next digest, and the digest timer already booked."""
from __future__ import annotations

from services.common import timers
from services.common.repository import Repository
from services.notifications.adapters.repository import DIGEST_ITEMS


class DigestItems(Repository):
    collection_name = DIGEST_ITEMS

    def keep(self, item_id: str, item: dict) -> None:
        """Keep one update for the digest, once (a replayed event adds nothing)."""
        self.docs.update_one({"_id": item_id}, {"$setOnInsert": item}, upsert=True, session=self.session)

    def pending_for(self, recipient_id: str) -> list[dict]:
        """A teacher's updates not yet in a digest, oldest first."""
        return list(self.docs.find({"recipient_id": recipient_id, "status": "pending"}, session=self.session)
                    .sort("created_at", 1))

    def mark_included(self, item_ids: list[str], digest_id: str) -> None:
        self.docs.update_many({"_id": {"$in": item_ids}}, {"$set": {"status": "included", "digest": digest_id}},
                              session=self.session)

    def booked_timer(self, key: str) -> dict | None:
        """The digest timer booked under `key`, if any (the platform's timers collection)."""
        return self.uow.db[timers.TIMERS].find_one({"_id": key}, session=self.session)
