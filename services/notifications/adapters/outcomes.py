"""Writing what the lanes did, in few statements and short transactions.

Journal: before a send, its journal entry ("sending") must be stored, outside any
transaction; once the provider took the message, the entry says "accepted" before the
sender goes on. Senders that need a journal write at the same moment share one (group
commit: whoever finds no write in progress writes everything queued so far). After a
crash, a lapsed lease whose delivery has an "accepted" entry was sent (it is marked
sent, not sent again); one with only a "sending" entry newer than its recorded tries is
a send of unknown outcome (resent once, counted).

OutcomeWriter: the senders hand over each try's outcome and go on; one thread records
every outcome queued so far in one transaction (one conditional bulk update of the
deliveries, their NotificationSent / NotificationFailed events, one commit). If a
delivery's lease was lost meanwhile (another worker took it over), that batch is redone
one delivery at a time so only the outcomes still holding their lease are recorded.
Senders may run ahead of it by at most `max_pending` outcomes; a crash loses them, but
the journal says which of those sends were accepted.
"""
from __future__ import annotations

import queue
import threading
import time
from typing import Callable

from pymongo import UpdateOne
from pymongo.errors import PyMongoError

from services.common import logs, metrics
from services.notifications import settings as config
from services.notifications.adapters import repository as repo
from services.notifications.application.attempts import RELEASE, Job, Outcome, lease_filter, plan

log = logs.get("confer.notifications")


class GroupCommit:
    """Calls `write(items)` with everything submitted while the previous write ran."""

    def __init__(self, write: Callable[[list], None]):
        self.write = write
        self._cond = threading.Condition()
        self._queue: list = []
        self._busy = False

    def submit(self, items: list) -> None:
        """Block until `items` are written (raises what the write raised)."""
        box = {"done": False, "error": None}
        with self._cond:
            self._queue.append((items, box))
            while not box["done"]:
                if self._busy:
                    self._cond.wait()
                    continue
                batch, self._queue = self._queue, []
                self._busy = True
                self._cond.release()
                error = None
                try:
                    self.write([i for items_, _ in batch for i in items_])
                except Exception as exc:  # noqa: BLE001 - handed to every waiter of this write
                    error = exc
                finally:
                    self._cond.acquire()
                    self._busy = False
                    for _, b in batch:
                        b["done"], b["error"] = True, error
                    self._cond.notify_all()
        if box["error"] is not None:
            raise box["error"]


class Journal:
    def __init__(self, store):
        self.store = store
        self._group = GroupCommit(self._write)

    def _write(self, ops: list) -> None:
        self.store.db[repo.JOURNAL].bulk_write(ops, ordered=False)

    def write(self, *, sending: list[Job] = (), accepted: list[Job] = ()) -> None:
        """Store "sending" for `sending` (before they go out) and "accepted" for
        `accepted` (the provider took them), in one write shared with other senders."""
        now, ops = self.store.clock(), []
        for job in accepted:
            if job.extra.get("journal_id"):
                ops.append(UpdateOne({"_id": job.extra["journal_id"]}, {"$set": {"state": "accepted"}}))
        for job in sending:
            jid = job.extra["journal_id"] = f"{job.id}:{job.token}"
            ops.append(UpdateOne({"_id": jid}, {"$setOnInsert": {
                "delivery_id": job.id, "attempt": job.attempt, "state": "sending", "message_id": job.d.get("message_id"),
                "started_at": now}}, upsert=True))
        if ops:
            self._group.submit(ops)


class _LeaseLost(Exception):
    pass


