"""Durable timers in the service's own database, fired exactly once.

A timer is a document {_id: key, kind, due_at, status, payload}. Scheduling with the
same key moves it (a rescheduled booking's reminder); cancelling drops it. The runner
fires a due timer inside one transaction that flips its status and runs the callback
(which emits events through the outbox): two workers racing on the same timer cannot
both fire it, because only one conditional update matches.
"""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable

from pymongo import ASCENDING
from pymongo.errors import PyMongoError

from services.common import logs, metrics
from services.common.store import Store, UnitOfWork

TIMERS = "timers"
log = logs.get("confer.timers")

TimerCallback = Callable[[UnitOfWork, dict], None]


def ensure_indexes(db) -> None:
    db[TIMERS].create_index([("status", ASCENDING), ("due_at", ASCENDING)])


def schedule(uow: UnitOfWork, key: str, kind: str, due_at: datetime, payload: dict, **scope) -> None:
    uow.db[TIMERS].update_one(
        {"_id": key},
        {"$set": {"kind": kind, "due_at": due_at, "status": "pending", "payload": payload, **scope,
                  "updated_at": uow.now}},
        upsert=True, session=uow.session)


def cancel(uow: UnitOfWork, key: str) -> bool:
    res = uow.db[TIMERS].update_one({"_id": key, "status": "pending"},
                                    {"$set": {"status": "cancelled", "updated_at": uow.now}}, session=uow.session)
    return bool(res.modified_count)


class TimerRunner:
    def __init__(self, store: Store, callbacks: dict[str, TimerCallback], *, poll_seconds: float = 1.0,
                 batch: int = 200):
        self.store = store
        self.callbacks = callbacks
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.stop_event = threading.Event()

    def fire_due(self) -> int:
        """Fire every timer due now; return how many this runner fired."""
        now = self.store.clock()
        due = list(self.store.db[TIMERS].find({"status": "pending", "due_at": {"$lte": now}}, {"_id": 1})
                   .sort("due_at", ASCENDING).limit(self.batch))
        fired = 0
        for doc in due:
            if self._fire(doc["_id"]):
                fired += 1
        return fired

    def _fire(self, key: str) -> bool:
        def work(uow: UnitOfWork) -> bool:
            timer = uow.db[TIMERS].find_one({"_id": key}, session=uow.session)
            if not timer or timer["status"] != "pending" or timer["due_at"] > uow.now:
                return False
            res = uow.db[TIMERS].update_one({"_id": key, "status": "pending", "due_at": timer["due_at"]},
                                            {"$set": {"status": "fired", "fired_at": uow.now}},
                                            session=uow.session)
            if res.modified_count != 1:
                return False
            callback = self.callbacks.get(timer["kind"])
            if callback is None:
                raise KeyError(f"no callback for timer kind {timer['kind']!r}")
            callback(uow, timer)
            return True

        fired = self.store.atomic(work)
        if fired:
            metrics.TIMERS_FIRED.labels(self.store.service, key.split(":")[0]).inc()
        return fired

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                if self.fire_due() >= self.batch:
                    continue
            except PyMongoError as exc:
                log.warning("timer loop error; retrying", error=str(exc))
            self.stop_event.wait(self.poll_seconds)

    def stop(self) -> None:
        self.stop_event.set()
