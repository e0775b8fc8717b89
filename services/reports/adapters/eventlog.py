"""The event log (every consumed event, in arrival order) and replaying it.

Live: `record(event, uow)` appends the event with the next sequence number (a counter
document bumped in the same transaction, so concurrent consumers serialise on it and
the sequence is the commit order), then runs the projections.

Rebuild: `rebuild(store)` drops the read models and replays the log in sequence order
through the SAME projection functions, with a `BulkUnit` standing in for the unit of
work: it buffers their writes per collection and sends them as ordered bulk writes.
A read (the roster projection reads before an unenrolment) first flushes the buffer of
the collection it reads, so it sees every earlier write, exactly as live.
"""
from __future__ import annotations

from typing import Callable, Iterable

from pymongo import ASCENDING, DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateMany, UpdateOne

from services.common.consumer import Event
from services.common.wiring import handler

from services.reports.application import projection
from services.reports.adapters.repository import COUNTERS, EVENT_LOG, READ_MODELS, ensure_read_model_indexes

LOG_FIELDS = ("seq", "type", "name", "version", "subject", "time", "data", "correlation_id", "district_id",
              "school_id")


def log_doc(event: Event, seq: int, received_at) -> dict:
    return {"_id": event.id, "seq": seq, "type": event.type, "name": event.name, "version": event.version,
            "subject": event.subject, "time": event.time, "data": event.data, "correlation_id": event.correlation_id,
            "district_id": event.district_id, "school_id": event.school_id, "received_at": received_at}


def event_from_doc(doc: dict) -> Event:
    """The logged event (validated when it arrived, so not validated again)."""
    return Event(doc["_id"], doc["type"], doc["name"], doc["version"], doc.get("subject"), doc["time"], doc["data"],
                 doc.get("correlation_id"), doc.get("district_id"), doc.get("school_id"))


def next_seq(uow, n: int = 1) -> int:
    """Reserve `n` sequence numbers; return the first."""
    uow.db[COUNTERS].update_one({"_id": EVENT_LOG}, {"$inc": {"value": n}}, upsert=True, session=uow.session)
    return uow.db[COUNTERS].find_one({"_id": EVENT_LOG}, session=uow.session)["value"] - n + 1


@handler("reports.record", formerly="services.reports.adapters.eventlog.record")
def record(event: Event, uow) -> None:
    """The reports consumer's one handler: project the event, then log it. The sequence
    number is taken last: it is the order of commits (a consumer can bump the counter
    only once an earlier one has committed), and consumers running in parallel hold the
    counter only for the moment before their commit, so they rarely conflict on it."""
    projection.apply(event, uow)
    uow.db[EVENT_LOG].insert_one(log_doc(event, next_seq(uow), uow.now), session=uow.session)


# -- the bulk path ------------------------------------------------------------------
class _Collection:
    def __init__(self, unit: "BulkUnit", name: str):
        self._unit, self._name = unit, name
        self._real = unit.real_db[name]

    def _add(self, op) -> None:
        self._unit.add(self._name, op)

    def update_one(self, filter, update, upsert=False, session=None):
        known = self._unit.known.setdefault(self._name, set())
        _id = filter.get("_id") if len(filter) == 1 else None
        if upsert and _id is not None:
            if set(update) == {"$setOnInsert"} and _id in known:
                return  # only creates a document that this unit already created: a no-op
            known.add(_id)
        self._add(UpdateOne(filter, update, upsert=upsert))

    def update_many(self, filter, update, upsert=False, session=None):
        self._add(UpdateMany(filter, update, upsert=upsert))

    def replace_one(self, filter, doc, upsert=False, session=None):
        self._unit.known.pop(self._name, None)
        self._add(ReplaceOne(filter, doc, upsert=upsert))

    def insert_one(self, doc, session=None):
        self._add(InsertOne(doc))

    def delete_one(self, filter, session=None):
        self._unit.known.pop(self._name, None)
        self._add(DeleteOne(filter))

    def delete_many(self, filter, session=None):
        self._unit.known.pop(self._name, None)
        self._add(DeleteMany(filter))

    def __getattr__(self, name):  # reads: flush this collection first, then read for real
        self._unit.flush(self._name)
        return getattr(self._real, name)


class _Db:
    def __init__(self, unit: "BulkUnit"):
        self._unit = unit

    def __getitem__(self, name: str) -> _Collection:
        return self._unit.collection(name)


class BulkUnit:
    """A unit of work for replays: no transaction, no outbox; writes are batched."""

    session = None

    def __init__(self, store, batch: int = 2000):
        self.store = store
        self.real_db = store.db
        self.db = _Db(self)
        self.batch = batch
        self._ops: dict[str, list] = {}
        self._collections: dict[str, _Collection] = {}
        self.known: dict[str, set] = {}  # ids this unit upserted (so they exist)
        self.writes = 0

    @property
    def now(self):
        return self.store.clock()

    def collection(self, name: str) -> _Collection:
        if name not in self._collections:
            self._collections[name] = _Collection(self, name)
        return self._collections[name]

    def add(self, name: str, op) -> None:
        ops = self._ops.setdefault(name, [])
        ops.append(op)
        if len(ops) >= self.batch:
            self.flush(name)

    def flush(self, name: str | None = None) -> None:
        for coll in [name] if name else list(self._ops):
            ops = self._ops.pop(coll, None)
            if ops:
                self.real_db[coll].bulk_write(ops, ordered=True)
                self.writes += len(ops)

    def emit(self, *args, **kwargs):
        raise RuntimeError("projections do not emit events")


def replay(store, events: Iterable[Event], *, log: bool = False, progress: Callable[[int], None] | None = None,
           batch: int = 2000) -> int:
    """Project `events` in order through the bulk path; with `log`, append them to the
    event log too (the benchmark's fast seeding). Returns how many were replayed."""
    unit = BulkUnit(store, batch=batch)
    buffer: list[Event] = []
    count = 0

    def drain():
        nonlocal count
        if log and buffer:
            first = store.atomic(lambda uow: next_seq(uow, len(buffer)))
            now = store.clock()
            for i, ev in enumerate(buffer):
                unit.add(EVENT_LOG, InsertOne(log_doc(ev, first + i, now)))
        for ev in buffer:
            projection.apply(ev, unit)
        count += len(buffer)
        if progress:
            progress(len(buffer))
        buffer.clear()

    for event in events:
        buffer.append(event)
        if len(buffer) >= batch:
            drain()
    drain()
    unit.flush()
    return count


def logged_events(db, batch: int = 2000) -> Iterable[Event]:
    for doc in db[EVENT_LOG].find({}, {"received_at": 0}).sort("seq", ASCENDING).batch_size(batch):
        yield event_from_doc(doc)


def rebuild(store, *, progress: Callable[[int], None] | None = None) -> int:
    """Drop the read models and replay the whole event log into them."""
    for name in READ_MODELS:
        store.db.drop_collection(name)
    ensure_read_model_indexes(store.db)
    return replay(store, logged_events(store.db), progress=progress)
