"""Scheduling integration kit: the app on a real MongoDB-wire server with a movable
clock, the roster seeded through the service's own handlers, a worker whose relay
publishes to the real RabbitMQ, and HTTP helpers per role."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.common.service import Worker, build_app, make_store
from services.scheduling import SERVICE
from tests.integration.scheduling.seed import seed

UTC = timezone.utc
NOW = datetime(2026, 10, 1, 15, 0, tzinfo=UTC)
DAYS = ("2026-10-20", "2026-10-21", "2026-10-22")


class Clock:
    def __init__(self, now: datetime = NOW):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def window_body(**overrides) -> dict:
    body = {"school_id": "s-1", "cycle": "2026-fall", "name": "Fall conferences",
            "days": [{"date": DAYS[0], "start": "15:00", "end": "18:00"},
                     {"date": DAYS[1], "start": "16:00", "end": "20:00", "evening": True},
                     {"date": DAYS[2], "start": "15:00", "end": "18:00"}],
            "slot_minutes": 20, "buffer_minutes": 0, "modality": "in_person",
            "booking_opens_at": "2026-10-01T00:00:00Z", "booking_closes_at": "2026-10-19T00:00:00Z",
            "cancellation_cutoff_hours": 24, "policy": "per_household", "travel_gap_minutes": 5,
            "max_idle_minutes": 15, "waitlist": True}
    body.update(overrides)
    return body


def availability(room: str, days=DAYS, start="15:00", end="18:00") -> dict:
    return {"room": room, "ranges": [{"date": d, "start": start if d != DAYS[1] else "16:00",
                                      "end": end if d != DAYS[1] else "20:00"} for d in days]}


class Env:
    def __init__(self, settings, store, clock, token):
        self.settings, self.store, self.clock, self._token = settings, store, clock, token
        self.db = store.db
        self.app = build_app(SERVICE, settings, store=store)
        self.worker: Worker | None = None

    def client(self, role: str, sub: str, school_ids=("s-1",)):
        c = self.app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self._token(role=role, sub=sub, school_ids=school_ids)}"
        return c

    @property
    def admin(self):
        return self.client("school_admin", "adm-1")

    def guardian(self, sub):
        return self.client("guardian", sub, school_ids=())

    def teacher(self, sub):
        return self.client("teacher", sub)

    def start_relay(self) -> Worker:
        self.worker = Worker(SERVICE, self.settings, store=self.store, consume=False, run_timers=False).start()
        return self.worker

    def open_window(self, **overrides) -> str:
        """A window with t-1 in room 101 and t-2 in room 202, opened for booking."""
        resp = self.admin.post("/windows", json=window_body(**overrides))
        assert resp.status_code == 201, resp.get_json()
        wid = resp.get_json()["window_id"]
        for teacher, room in (("t-1", "101"), ("t-2", "202")):
            r = self.teacher(teacher).put(f"/windows/{wid}/availability/{teacher}", json=availability(room))
            assert r.status_code == 200, r.get_json()
        r = self.admin.post(f"/windows/{wid}/open")
        assert r.status_code == 200, r.get_json()
        return wid

    def slots(self, wid, client=None, **query):
        r = (client or self.admin).get(f"/windows/{wid}/slots", query_string=query)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def slot_at(self, wid, teacher, day, hhmm) -> str:
        return next(s["slot_id"] for s in self.slots(wid, teacher_id=teacher, date=day) if s["local_start"] == hhmm)

    def book(self, client, wid, *students, **body):
        return client.post(f"/windows/{wid}/bookings", json={"students": list(students), **body})

    def outbox(self, name: str) -> list[dict]:
        return [d["envelope"] for d in self.db["outbox"].find({"name": name}).sort([("created_at", 1), ("seq", 1)])]


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def env(settings_for, clock, token):
    settings = settings_for("scheduling")
    store = make_store(SERVICE, settings, clock=clock)
    seed(store)
    e = Env(settings, store, clock, token)
    yield e
    if e.worker:
        e.worker.stop()
    store.client.drop_database(store.db.name)
    store.client.close()
