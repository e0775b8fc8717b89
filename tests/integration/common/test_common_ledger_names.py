"""The processed-events ledger knows a handler by its declared name: entries stored under
the former module-path keys are moved over when the worker starts, and a handler moved
to another module or function keeps its events handled."""
import types
from datetime import datetime, timezone

from services.common.consumer import Dispatcher
from services.common.service import Worker
from services.common.store import LEDGER, Store
from services.common.testing import make_envelope, run_handler
from services.common.wiring import handler, migrate_ledger
from services.goals import SERVICE as GOALS

SCHOOL = {"school_id": "s-1", "name": "Lovett", "time_zone": "America/Chicago", "languages": ["en"], "active": True}
OLD_KEY = "services.common.policy.on_school_updated"  # what the ledger stored before names were declared
PROCESSED_AT = datetime(2026, 10, 1, 12, 0, tzinfo=timezone.utc)


def school_event(i: int) -> dict:
    return make_envelope("SchoolUpdated", dict(SCHOOL, school_id=f"s-{i}"), subject=f"s-{i}")


def old_entry(event_id: str, old: str = OLD_KEY) -> dict:
    return {"_id": f"{event_id}:{old}", "event_id": event_id, "handler": old, "processed_at": PROCESSED_AT}


def test_an_event_handled_under_its_old_key_is_not_run_again_once_the_worker_started(settings_for):
    settings = settings_for("goals")
    store = Store(settings.mongo_url, settings.mongo_db, service="goals")
    handled, fresh = school_event(1), school_event(2)
    try:
        store.ensure_indexes()
        store.db[LEDGER].insert_one(old_entry(handled["id"]))

        worker = Worker(GOALS, settings, relay=False, run_timers=False).start()  # migrates before consuming
        worker.stop()

        assert list(store.db[LEDGER].find({}, {"_id": 1, "handler": 1, "processed_at": 1})) == [
            {"_id": f"{handled['id']}:roster_projection.school_updated", "handler": "roster_projection.school_updated",
             "processed_at": PROCESSED_AT}]
        handlers = GOALS.handlers()
        assert run_handler(store, handlers, handled) == "duplicate"
        assert store.db["proj_schools"].count_documents({}) == 0  # the projection did not run again
        assert run_handler(store, handlers, fresh) == "processed"  # while a new event is handled
        assert store.db["proj_schools"].find_one({"_id": "s-2"})["name"] == "Lovett"
    finally:
        store.client.drop_database(settings.mongo_db)
        store.client.close()


def test_the_migration_can_run_again_and_finish_what_a_crash_left(make_store):
    store = make_store("goals")
    store.ensure_indexes()
    renames = {OLD_KEY: "roster_projection.school_updated", "services.goals.entrypoints.handlers.on_conference_held":
               "goals.conference_held"}
    store.db[LEDGER].insert_many([
        old_entry("e-1"),
        old_entry("e-2"), {"_id": "e-2:roster_projection.school_updated", "event_id": "e-2",  # copied, not deleted
                           "handler": "roster_projection.school_updated", "processed_at": PROCESSED_AT},
        old_entry("e-3", "services.goals.entrypoints.handlers.on_conference_held"),
        {"_id": "e-4:other", "event_id": "e-4", "handler": "other", "processed_at": PROCESSED_AT},
    ])
    assert migrate_ledger(store.db, renames, batch=2) == 3
    assert migrate_ledger(store.db, renames) == 0
    assert sorted(d["_id"] for d in store.db[LEDGER].find()) == [
        "e-1:roster_projection.school_updated", "e-2:roster_projection.school_updated", "e-3:goals.conference_held",
        "e-4:other"]


MOVED = '''
from services.common.wiring import handler

@handler("test.record_school")
def remember_school(event, uow):  # the same handler, moved and renamed
    uow.db["seen"].insert_one({"event_id": event.id, "by": "moved"}, session=uow.session)
'''


def test_moving_a_handler_does_not_run_its_events_again(make_store):
    store = make_store("goals")
    store.ensure_indexes()

    @handler("test.record_school")
    def record_school(event, uow):
        uow.db["seen"].insert_one({"event_id": event.id, "by": "original"}, session=uow.session)

    elsewhere = types.ModuleType("services.elsewhere.handlers")
    exec(MOVED, elsewhere.__dict__)
    moved = elsewhere.remember_school
    assert (moved.__module__, moved.__qualname__) != (record_school.__module__, record_school.__qualname__)

    first, second = school_event(1), school_event(2)
    assert run_handler(store, {"SchoolUpdated": [record_school]}, first) == "processed"
    assert run_handler(store, {"SchoolUpdated": [moved]}, first) == "duplicate"
    assert Dispatcher(store, {"SchoolUpdated": [moved]}).dispatch_batch([first]) is None  # the batch path too
    assert run_handler(store, {"SchoolUpdated": [moved]}, second) == "processed"
    assert sorted((d["event_id"], d["by"]) for d in store.db["seen"].find()) == sorted(
        [(first["id"], "original"), (second["id"], "moved")])
