"""Finishing imports whose importer went away (see ``staging`` for the protocol).

* ``recover_locked(store, district_id, holder)``: the caller holds the district's lock
  (so any other unfinished import of the district is orphaned): roll each one back
  (staging / aborting) or forward (committed). Every import runs this first.
* ``recover(store)``: the same for every district, for ``confer roster recover``.
* ``timer_step(uow, import_id)``: the roster worker's timer, one step per firing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from services.roster.adapters import staging
from services.roster.adapters.repository import IMPORTS, LOCKS

UNFINISHED = ("staging", "committed", "aborting")


def recover_locked(store, district_id: str, holder: str) -> list[tuple[str, str]]:
    outcomes = []
    orphans = list(store.db[IMPORTS].find({"district_id": district_id, "status": {"$in": list(UNFINISHED)}},
                                          {"_id": 1}).sort("_id", 1))
    for imp in orphans:
        if imp["_id"] == holder:
            continue
        store.db[IMPORTS].update_one({"_id": imp["_id"], "status": "staging"}, {"$set": {"status": "aborting"}})
        outcomes.append((imp["_id"], staging.run_steps(store, imp["_id"])))
    return outcomes


def recover(store, holder: str) -> dict[str, object]:
    """Recover every district with an unfinished import whose lease has lapsed."""
    out: dict[str, object] = {}
    for district_id in store.db[IMPORTS].distinct("district_id", {"status": {"$in": list(UNFINISHED)}}):
        try:
            staging.acquire_lock(store, district_id, holder)
        except staging.ImportBusy:
            out[district_id] = "an import is running"
            continue
        try:
            out[district_id] = recover_locked(store, district_id, holder)
        finally:
            staging.release_lock(store.db, district_id, holder)
    return out


def timer_step(uow, import_id: str) -> datetime | None:
    """Called by the roster worker's timer: when to fire again, or None when finished."""
    imp = uow.db[IMPORTS].find_one({"_id": import_id}, session=uow.session)
    if imp is None or imp["status"] not in UNFINISHED:
        return None
    district_id = imp["district_id"]
    lock = uow.db[LOCKS].find_one({"_id": district_id}, session=uow.session) or {}
    live = bool(lock.get("import_id")) and bool(lock.get("until")) and lock["until"] > uow.now
    if live and lock["import_id"] != import_id:
        return lock["until"] + timedelta(seconds=5)  # that importer finishes this one first
    if imp["status"] == "staging":
        if live:  # the importer is still renewing its lease
            return lock["until"] + timedelta(seconds=5)
        uow.db[IMPORTS].update_one({"_id": import_id, "status": "staging"}, {"$set": {"status": "aborting"}},
                                   session=uow.session)
    # Hold the district while finishing, so no new import starts half-way.
    uow.db[LOCKS].update_one({"_id": district_id},
                             {"$set": {"import_id": import_id, "district_id": district_id, "school_id": None,
                                       "until": uow.now + timedelta(seconds=staging.LEASE_SECONDS)}},
                             upsert=True, session=uow.session)
    return uow.now if staging.step(uow, import_id) else None
