"""All-or-nothing apply of a large import: staged, versioned writes and one commit point.

Why not one transaction: the first import of a 5,000-student district writes ~27,000
roster documents and ~26,500 outbox entries. On the test server that is 12-15 s of
writes, far past a transaction's lifetime (5-10 s in tests and dev; production MongoDB
also caps a transaction's lifetime and its cache footprint), and it would grow with the
district. So an import is applied as a sequence of small transactions that never expose
a half-applied state:

1. ``begin``: take the district's import lock (a lease) and insert the ``imports``
   document with status *staging*, plus a recovery timer.
2. ``stage_writes``: batches of ~2,000 documents, one transaction each. Every written
   document carries ``import_id`` and its previous committed version in ``prev``; each
   batch also records the ids it wrote (a "writes" chunk, for rollback) and renews the
   lease. Readers resolve documents of a staging import to ``prev`` (``repository``), so
   nobody sees them yet; they read in a snapshot transaction, so the check and the data
   agree.
3. ``stage_events``: the import's events, checked, in chunk documents of 1,000 in
   ``import_chunks`` -- not in the outbox, so the relay cannot see them.
4. ``commit``: one tiny transaction flips the ``imports`` document to *committed*. This
   is the commit point: from here on every reader sees the whole import at once.
5. ``finish`` (roll forward): chunk by chunk, emit the events through the unit of work
   (the platform's outbox) and advance ``released`` in the same transaction (exactly
   once), in their place in the import's sequence (``staged_events``); then mark
   the import *done*, drop its chunks, release the lock.

If the importer dies or fails before the commit, the import is *aborting*: ``step``
restores every written document from ``prev`` (or deletes it if the import created
it), using the "writes" chunks, then marks it *aborted*. If it dies after the commit,
``step`` finishes releasing its events. The roster worker's timer does either when the
lease lapses, and the next import of the district (or ``confer roster recover``) does
it first thing. A written document keeps ``prev`` as one level of history.
"""
from __future__ import annotations

from datetime import timedelta

from pymongo import DeleteOne, InsertOne, ReplaceOne
from pymongo.errors import DuplicateKeyError

from services.common import timers
from services.common.errors import Conflict
from services.roster.adapters.repository import COLLECTIONS, IMPORTS, LOCKS, strip_version
from services.roster.application.staged_events import chunk_id, emit_chunk

CHUNKS = "import_chunks"
LEASE_SECONDS = 60.0
WRITE_BATCH = 2000
TIMER_KIND = "roster_import"


class ImportBusy(Conflict):
    """Another import of the same district is running."""


class ImportLost(RuntimeError):
    """The import lost its lease (it was too slow, or someone aborted it)."""


def timer_key(import_id: str) -> str:
    return f"roster-import:{import_id}"


def chunk_range(import_id: str, kind: str = "") -> dict:
    prefix = f"{import_id}:{kind}"
    return {"$gte": prefix, "$lt": prefix + "\uffff"}


def acquire_lock(store, district_id: str, holder: str, lease: float = LEASE_SECONDS) -> None:
    now = store.clock()
    doc = {"import_id": holder, "until": now + timedelta(seconds=lease), "district_id": district_id,
           "school_id": None}
    locks = store.db[LOCKS]
    if locks.update_one({"_id": district_id, "$or": [{"import_id": None}, {"until": {"$lt": now}}]},
                        {"$set": doc}).matched_count:
        return
    try:
        locks.insert_one({"_id": district_id, **doc})
    except DuplicateKeyError:
        raise ImportBusy(f"An import for district {district_id} is already running; try again later.",
                         code="import_running") from None


def release_lock(db, district_id: str, holder: str, session=None) -> None:
    db[LOCKS].update_one({"_id": district_id, "import_id": holder},
                         {"$set": {"import_id": None, "until": None}}, session=session)


