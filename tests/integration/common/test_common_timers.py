"""Durable timers on the real MongoDB-wire server: claimed in batches with a lease, fired
concurrently and exactly once, never fired once moved or cancelled after the claim, a
lapsed claim taken over, a failing callback retried later."""
import threading
import time
from datetime import datetime, timedelta, timezone

from services.common import timers
from services.common.timers import TimerRunner

NOW = datetime(2026, 10, 12, 17, 0, tzinfo=timezone.utc)


def make(make_store, clock=lambda: NOW):
    store = make_store("scheduling", clock=clock)
    store.on_indexes(timers.ensure_indexes)
    store.ensure_indexes()
    return store


def schedule(store, key, due, kind="ping"):
    store.atomic(lambda uow: timers.schedule(uow, key, kind, due, {"n": key}, district_id="d-1", school_id="s-1"))


def test_due_timers_fire_once_each_on_a_pool_of_threads(make_store):
    store = make(make_store)
    seen, threads, lock = [], set(), threading.Lock()

    def ping(uow, timer):
        time.sleep(0.05)  # long enough that a pool of four overlaps
        with lock:
            seen.append(timer["payload"]["n"])
            threads.add(threading.current_thread().name)
        uow.emit("SchoolUpdated", {"school_id": timer["payload"]["n"], "name": "x", "time_zone": "UTC",
                                   "languages": ["en"], "active": True})

    for i in range(40):
        schedule(store, f"t-{i}", NOW - timedelta(seconds=1))
    schedule(store, "later", NOW + timedelta(hours=1))
    runner = TimerRunner(store, {"ping": ping}, concurrency=4, batch=25)
    assert runner.fire_due() == 25 and runner.fire_due() == 15 and runner.fire_due() == 0
    assert sorted(seen) == sorted(f"t-{i}" for i in range(40)) and len(threads) > 1
    assert store.db["outbox"].count_documents({}) == 40  # each callback's events, committed with it
    assert store.db["timers"].find_one({"_id": "later"})["status"] == "pending"


def test_a_timer_moved_or_cancelled_after_the_claim_does_not_fire(make_store):
    store = make(make_store)
    fired = []
    for key in ("moved", "cancelled", "kept"):
        schedule(store, key, NOW - timedelta(seconds=1))
    runner = TimerRunner(store, {"ping": lambda uow, t: fired.append(t["_id"])}, concurrency=1)
    claimed = runner.claim()
    assert {t["_id"] for t in claimed} == {"moved", "cancelled", "kept"}
    schedule(store, "moved", NOW + timedelta(days=1))  # a rescheduled booking moves its reminder
    store.atomic(lambda uow: timers.cancel(uow, "cancelled"))
    assert [runner.fire(t) for t in sorted(claimed, key=lambda t: t["_id"])] == [False, True, False]
    assert fired == ["kept"]
    assert store.db["timers"].find_one({"_id": "moved"})["status"] == "pending"


def test_a_claim_whose_worker_died_is_taken_over_after_its_lease(make_store):
    clock = {"now": NOW}
    store = make(make_store, clock=lambda: clock["now"])
    schedule(store, "t-1", NOW - timedelta(seconds=1))
    dead = TimerRunner(store, {"ping": lambda uow, t: None}, lease_seconds=30)
    assert len(dead.claim()) == 1  # ...and its worker dies before firing
    fired = []
    alive = TimerRunner(store, {"ping": lambda uow, t: fired.append(t["_id"])}, lease_seconds=30)
    assert alive.fire_due() == 0  # the lease still holds
    clock["now"] = NOW + timedelta(seconds=31)
    assert alive.fire_due() == 1 and fired == ["t-1"]


def test_a_callback_that_raises_is_retried_later_then_fires(make_store):
    clock = {"now": NOW}
    store = make(make_store, clock=lambda: clock["now"])
    schedule(store, "t-1", NOW - timedelta(seconds=1))
    calls = []

    def flaky(uow, timer):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("not yet")

    runner = TimerRunner(store, {"ping": flaky})
    assert runner.fire_due() == 0
    doc = store.db["timers"].find_one({"_id": "t-1"})
    assert doc["status"] == "pending" and doc["tries"] == 1 and "not yet" in doc["last_error"]
    assert runner.fire_due() == 0  # waits its back-off
    clock["now"] = doc["due_at"]
    assert runner.fire_due() == 1 and len(calls) == 2
    assert store.db["timers"].find_one({"_id": "t-1"})["status"] == "fired"