class OutcomeWriter:
    def __init__(self, store, *, batch: int = 500, max_pending: int = 100):
        self.store = store
        self.batch = batch
        self.max_pending = max_pending
        self._queue: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self.pending = 0  # outcomes handed over and not yet recorded
        self._pending_ids: dict[str, int] = {}
        self._lock = threading.Condition()
        self._running = False

    def put(self, outcome: Outcome) -> None:
        """Hand over an outcome; while the writer thread runs, wait if `max_pending` are
        still unrecorded (a sender does not run far ahead of what is stored)."""
        with self._lock:
            while self._running and self.pending >= self.max_pending and not self._stop.is_set():
                self._lock.wait(1.0)
            self.pending += 1
            self._pending_ids[outcome.job.id] = self._pending_ids.get(outcome.job.id, 0) + 1
        self._queue.put(outcome)

    def pending_ids(self) -> list[str]:
        with self._lock:
            return list(self._pending_ids)

    def _recorded(self, items: list[Outcome]) -> None:
        with self._lock:
            self.pending -= len(items)
            for o in items:
                left = self._pending_ids.get(o.job.id, 1) - 1
                if left > 0:
                    self._pending_ids[o.job.id] = left
                else:
                    self._pending_ids.pop(o.job.id, None)
            self._lock.notify_all()

    def _take(self, timeout: float) -> list[Outcome]:
        try:
            items = [self._queue.get(timeout=timeout)]
        except queue.Empty:
            return []
        while len(items) < self.batch:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def run(self) -> None:
        with self._lock:
            self._running = True
        while True:
            items = self._take(0.2)
            if not items:
                if self._stop.is_set():
                    with self._lock:
                        self._running = False
                        self._lock.notify_all()
                    return
                continue
            while True:
                try:
                    self.write(items)
                    break
                except PyMongoError as exc:  # the sends happened: keep their outcomes until stored
                    log.warning("could not record delivery outcomes; retrying", error=str(exc), count=len(items))
                    time.sleep(1.0)
                except Exception as exc:  # noqa: BLE001 - a bug: their leases lapse, the journal tells the rest
                    log.error("could not record delivery outcomes", error=repr(exc), count=len(items))
                    break
            self._recorded(items)

    def flush(self) -> None:
        """Record everything queued, in this thread (synchronous mode, and shutdown)."""
        while True:
            items = self._take(0)
            if not items:
                return
            self.write(items)
            self._recorded(items)

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()

    # -- recording -------------------------------------------------------------------
    def write(self, outcomes: list[Outcome]) -> None:
        cfg, now = config.load(), self.store.clock()
        planned = [(o, *plan(o, cfg, now)) for o in outcomes]
        try:
            self.store.atomic(lambda uow: self._write_all(uow, planned))
            recorded = planned
        except _LeaseLost:
            recorded = [p for p in planned if self.store.atomic(lambda uow, p=p: self._write_one(uow, p))]
        for o, _, _, outcome_name in recorded:
            d = o.job.d
            if outcome_name != "released":
                metrics.NOTIFICATIONS.labels(d["channel"], d["kind"], outcome_name).inc()
            if outcome_name == "skipped":
                metrics.NOTIFICATIONS_SKIPPED.labels(d["channel"], o.code or "unknown").inc()
            if outcome_name == "failed":
                log.error("delivery failed for good", delivery_id=d["_id"], channel=d["channel"],
                          attempts=o.job.attempt, reason=(o.error or "")[:200])
            elif outcome_name == "retry":
                log.warning("delivery failed; will retry", delivery_id=d["_id"], attempt=o.job.attempt,
                            error=(o.error or "")[:200], unknown_outcome=o.unknown)

    def _emit(self, uow, outcome: Outcome, event) -> None:
        if event is None:
            return
        d = outcome.job.d
        uow.correlation_id = d.get("correlation_id") or uow.correlation_id  # the event traces to its cause
        uow.emit(event[0], event[1], subject=d["_id"], district_id=d["district_id"], school_id=d["school_id"])

    def _journal_not_sent(self, uow, planned) -> None:
        ids = [o.job.extra["journal_id"] for o, *_ in planned if o.kind == RELEASE and o.job.extra.get("journal_id")]
        if ids:
            uow.db[repo.JOURNAL].update_many({"_id": {"$in": ids}}, {"$set": {"state": "not_sent"}},
                                             session=uow.session)

    def _write_all(self, uow, planned) -> None:
        ops = [UpdateOne(lease_filter(o.job), update) for o, update, _, _ in planned]
        res = uow.db[repo.DELIVERIES].bulk_write(ops, ordered=False, session=uow.session)
        if res.matched_count != len(ops):
            raise _LeaseLost()
        for o, _, event, _ in planned:
            self._emit(uow, o, event)
        self._journal_not_sent(uow, planned)

    def _write_one(self, uow, item) -> bool:
        o, update, event, _ = item
        res = uow.db[repo.DELIVERIES].update_one(lease_filter(o.job), update, session=uow.session)
        if res.matched_count != 1:
            log.warning("delivery taken over by another worker; outcome not recorded", delivery_id=o.job.id)
            return False
        self._emit(uow, o, event)
        self._journal_not_sent(uow, [item])
        return True
