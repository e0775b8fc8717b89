"""The delivery lanes' side of the delivery log, outside any transaction (no I/O may
happen inside one): a lane's queue of due work claimed with a lease, the send journal
read after a crash, and what its senders need (recipients, preferences, schools,
webhooks), each read once per claim. The statements are the engine's tuned ones: one
find, one conditional update_many per claim (and one more find only when another worker
took some); one read per kind of document."""
from __future__ import annotations

from typing import Callable

from pymongo import ASCENDING

from services.access import StudentDirectory
from services.notifications.adapters.repository import DELIVERIES, JOURNAL, OPEN, PREFERENCES, RECIPIENTS, \
    SENDING, WEBHOOKS

# Makes a claim's lease once it found work: (token, lease document).
NewLease = Callable[[], tuple[str, dict]]


class LaneQueue:
    """The due work of one channel."""

    def __init__(self, db, channel: str):
        self.db, self.channel = db, channel
        self.docs = db[DELIVERIES]

    def _take(self, query: dict, limit: int, new_lease: NewLease, sort: bool = True,
              skip: set = frozenset()) -> tuple[list[dict], str]:
        cursor = self.docs.find(query)
        if sort:
            cursor = cursor.sort("due_at", ASCENDING)
        found = [d for d in cursor.limit(limit + len(skip)) if d["_id"] not in skip][:limit]
        if not found:
            return [], ""
        token, lease = new_lease()
        ids = [d["_id"] for d in found]
        res = self.docs.update_many({**query, "_id": {"$in": ids}}, {"$set": {"status": SENDING, "lease": lease}})
        if res.modified_count != len(ids):  # another worker claimed some: which are ours?
            ours = {d["_id"] for d in self.docs.find({"_id": {"$in": ids}, "lease.token": token}, {"_id": 1})}
            found = [d for d in found if d["_id"] in ours]
        return found, token

    def claim_due(self, now, limit: int, new_lease: NewLease, *, exclude=(), only: str | None = None,
                  fresh_only: bool = False) -> tuple[list[dict], str]:
        """Due deliveries, oldest due first, leased to this claim (and its token): those of
        provider `only`, or of any provider but `exclude`; `fresh_only`: none whose
        earlier outcome is unknown."""
        query = {"status": {"$in": list(OPEN)}, "channel": self.channel, "due_at": {"$lte": now}}
        if only is not None:
            query["provider"] = only
        elif exclude:
            query["provider"] = {"$nin": list(exclude)}
        if fresh_only:
            query["unknown_outcomes"] = {"$in": [None, 0]}
        return self._take(query, limit, new_lease)

    def claim_lapsed(self, now, limit: int, new_lease: NewLease, *, skip: set) -> tuple[list[dict], str]:
        """Deliveries whose lease lapsed (their worker died mid-send), but not `skip`."""
        return self._take({"status": SENDING, "channel": self.channel, "lease.until": {"$lt": now}}, limit,
                          new_lease, sort=False, skip=skip)

    def journal_of(self, delivery_ids: list[str]) -> list[dict]:
        return list(self.db[JOURNAL].find({"delivery_id": {"$in": delivery_ids}}))

    def renew_leases(self, delivery_ids: list[str], owner: str, until) -> None:
        self.docs.update_many({"_id": {"$in": delivery_ids}, "status": SENDING, "lease.owner": owner},
                              {"$set": {"lease.until": until}})

    def next_due_at(self):
        """When the soonest open delivery of the channel is due (None: there is none)."""
        nxt = self.docs.find_one({"status": {"$in": list(OPEN)}, "channel": self.channel}, {"due_at": 1},
                                 sort=[("due_at", ASCENDING)])
        return nxt["due_at"] if nxt is not None else None

    def backlog(self, now) -> tuple[int, object]:
        """(deliveries due and not sent, when the oldest of them was due)."""
        query = {"status": {"$in": [*OPEN, SENDING]}, "channel": self.channel, "due_at": {"$lte": now}}
        due = self.docs.count_documents(query)
        oldest = self.docs.find_one(query, {"due_at": 1}, sort=[("due_at", ASCENDING)]) if due else None
        return due, (oldest["due_at"] if oldest else None)


class SendingReads:
    """What senders need to send claimed deliveries, by id, one read each."""

    def __init__(self, db):
        self.db = db

    def _by_ids(self, collection: str, ids) -> dict[str, dict]:
        return {d["_id"]: d for d in self.db[collection].find({"_id": {"$in": list(ids)}})}

    def webhooks(self, ids) -> dict[str, dict]:
        return self._by_ids(WEBHOOKS, ids)

    def recipients(self, ids) -> dict[str, dict]:
        return self._by_ids(RECIPIENTS, ids)

    def preferences(self, ids) -> dict[str, dict]:
        return self._by_ids(PREFERENCES, ids)

    def schools(self, ids) -> dict[str, dict]:
        return self._by_ids(StudentDirectory.SCHOOLS, ids)
