"""A service's MongoDB database and its unit of work.

A unit of work is one MongoDB transaction: the service's own writes, the events they
cause (appended to the outbox) and, for consumers, the processed-event ledger entry.
Either all of it is stored or none of it is: nothing accepted is lost, nothing happens
twice. Production runs a replica set so transactions work; the test server does too.
"""
from __future__ import annotations

import importlib
import importlib.util
import random
import threading
import time
from datetime import datetime, timezone
from typing import Callable, TypeVar

from pymongo import ASCENDING, MongoClient
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern
from pymongo.errors import ConnectionFailure, DuplicateKeyError, OperationFailure, PyMongoError

from services.common import logs
from services.common.catalogue import latest
from services.common.envelope import new_event

T = TypeVar("T")
# Every transaction reads one snapshot and commits only once a majority of the replica
# set has it (the driver's defaults would read "local" data a failover can roll back).
TXN_READ = ReadConcern("snapshot")
TXN_WRITE = WriteConcern("majority")
OUTBOX = "outbox"
LEDGER = "processed_events"
REPLAYS = "dlq_replays"  # what became of each message `confer dlq replay` sent back (kept a week)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def outbox_entry(env: dict, spec, *, created_at: datetime, seq: int, **tags) -> dict:
    """The outbox document the relay publishes, one shape for every producer: pending
    entries are sent by (created_at, seq). `tags` are extra fields to find entries by."""
    return {"_id": env["id"], "status": "pending", "created_at": created_at, "seq": seq,
            "type": spec.type, "name": spec.name, "routing_key": spec.routing_key,
            "private": spec.private, "envelope": env, "attempts": 0,
            "district_id": env.get("districtid"), "school_id": env.get("schoolid"), **tags}


class Store:
    """One service's database. `clock` is injectable so tests can move time."""

    def __init__(self, mongo_url: str, db_name: str, *, service: str, clock: Callable[[], datetime] = utcnow,
                 client: MongoClient | None = None, server_selection_ms: int = 3000,
                 repositories: Callable[["UnitOfWork"], None] | None = None):
        self.service = service
        # Attaches the service's repositories to each unit of work (`uow.bookings`, ...);
        # by default the one its definition declares (see `attach_repositories`).
        self._repositories = repositories
        self.client = client or MongoClient(
            mongo_url, tz_aware=True, serverSelectionTimeoutMS=server_selection_ms,
            connectTimeoutMS=server_selection_ms, socketTimeoutMS=20000)
        self.db = self.client[db_name]
        self.clock = clock
        # Set on every commit that wrote outbox entries, so a relay in this process
        # publishes at once instead of waiting for its next poll.
        self.outbox_wake = threading.Event()
        self._signals: dict[str, threading.Event] = {}
        self._signals_lock = threading.Lock()
        self._index_hooks: list[Callable] = []

    @classmethod
    def from_settings(cls, settings, **kw) -> "Store":
        """The store of a service; in development mode (and only there) its clock is the
        dev clock when one is configured, so time can be moved forward."""
        if "clock" not in kw and getattr(settings, "dev_mode", False) and getattr(settings, "dev_clock_file", None):
            from services.common.devclock import OffsetClock

            kw["clock"] = OffsetClock(settings.dev_clock_file)
        return cls(settings.mongo_url, settings.mongo_db, service=settings.service, **kw)

    def ensure_indexes(self) -> None:
        # Collections are created here, not by the first write: creating one inside
        # concurrent transactions makes them conflict.
        existing = set(self.db.list_collection_names())
        for name in (OUTBOX, LEDGER, "timers", "idempotency_keys"):
            if name not in existing:
                try:
                    self.db.create_collection(name)
                except PyMongoError:
                    pass  # created meanwhile by another process
        self.db[OUTBOX].create_index([("status", ASCENDING), ("created_at", ASCENDING), ("seq", ASCENDING)])
        self.db[OUTBOX].create_index([("sent_at", ASCENDING)])
        self.db["idempotency_keys"].create_index([("created_at", ASCENDING)])
        self.db[REPLAYS].create_index([("run", ASCENDING)])
        self.db[REPLAYS].create_index([("at", ASCENDING)], expireAfterSeconds=7 * 24 * 3600)
        for hook in self._index_hooks:
            hook(self.db)

    def signal(self, name: str) -> threading.Event:
        """A named wake-up shared by the threads of this process (e.g. a lane waiting for
        deliveries that a handler just recorded)."""
        with self._signals_lock:
            return self._signals.setdefault(name, threading.Event())

    def attach_repositories(self, uow: "UnitOfWork") -> None:
        """Give `uow` the service's repositories. The service's definition names them
        (`ServiceDefinition.declare(repositories=...)`); a store of a name that is no
        service (a test's scratch database) has none."""
        if self._repositories is None:
            attach = None
            if importlib.util.find_spec(f"services.{self.service}") is not None:
                attach = importlib.import_module(f"services.{self.service}").SERVICE.repositories
            self._repositories = attach or (lambda _uow: None)
        self._repositories(uow)

    def on_indexes(self, hook: Callable) -> None:
        self._index_hooks.append(hook)

    def ping(self) -> None:
        self.client.admin.command("ping")

    def unit_of_work(self, **context) -> "UnitOfWork":
        return UnitOfWork(self, **context)

    def atomic(self, work: Callable[["UnitOfWork"], T], *, retries: int = 8, **context) -> T:
        """Run `work(uow)` in a transaction and commit, retrying transient conflicts."""
        for attempt in range(retries):
            try:
                with self.unit_of_work(**context) as uow:
                    result = work(uow)
                    if not uow.rolled_back:
                        uow.commit()
                    return result
            except (OperationFailure, ConnectionFailure) as exc:
                transient = exc.has_error_label("TransientTransactionError") or \
                    exc.has_error_label("UnknownTransactionCommitResult")
                if not transient or attempt == retries - 1:
                    raise
                # Jitter, so transactions that conflicted do not collide again in step; up
                # to about a second in all, the time a consumer batch may hold its writes.
                time.sleep(random.uniform(0.5, 1.5) * min(0.25, 0.005 * (2 ** attempt)))
        raise RuntimeError("unreachable")


