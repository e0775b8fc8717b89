"""Nothing half-applied: an import whose importer dies is invisible until its commit
point, and is rolled back (before it) or finished (after it) by the roster worker's
timer or by the next import."""
import time
from datetime import timedelta

import pytest

from roster_support import MATRIX, counts, write_bundle
from services.common import timers
from services.common.store import OUTBOX, Store, utcnow
from services.roster.adapters import staging
from services.roster.entrypoints.handlers import TIMERS
from services.roster.application.imports import import_bundle
from services.roster.adapters.repository import IMPORTS, LOCKS, PEOPLE

CHANGED = {**MATRIX,
           "users.csv": MATRIX["users.csv"].replace("g1@example.org", "gia@example.org")
           + "st5,active,,true,s1,student,st5,,Eve,Delta,,,,,,g2,04,,\n",
           "enrollments.csv": MATRIX["enrollments.csv"] + "e8,active,,c2,s1,st5,student,false,,\n"}


class Crash(BaseException):
    """The importer process dies (nothing it could catch)."""


@pytest.fixture
def baseline(roster, matrix_bundle, tmp_path):
    settings, store = roster
    import_bundle(store, matrix_bundle)
    return store, write_bundle(tmp_path / "changed", CHANGED), counts(store.db)


def crash_at(monkeypatch, method):
    def die(self, *a, **k):
        raise Crash()
    monkeypatch.setattr(staging.StagedImport, method, die)
    monkeypatch.setattr(staging.StagedImport, "abort", lambda self: None)  # no chance to clean up,
    monkeypatch.setattr(staging, "release_lock", lambda *a, **k: None)      # nor to let go of the lock


def fire_timers(store, seconds: float = 120) -> None:
    """Run the roster worker's due timers as seen from a clock `seconds` ahead (leases
    lapse, timers fall due), until none is left."""
    host, port = store.client.address
    ahead = Store(f"mongodb://{host}:{port}/", store.db.name, service="roster",
                  clock=lambda: utcnow() + timedelta(seconds=seconds))
    try:
        runner = timers.TimerRunner(ahead, TIMERS)
        for _ in range(50):
            if not runner.fire_due():
                return
    finally:
        ahead.client.close()


def test_crash_before_commit_is_invisible_then_rolled_back_by_the_timer(baseline, monkeypatch, client_for):
    store, changed, before = baseline
    outbox_before = store.db[OUTBOX].count_documents({})
    crash_at(monkeypatch, "commit")
    with pytest.raises(Crash):
        import_bundle(store, changed)
    monkeypatch.undo()
    imp = store.db[IMPORTS].find_one({"status": "staging"})
    assert imp is not None
    raw = store.db[PEOPLE].find_one({"_id": "d-matrix~g1"})
    assert raw["email"] == "gia@example.org" and raw["import_id"] == imp["_id"]  # written, but staged
    admin, guardian = client_for("district_admin", "a0"), client_for("guardian", "d-matrix~g1")
    assert guardian.get("/me").get_json()["person"]["email"] == "g1@example.org"  # readers see the old version
    assert admin.get("/students/d-matrix~st5").status_code == 404
    assert [s["id"] for s in admin.get("/teachers/d-matrix~t2/students").get_json()["items"]] == \
        ["d-matrix~st2"]
    assert store.db[OUTBOX].count_documents({}) == outbox_before  # no event escaped
    fire_timers(store)
    assert store.db[IMPORTS].find_one({"_id": imp["_id"]})["status"] == "aborted"
    assert store.db[PEOPLE].find_one({"_id": "d-matrix~st5"}) is None
    assert store.db[PEOPLE].find_one({"_id": "d-matrix~g1"})["email"] == "g1@example.org"
    after = counts(store.db)
    assert {k: v for k, v in after.items() if k not in ("imports", "timers")} == \
           {k: v for k, v in before.items() if k not in ("imports", "timers")}
    assert store.db[LOCKS].find_one({"_id": "d-matrix"})["import_id"] is None
    # Then the same bundle imports normally.
    assert import_bundle(store, changed)["counts"]["people"] == {"create": 1, "update": 1, "deactivate": 0}
    assert admin.get("/students/d-matrix~st5").status_code == 200


def test_crash_mid_staging_is_rolled_back_by_the_next_import(baseline, monkeypatch):
    store, changed, _ = baseline
    crash_at(monkeypatch, "stage_events")
    with pytest.raises(Crash):
        import_bundle(store, changed, lease=0.2)
    monkeypatch.undo()
    with pytest.raises(staging.ImportBusy):  # the lease has not lapsed yet
        import_bundle(store, changed)
    time.sleep(0.3)
    summary = import_bundle(store, changed)
    assert summary["status"] == "applied" and summary["changes"] == 4  # g1, st5, e8, g2::st5
    statuses = sorted(d["status"] for d in store.db[IMPORTS].find())
    assert statuses == ["aborted", "done", "done"]
    assert store.db[OUTBOX].count_documents({"import_id": summary["import_id"]}) == sum(summary["events"].values())


def test_crash_after_commit_is_finished_by_the_timer(baseline, monkeypatch, client_for):
    store, changed, _ = baseline
    outbox_before = store.db[OUTBOX].count_documents({})
    monkeypatch.setattr(staging, "run_steps", lambda *a, **k: (_ for _ in ()).throw(Crash()))
    with pytest.raises(Crash):
        import_bundle(store, changed)
    monkeypatch.undo()
    imp = store.db[IMPORTS].find_one({"status": "committed"})
    assert imp is not None and imp["released"] == 0
    # Committed: every reader sees the whole import at once ...
    assert client_for("guardian", "d-matrix~g1").get("/me").get_json()["person"]["email"] == "gia@example.org"
    assert client_for("district_admin", "a0").get("/students/d-matrix~st5").status_code == 200
    # ... and its events reach the outbox exactly once, when the worker's timer runs.
    assert store.db[OUTBOX].count_documents({}) == outbox_before
    fire_timers(store)
    done = store.db[IMPORTS].find_one({"_id": imp["_id"]})
    assert done["status"] == "done" and done["released"] == imp["chunks"]
    assert store.db[OUTBOX].count_documents({"import_id": imp["_id"]}) == imp["events"]
    assert store.db["import_chunks"].count_documents({}) == 0
    fire_timers(store, 600)
    assert store.db[OUTBOX].count_documents({"import_id": imp["_id"]}) == imp["events"]
