"""The outbox relay: publishes committed events in order and marks them sent.

A batch of pending entries is published on one channel with many publishes in flight
and the broker's confirms collected together (`bus.BatchPublisher`); only confirmed
entries are marked. Entries move pending -> sent (or unroutable, when no queue is bound; kept for replay).
Sent entries stay for OUTBOX_RETENTION_DAYS so a new subscriber can replay history.
With several workers only the holder of a short lease relays, so order holds and work
is not doubled; another worker takes over when the lease lapses.
"""
from __future__ import annotations

import os
import queue
import socket
import threading
import time
from datetime import timedelta

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError, PyMongoError

from services.common import logs, metrics
from services.common.bus import BatchPublisher, Publisher
from services.common.catalogue import spec_for_type
from services.common.store import OUTBOX, Store

log = logs.get("confer.outbox")


class OutboxRelay:
    def __init__(self, store: Store, publisher: Publisher | BatchPublisher, *, batch: int = 500, poll_seconds: float = 0.5,
                 lease_seconds: float = 10.0, retention_days: int = 30):
        self.store = store
        self.publisher = publisher
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.retention = timedelta(days=retention_days)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self.stop_event = threading.Event()
        self._last_cleanup = 0.0
        # Marking entries sent runs beside publishing (a database round trip per batch
        # would otherwise halve the relay's rate); ids stay "in flight" until marked.
        self._inflight: set = set()
        self._inflight_lock = threading.Lock()
        self._marks: queue.Queue = queue.Queue()
        self._marker: threading.Thread | None = None
        self._resume_at = None

    # -- lease ---------------------------------------------------------------
    def acquire_lease(self) -> bool:
        now = self.store.clock()
        until = now + timedelta(seconds=self.lease_seconds)
        locks = self.store.db["locks"]
        res = locks.update_one(
            {"_id": "outbox-relay", "$or": [{"owner": self.owner}, {"until": {"$lt": now}}]},
            {"$set": {"owner": self.owner, "until": until}})
        if res.matched_count:
            return True
        try:
            locks.insert_one({"_id": "outbox-relay", "owner": self.owner, "until": until})
            return True
        except DuplicateKeyError:
            return False

    # -- relay ---------------------------------------------------------------
    def run_once(self) -> int:
        """Publish one batch of pending entries; return how many were published."""
        coll = self.store.db[OUTBOX]
        with self._inflight_lock:
            skip = set(self._inflight)
        # Entries already published but not yet marked are skipped here, not in the query
        # ($nin over many ids is slow); the index (status, created_at, seq) serves the sort.
        # While a backlog drains, each read starts where the last full batch ended, so the
        # entries still being marked are not read again; once caught up it starts afresh
        # (an entry committed late with an earlier time is published then).
        query = {"status": "pending"}
        if self._resume_at is not None:
            query["created_at"] = {"$gte": self._resume_at}
        found = coll.find(query, {"envelope": 1, "type": 1, "created_at": 1}).sort(
            [("created_at", ASCENDING), ("seq", ASCENDING)]).limit(self.batch + len(skip))
        docs = [d for d in found if d["_id"] not in skip][: self.batch]
        self._resume_at = docs[-1]["created_at"] if len(docs) >= self.batch else None
        if not docs:
            return 0
        items = [(doc["envelope"], spec_for_type(doc["type"])) for doc in docs]
        done = self.publisher.publish_many(items)
        # Mark what the broker confirmed even if it failed part-way; the rest stays pending.
        self._queue_marks(done.sent, "sent")
        self._queue_marks(done.unroutable, "unroutable")
        unroutable = set(done.unroutable)
        for event_id, (env, spec) in zip([d["_id"] for d in docs], items):
            if event_id in unroutable:
                metrics.EVENTS_UNROUTABLE.labels(self.store.service, spec.name).inc()
                log.warning("event unroutable", event_id=event_id, type=env["type"])
        if done.error is not None:
            self._resume_at = None  # what was not confirmed goes out first next time
            raise done.error
        return len(docs)

    def _queue_marks(self, ids: list, status: str) -> None:
        if not ids:
            return
        with self._inflight_lock:
            self._inflight.update(ids)
        if self._marker is None or not self._marker.is_alive():
            self._marker = threading.Thread(target=self._mark_loop, daemon=True, name="outbox-marker")
            self._marker.start()
        self._marks.put((ids, status))

    def _mark_loop(self) -> None:
        while True:
            ids, status = self._marks.get()
            while True:
                try:
                    self.store.db[OUTBOX].bulk_write(
                        [UpdateOne({"_id": i}, {"$set": {"status": status, "sent_at": self.store.clock()}})
                         for i in ids], ordered=False)
                    break
                except PyMongoError as exc:  # keep them in flight; a re-publish would only be a duplicate
                    log.warning("could not mark outbox entries; retrying", error=str(exc))
                    time.sleep(1.0)
            with self._inflight_lock:
                self._inflight.difference_update(ids)
            self._marks.task_done()

    def flush_marks(self, timeout: float = 30.0) -> None:
        """Wait until every published entry is marked (tests, shutdown)."""
        deadline = time.monotonic() + timeout
        while self._marks.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def measure(self) -> tuple[int, float]:
        coll = self.store.db[OUTBOX]
        backlog = coll.count_documents({"status": "pending"})
        oldest = coll.find_one({"status": "pending"}, {"created_at": 1}, sort=[("created_at", ASCENDING)])
        age = (self.store.clock() - oldest["created_at"]).total_seconds() if oldest else 0.0
        metrics.OUTBOX_BACKLOG.labels(self.store.service).set(backlog)
        metrics.OUTBOX_OLDEST_AGE.labels(self.store.service).set(max(age, 0.0))
        return backlog, age

    def cleanup(self) -> int:
        """Drop published entries older than the retention period (hourly)."""
        if time.monotonic() - self._last_cleanup < 3600:
            return 0
        self._last_cleanup = time.monotonic()
        cutoff = self.store.clock() - self.retention
        return self.store.db[OUTBOX].delete_many({"status": {"$ne": "pending"}, "sent_at": {"$lt": cutoff}}).deleted_count

    def run(self) -> None:
        log.info("outbox relay started", service=self.store.service)
        last_measure = 0.0
        while not self.stop_event.is_set():
            try:
                n = 0
                if self.acquire_lease():
                    self.store.outbox_wake.clear()
                    n = self.run_once()
                    self.cleanup()
                if time.monotonic() - last_measure > 5:
                    self.measure()
                    last_measure = time.monotonic()
                if n >= self.batch:
                    continue
                self.store.outbox_wake.wait(self.poll_seconds)
            except (PyMongoError, OSError, Exception) as exc:  # noqa: BLE001 - keep relaying
                log.warning("outbox relay error; retrying", error=str(exc), kind=type(exc).__name__)
                self.publisher.reset()
                self.stop_event.wait(1.0)
        log.info("outbox relay stopped", service=self.store.service)

    def stop(self) -> None:
        self.stop_event.set()
        self.store.outbox_wake.set()
        self.flush_marks(10.0)


def watch_outbox(store: Store, stop_event: threading.Event) -> None:
    """Wake the relay when another process (the web app) commits to the outbox, using a
    change stream; without change streams the relay simply polls."""
    while not stop_event.is_set():
        try:
            with store.db[OUTBOX].watch([{"$match": {"operationType": "insert"}}], max_await_time_ms=1000) as stream:
                while not stop_event.is_set():
                    if stream.try_next() is not None:
                        store.outbox_wake.set()
        except Exception as exc:  # noqa: BLE001
            log.info("outbox change stream unavailable; relay polls", error=str(exc))
            stop_event.wait(5.0)