class UnitOfWork:
    def __init__(self, store: Store, *, correlation_id: str | None = None, district_id: str | None = None,
                 school_id: str | None = None):
        self.store = store
        self.db = store.db
        self.correlation_id = correlation_id or logs.current_correlation_id()
        self.district_id = district_id
        self.school_id = school_id
        self.events: list[dict] = []
        self.session = None
        self._committed = False
        self.rolled_back = False
        self._after_commit: list[Callable[[], None]] = []
        self._before_commit: list[Callable[[], None]] = []
        self._sequence: tuple[datetime, int, dict] | None = None
        store.attach_repositories(self)

    @property
    def now(self) -> datetime:
        return self.store.clock()

    def __enter__(self) -> "UnitOfWork":
        self.session = self.store.client.start_session()
        self.session.start_transaction(read_concern=TXN_READ, write_concern=TXN_WRITE)
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if not self._committed and self.session.in_transaction:
                self.session.abort_transaction()
        except PyMongoError:
            pass  # the server discards an unfinished transaction anyway
        finally:
            self.session.end_session()
        return False

    def collection(self, name: str):
        return self.db[name]

    def emit(self, name: str, data: dict, *, subject: str | None = None, district_id: str | None = None,
             school_id: str | None = None, version: int | None = None) -> dict:
        """Record an event to publish once this unit of work commits. Producers emit the
        newest version; during a deprecation period they emit the old one too (`version=`)."""
        from services.common.bus import resolve

        spec = latest(name) if version is None else resolve(f"{name}.v{version}")
        env = new_event(spec, data, subject=subject, district_id=district_id or self.district_id,
                        school_id=school_id or self.school_id or data.get("school_id"),
                        correlation_id=self.correlation_id, now=self.now)
        self.events.append({"env": env, "spec": spec})
        return env

    def continue_sequence(self, created_at: datetime, first_seq: int, **tags) -> None:
        """Place the events of this unit of work at `first_seq`, `first_seq + 1`, ... of a
        sequence that began at `created_at` (instead of at 0.. of now): a sequence too long
        for one transaction (a roster import) is emitted over several units of work and
        the relay, which sends by (created_at, seq), still publishes it in order. `tags`
        are stored on each entry (outbox_entry)."""
        self._sequence = (created_at, first_seq, tags)

    def claim(self, event_id: str, handler: str) -> bool:
        """Record that `handler` processed `event_id`; False if it already had (and then
        the unit of work is rolled back: a duplicate key aborts the transaction)."""
        key = f"{event_id}:{handler}"
        try:  # the common case is a new event: one round trip, no read first
            self.db[LEDGER].insert_one({"_id": key, "event_id": event_id, "handler": handler,
                                        "processed_at": self.now}, session=self.session)
            return True
        except DuplicateKeyError:
            self.rollback()
            return False

    def before_commit(self, fn: Callable[[], None]) -> None:
        """Run `fn` inside the transaction just before it commits (writes collected
        during the unit of work, done once; it may still emit events)."""
        self._before_commit.append(fn)

    def after_commit(self, fn: Callable[[], None]) -> None:
        """Run `fn` once this unit of work has committed (metrics, waking a worker thread):
        never for a transaction that was rolled back or retried."""
        self._after_commit.append(fn)

    def rollback(self) -> None:
        """Discard everything this unit of work wrote; `atomic` will not commit it."""
        self.rolled_back = True
        self.events.clear()
        self._after_commit.clear()
        self._before_commit.clear()
        try:
            if self.session.in_transaction:
                self.session.abort_transaction()
        except PyMongoError:
            pass

    def commit(self) -> None:
        for fn in self._before_commit:
            fn()
        if self.events:
            created_at, first, tags = self._sequence or (self.now, 0, {})
            docs = [outbox_entry(item["env"], item["spec"], created_at=created_at, seq=first + i, **tags)
                    for i, item in enumerate(self.events)]
            self.db[OUTBOX].insert_many(docs, session=self.session, ordered=True)
        self.session.commit_transaction()
        self._committed = True
        if self.events:
            self.store.outbox_wake.set()
        for fn in self._after_commit:
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - the commit stands; a hook must not undo it
                logs.get("confer.store").warning("after-commit hook failed", error=repr(exc))
