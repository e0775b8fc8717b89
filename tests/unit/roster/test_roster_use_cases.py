"""Finishing imports whose importer went away (recovery and the roster worker's timer),
on the in-memory store: which imports are rolled back or forward, when the timer fires
again, and that a live importer is left alone. The bounded steps themselves (staging)
run against the real server in tests/integration/roster/test_roster_recovery.py; here
they are recorded."""
from datetime import datetime, timedelta, timezone

import pytest

from services.common.fake_store import FakeStore
from services.roster.adapters import staging
from services.roster.application import recovery
from services.roster.entrypoints.handlers import STEPS_PER_FIRING, on_import_timer

from tests.unit.roster.fakes import attach_fakes

T0 = datetime(2026, 9, 1, 8, tzinfo=timezone.utc)
LEASE = timedelta(seconds=staging.LEASE_SECONDS)


@pytest.fixture
def store():
    return FakeStore("roster", repositories=attach_fakes, clock=lambda: T0)


@pytest.fixture
def steps(monkeypatch):
    """staging.step recorded: (import id, status when stepped); `more` steps remain."""
    calls, more = [], {"n": 0}

    def step(uow, import_id):
        calls.append((import_id, uow.imports.get(import_id)["status"]))
        more["n"] -= 1
        return more["n"] > 0

    monkeypatch.setattr(staging, "step", step)
    return calls, more


def imports(store, **statuses):
    store.data["imports"] = {i: {"_id": i, "district_id": "d-1", "status": s} for i, s in statuses.items()}


def lock(store, import_id, until):
    store.data["import_locks"] = {"d-1": {"_id": "d-1", "import_id": import_id, "until": until}}


def fire(store, import_id):
    timer = {"_id": staging.timer_key(import_id), "payload": {"import_id": import_id}, "district_id": "d-1"}
    store.atomic(lambda uow: on_import_timer(uow, timer))
    return store.data.get("timers", {}).get(timer["_id"])


def test_a_timer_of_an_unknown_or_finished_import_stops(store, steps):
    imports(store, **{"imp-1": "done", "imp-2": "aborted"})
    for import_id in ("imp-0", "imp-1", "imp-2"):
        assert store.atomic(lambda uow: recovery.timer_step(uow, import_id)) is None
        assert fire(store, import_id) is None
    assert steps[0] == [] and not store.data.get("import_locks")


def test_a_staging_import_whose_importer_renews_its_lease_is_left_alone(store, steps):
    imports(store, **{"imp-1": "staging"})
    lock(store, "imp-1", T0 + timedelta(seconds=20))
    assert fire(store, "imp-1")["due_at"] == T0 + timedelta(seconds=25)
    assert store.data["imports"]["imp-1"]["status"] == "staging" and steps[0] == []


def test_an_import_waits_while_another_importer_holds_the_district(store, steps):
    imports(store, **{"imp-1": "committed"})
    lock(store, "imp-2", T0 + timedelta(seconds=40))
    assert store.atomic(lambda uow: recovery.timer_step(uow, "imp-1")) == T0 + timedelta(seconds=45)
    assert store.data["import_locks"]["d-1"]["import_id"] == "imp-2" and steps[0] == []


def test_a_staging_import_whose_lease_lapsed_is_rolled_back_holding_the_district(store, steps):
    calls, more = steps
    more["n"] = 2  # two steps to its end
    imports(store, **{"imp-1": "staging"})
    lock(store, "imp-1", T0 - timedelta(seconds=1))
    assert fire(store, "imp-1") is None  # finished within one firing
    assert calls == [("imp-1", "aborting"), ("imp-1", "aborting")]
    held = store.data["import_locks"]["d-1"]
    assert (held["import_id"], held["until"]) == ("imp-1", T0 + LEASE)


def test_a_committed_import_rolls_forward_a_few_steps_per_firing(store, steps):
    calls, more = steps
    more["n"] = 100
    imports(store, **{"imp-1": "committed"})
    lock(store, "imp-1", T0 + timedelta(seconds=20))  # its own importer's lock: it finishes it anyway
    assert fire(store, "imp-1")["due_at"] == T0  # more to do: fire again at once
    assert calls == [("imp-1", "committed")] * STEPS_PER_FIRING
    assert store.data["imports"]["imp-1"]["status"] == "committed"


def test_recovery_rolls_back_or_forward_every_other_unfinished_import_of_the_district(store, monkeypatch):
    imports(store, **{"imp-3": "staging", "imp-1": "staging", "imp-2": "committed", "imp-4": "done",
                      "imp-5": "aborting"})
    store.data["imports"]["imp-9"] = {"_id": "imp-9", "district_id": "d-2", "status": "staging"}
    ran = []

    def run_steps(_store, import_id):
        ran.append((import_id, store.data["imports"][import_id]["status"]))
        return "rolled"

    monkeypatch.setattr(staging, "run_steps", run_steps)
    outcomes = recovery.recover_locked(store, "d-1", holder="imp-3")
    assert ran == [("imp-1", "aborting"), ("imp-2", "committed"), ("imp-5", "aborting")]
    assert outcomes == [("imp-1", "rolled"), ("imp-2", "rolled"), ("imp-5", "rolled")]
    assert store.data["imports"]["imp-3"]["status"] == "staging"  # the caller's own import
    assert store.data["imports"]["imp-9"]["status"] == "staging"  # another district's