class StagedImport:
    def __init__(self, store, import_doc: dict, *, lease: float = LEASE_SECONDS, batch: int = WRITE_BATCH):
        self.store, self.doc, self.lease, self.batch = store, import_doc, lease, batch
        self.id, self.district_id = import_doc["_id"], import_doc["district_id"]

    def _renew(self, uow, status: str = "staging") -> None:
        now, until = uow.now, uow.now + timedelta(seconds=self.lease)
        mine = uow.db[IMPORTS].update_one({"_id": self.id, "status": status}, {"$set": {"heartbeat_at": now}},
                                          session=uow.session).matched_count
        held = uow.db[LOCKS].update_one({"_id": self.district_id, "import_id": self.id},
                                        {"$set": {"until": until}}, session=uow.session).matched_count
        if not (mine and held):
            raise ImportLost(f"import {self.id} lost its lease")
        timers.schedule(uow, timer_key(self.id), TIMER_KIND, until + timedelta(seconds=5),
                        {"import_id": self.id}, district_id=self.district_id, school_id=None)

    def _atomic(self, work):
        return self.store.atomic(work, district_id=self.district_id)

    def begin(self) -> None:
        def work(uow):
            uow.db[IMPORTS].insert_one({**self.doc, "status": "staging", "started_at": uow.now}, session=uow.session)
            self._renew(uow)
        self._atomic(work)

    def stage_writes(self, writes) -> None:
        by_kind: dict[str, list] = {}
        for w in writes:
            by_kind.setdefault(w.kind, []).append(w)
        n = 0
        for kind, items in by_kind.items():
            for i in range(0, len(items), self.batch):
                self._atomic(lambda uow, k=kind, part=items[i:i + self.batch], n=n: self._write(uow, k, part, n))
                n += 1

    def _write(self, uow, kind: str, part, n: int) -> None:
        self._renew(uow)
        uow.db[CHUNKS].insert_one({"_id": f"{self.id}:w:{n:06d}", "import_id": self.id, "kind": kind,
                                   "district_id": self.district_id, "school_id": None,
                                   "ids": [w.id for w in part]}, session=uow.session)
        ops = []
        for w in part:
            doc = {**w.after, "import_id": self.id}
            if w.before is None:
                ops.append(InsertOne(doc))
            else:
                doc["prev"] = strip_version(w.before)
                ops.append(ReplaceOne({"_id": w.id, "import_id": w.before.get("import_id")}, doc))
        result = uow.db[COLLECTIONS[kind]].bulk_write(ops, ordered=False, session=uow.session)
        if result.inserted_count + result.matched_count != len(ops):
            raise ImportLost(f"{kind} changed while import {self.id} was staging")

    def stage_events(self, chunks: list[dict]) -> None:
        for i in range(0, len(chunks), 4):
            def work(uow, part=chunks[i:i + 4]):
                self._renew(uow)
                uow.db[CHUNKS].insert_many(part, session=uow.session)
            self._atomic(work)

    def commit(self) -> None:
        def work(uow):
            self._renew(uow)
            uow.db[IMPORTS].update_one({"_id": self.id}, {"$set": {"status": "committed", "committed_at": uow.now}},
                                       session=uow.session)
        self._atomic(work)

    def abort(self) -> None:
        self._atomic(lambda uow: uow.db[IMPORTS].update_one(
            {"_id": self.id, "status": "staging"}, {"$set": {"status": "aborting"}}, session=uow.session))
        run_steps(self.store, self.id)


def run_steps(store, import_id: str) -> str | None:
    """Roll a committed import forward, or an aborting one back, to its end; its status."""
    while store.atomic(lambda uow: step(uow, import_id)):
        pass  # each released chunk's commit wakes this process's relay
    doc = store.db[IMPORTS].find_one({"_id": import_id}, {"status": 1})
    return doc and doc["status"]


def step(uow, import_id: str) -> bool:
    """One bounded step (one transaction) towards the end of an import; False when done."""
    imp = uow.db[IMPORTS].find_one({"_id": import_id}, session=uow.session)
    if imp is None or imp["status"] not in ("committed", "aborting"):
        return False
    if imp["status"] == "committed":
        return _release_step(uow, imp)
    return _rollback_step(uow, imp)


def _release_step(uow, imp: dict) -> bool:
    n = imp.get("released", 0)
    if n < imp.get("chunks", 0):
        claimed = uow.db[IMPORTS].update_one({"_id": imp["_id"], "status": "committed", "released": n},
                                             {"$set": {"released": n + 1}}, session=uow.session)
        chunk = uow.db[CHUNKS].find_one({"_id": chunk_id(imp["_id"], n)}, session=uow.session)
        if claimed.matched_count and chunk:
            # The events belong to the request that imported, whoever releases them.
            uow.correlation_id = imp.get("correlation_id")
            emit_chunk(uow, chunk, started_at=imp["started_at"], district_id=imp["district_id"])
        return True
    _finalise(uow, imp, "done")
    return False


def _rollback_step(uow, imp: dict) -> bool:
    chunk = uow.db[CHUNKS].find_one({"_id": chunk_range(imp["_id"], "w:")}, sort=[("_id", 1)], session=uow.session)
    if chunk is None:
        _finalise(uow, imp, "aborted")
        return False
    coll = uow.db[COLLECTIONS[chunk["kind"]]]
    docs = coll.find({"_id": {"$in": chunk["ids"]}, "import_id": imp["_id"]}, {"_id": 1, "prev": 1},
                     session=uow.session)
    ops = [ReplaceOne({"_id": d["_id"], "import_id": imp["_id"]}, d["prev"]) if "prev" in d
           else DeleteOne({"_id": d["_id"], "import_id": imp["_id"]}) for d in docs]
    if ops:
        coll.bulk_write(ops, ordered=False, session=uow.session)
    uow.db[CHUNKS].delete_one({"_id": chunk["_id"]}, session=uow.session)
    return True


def _finalise(uow, imp: dict, status: str) -> None:
    uow.db[IMPORTS].update_one({"_id": imp["_id"]}, {"$set": {"status": status, "finished_at": uow.now}},
                               session=uow.session)
    uow.db[CHUNKS].delete_many({"_id": chunk_range(imp["_id"])}, session=uow.session)
    release_lock(uow.db, imp["district_id"], imp["_id"], session=uow.session)
    timers.cancel(uow, timer_key(imp["_id"]))
