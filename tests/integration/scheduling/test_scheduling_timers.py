"""Durable timers with two workers sharing one database and an injected clock: each
reminder (24 h before) and follow-up (14 days after) fires exactly once; a rescheduled
booking's reminder moves with it; a cancelled booking's never fires; the nudge reaches
only families still to book."""
import threading
from datetime import timedelta

import pytest

from services.common.service import Worker
from services.common.store import Store
from services.common.testing import wait_until
from services.common.timers import TimerRunner
from services.scheduling import SERVICE
from services.scheduling.entrypoints.handlers import TIMERS
from tests.integration.scheduling.conftest import DAYS


@pytest.fixture
def twin(env, clock):
    """A second Store on the same database: another worker process's view."""
    other = Store(env.settings.mongo_url, env.db.name, service="scheduling", clock=clock)
    yield other
    other.client.close()


def fire_concurrently(*stores) -> int:
    """Both runners race over every due timer at once; returns how many fired in total."""
    barrier, fired = threading.Barrier(len(stores)), []

    def run(store):
        barrier.wait()
        fired.append(TimerRunner(store, TIMERS).fire_due())

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return sum(fired)


def events(env, name):
    return [e["data"] for e in env.outbox(name)]


def test_reminders_fire_once_move_with_reschedule_and_never_when_cancelled(env, clock, twin):
    wid = env.open_window()
    book = lambda g, s, day, hhmm: env.book(env.guardian(g), wid, {"student_id": s, "slot_id": env.slot_at(
        wid, "t-1", day, hhmm)}).get_json()["bookings"][0]
    stays = book("g-4", "st-4", DAYS[0], "15:00")
    moves = book("g-3a", "st-3", DAYS[0], "15:20")
    cancelled = book("g-3b", "st-3", DAYS[0], "15:40")
    assert env.guardian("g-3b").post(f"/bookings/{cancelled['booking_id']}/cancel").status_code == 200
    r = env.guardian("g-3a").post(f"/bookings/{moves['booking_id']}/reschedule",
                                  json={"slot_id": env.slot_at(wid, "t-1", DAYS[2], "15:00")})
    assert r.status_code == 200
    assert fire_concurrently(env.store, twin) == 0  # nothing due yet

    clock.now = env.db["bookings"].find_one({"_id": stays["booking_id"]})["start"] - timedelta(hours=24)
    for _ in range(3):  # repeated polls of both workers
        fire_concurrently(env.store, twin)
    assert [e["booking_id"] for e in events(env, "ConferenceReminderDue")] == [stays["booking_id"]]

    clock.now += timedelta(days=2)  # the moved booking's new day, 24 h before
    for _ in range(3):
        fire_concurrently(env.store, twin)
    reminders = events(env, "ConferenceReminderDue")
    assert [e["booking_id"] for e in reminders] == [stays["booking_id"], moves["booking_id"]]
    assert reminders[1]["start"].startswith("2026-10-22T20:00")
    assert cancelled["booking_id"] not in {e["booking_id"] for e in reminders}


def test_follow_up_fires_once_fourteen_days_after_held_with_two_workers(env, clock):
    wid = env.open_window()
    b = env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "16:00")}
                 ).get_json()["bookings"][0]
    start = env.db["bookings"].find_one({"_id": b["booking_id"]})["start"]
    clock.now = start + timedelta(minutes=30)
    assert env.teacher("t-1").post(f"/bookings/{b['booking_id']}/outcome", json={"outcome": "held"}).status_code == 200
    # two real worker processes' timer loops (threads here), each with its own client
    workers = [Worker(SERVICE, env.settings, store=s, relay=False, consume=False).start()
               for s in (env.store, Store(env.settings.mongo_url, env.db.name, service="scheduling", clock=clock))]
    try:
        clock.now = start + timedelta(days=13, hours=23)
        threading.Event().wait(2.5)
        assert events(env, "FollowUpDue") == []
        clock.now = start + timedelta(days=14)
        wait_until(lambda: events(env, "FollowUpDue"), timeout=10, message="FollowUpDue")
        threading.Event().wait(2.5)  # both loops polled again: still exactly one
        [follow] = events(env, "FollowUpDue")
        assert follow["booking_id"] == b["booking_id"] and follow["guardian_ids"] == ["g-4"]
        assert follow["due_at"].startswith("2026-11-03T21:00")
        assert len(events(env, "ConferenceReminderDue")) == 0  # held before anyone polled: no stale reminder
    finally:
        for w in workers:
            w.stop()
        workers[1].store.client.close()


def test_nudge_goes_once_to_families_still_to_book(env, clock, twin):
    wid = env.open_window()
    env.book(env.guardian("g-4"), wid, {"student_id": "st-4"})
    env.book(env.guardian("g-1"), wid, {"student_id": "st-1"}, {"student_id": "st-2"})
    env.book(env.guardian("g-1"), wid, {"student_id": "st-1"})  # 409, already booked
    clock.now += timedelta(days=3)
    for _ in range(2):
        fire_concurrently(env.store, twin)
    nudges = [e for e in events(env, "InvitationDue") if e["nudge"]]
    assert sorted(e["guardian_id"] for e in nudges) == ["g-3a", "g-3b"]
    assert all(e["student_ids"] == ["st-3"] for e in nudges)
