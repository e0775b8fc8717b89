"""Durable timers in the service's own database, fired exactly once.

A timer is a document {_id: key, kind, due_at, status, payload}. Scheduling with the
same key moves it (a rescheduled booking's reminder); cancelling drops it.

The runner claims due timers in batches (one conditional update_many gives them a lease:
status "firing" with this claim's token), then fires them on a bounded pool of threads,
each in its own short transaction that flips the timer to "fired" only if it still holds
that lease, and runs the callback (database writes and events through the outbox; a
timer whose work talks to the outside hands it to a lane, as the notifications'
deliveries do). Two workers racing on a timer cannot both fire it: only one claim
matches, and a lease that lapsed (its worker died) is claimed again. Moving or
cancelling a claimed timer before it fires wins over the claim. A callback that raises
is retried with back-off, then marked failed (logged).
"""
from __future__ import annotations

import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Callable

from pymongo import ASCENDING
from pymongo.errors import PyMongoError

from services.common import logs, metrics
from services.common.store import Store, UnitOfWork

TIMERS = "timers"
PENDING, FIRING, FIRED, CANCELLED, FAILED = "pending", "firing", "fired", "cancelled", "failed"
RETRY_SECONDS = (5, 30, 120, 600, 1800)  # a callback that raised waits this long before the next try
log = logs.get("confer.timers")

TimerCallback = Callable[[UnitOfWork, dict], None]


def ensure_indexes(db) -> None:
    db[TIMERS].create_index([("status", ASCENDING), ("due_at", ASCENDING)])


def schedule(uow: UnitOfWork, key: str, kind: str, due_at: datetime, payload: dict, **scope) -> None:
    uow.db[TIMERS].update_one(
        {"_id": key},
        {"$set": {"kind": kind, "due_at": due_at, "status": PENDING, "payload": payload, **scope,
                  "updated_at": uow.now},
         "$unset": {"lease": ""}},
        upsert=True, session=uow.session)


def cancel(uow: UnitOfWork, key: str) -> bool:
    res = uow.db[TIMERS].update_one({"_id": key, "status": {"$in": [PENDING, FIRING]}},
                                    {"$set": {"status": CANCELLED, "updated_at": uow.now},
                                     "$unset": {"lease": ""}}, session=uow.session)
    return bool(res.modified_count)


class TimerRunner:
    def __init__(self, store: Store, callbacks: dict[str, TimerCallback], *, poll_seconds: float = 1.0,
                 batch: int = 200, concurrency: int = 4, lease_seconds: float = 60.0):
        self.store = store
        self.callbacks = callbacks
        self.poll_seconds = poll_seconds
        self.batch = batch
        self.concurrency = max(1, concurrency)
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self.stop_event = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self.last_claimed = 0

    # -- claiming ------------------------------------------------------------------
    def claim(self) -> list[dict]:
        """Lease up to `batch` due timers (and timers whose lease lapsed); return them."""
        now = self.store.clock()
        coll = self.store.db[TIMERS]
        due = list(coll.find({"status": PENDING, "due_at": {"$lte": now}}).sort("due_at", ASCENDING)
                   .limit(self.batch))
        if len(due) < self.batch:  # a worker that died holding timers: take them over
            due += list(coll.find({"status": FIRING, "lease.until": {"$lt": now}}).limit(self.batch - len(due)))
        if not due:
            return []
        token = uuid.uuid4().hex
        lease = {"token": token, "owner": self.owner, "until": now + self.lease}
        ids = [t["_id"] for t in due]
        res = coll.update_many(
            {"_id": {"$in": ids}, "$or": [{"status": PENDING, "due_at": {"$lte": now}},
                                          {"status": FIRING, "lease.until": {"$lt": now}}]},
            {"$set": {"status": FIRING, "lease": lease}})
        if res.matched_count != len(ids):  # another worker took some: ask which are ours
            ours = {t["_id"] for t in coll.find({"_id": {"$in": ids}, "lease.token": token}, {"_id": 1})}
            due = [t for t in due if t["_id"] in ours]
        for t in due:
            t["status"], t["lease"] = FIRING, lease
        return due

    # -- firing ----------------------------------------------------------------------
    def fire(self, timer: dict) -> bool:
        """Fire one claimed timer in its own transaction; False if it was moved, cancelled
        or taken over meanwhile, or its callback failed (then it is retried later)."""
        token = timer["lease"]["token"]

        def work(uow: UnitOfWork) -> bool:
            res = uow.db[TIMERS].update_one({"_id": timer["_id"], "status": FIRING, "lease.token": token},
                                            {"$set": {"status": FIRED, "fired_at": uow.now},
                                             "$unset": {"lease": ""}}, session=uow.session)
            if res.modified_count != 1:
                return False
            callback = self.callbacks.get(timer["kind"])
            if callback is None:
                raise KeyError(f"no callback for timer kind {timer['kind']!r}")
            callback(uow, dict(timer, status=FIRED))
            return True

        try:
            fired = self.store.atomic(work, district_id=timer.get("district_id"), school_id=timer.get("school_id"))
        except Exception as exc:  # noqa: BLE001 - the timer is retried; the runner goes on
            self._failed(timer, token, exc)
            return False
        if fired:
            metrics.TIMERS_FIRED.labels(self.store.service, timer["kind"]).inc()
        return fired

    def _failed(self, timer: dict, token: str, exc: Exception) -> None:
        tries = int(timer.get("tries", 0)) + 1
        now = self.store.clock()
        give_up = tries > len(RETRY_SECONDS)
        update = {"$set": {"status": FAILED if give_up else PENDING, "tries": tries, "last_error": repr(exc)[:500],
                           "updated_at": now},
                  "$unset": {"lease": ""}}
        if not give_up:
            update["$set"]["due_at"] = now + timedelta(seconds=RETRY_SECONDS[tries - 1])
        try:
            self.store.db[TIMERS].update_one({"_id": timer["_id"], "status": FIRING, "lease.token": token}, update)
        except PyMongoError:
            pass  # the lease lapses and the timer is claimed again
        (log.error if give_up else log.warning)("timer failed", timer=timer["_id"], kind=timer.get("kind"),
                                                tries=tries, error=repr(exc)[:300], gave_up=give_up)

    def fire_due(self) -> int:
        """Claim and fire every timer due now (one batch); return how many fired."""
        claimed = self.claim()
        self.last_claimed = len(claimed)
        if not claimed:
            return 0
        if self.concurrency == 1 or len(claimed) == 1:
            return sum(self.fire(t) for t in claimed)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix=f"{self.store.service}-timer")
        return sum(self._pool.map(self.fire, claimed))

    def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.fire_due()
                if self.last_claimed >= self.batch:
                    continue
            except PyMongoError as exc:
                log.warning("timer loop error; retrying", error=str(exc))
            self.stop_event.wait(self.poll_seconds)
        if self._pool:
            self._pool.shutdown(wait=True)

    def stop(self) -> None:
        self.stop_event.set()
