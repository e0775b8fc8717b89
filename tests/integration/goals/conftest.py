"""Goals integration fixtures: the goals app on a real MongoDB-wire server with an
injectable clock, a roster projection fed by real roster events, and HTTP helpers."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.common.bus import Publisher, Topology
from services.common.catalogue import latest
from services.common.service import Worker, build_app, make_store
from services.common.testing import make_envelope, run_handler
from services.goals import SERVICE
from services.goals.entrypoints.handlers import HANDLERS

UTC = timezone.utc
SCHOOL = {"school_id": "s-1", "name": "Lovett Elementary", "time_zone": "America/Chicago",
          "languages": ["en", "es"], "active": True}
# st-1 (grade 4) with teacher t-1 and guardian g-1; st-2 (another child) with guardian g-2.
ROSTER = [
    ("SchoolUpdated", SCHOOL),
    ("StudentEnrolled", {"student_id": "st-1", "school_id": "s-1", "class_id": "c-1", "teacher_ids": ["t-1"],
                         "grade": "04", "school_year": "2026-2027"}),
    ("StudentEnrolled", {"student_id": "st-2", "school_id": "s-1", "class_id": "c-1", "teacher_ids": ["t-1"],
                         "grade": "04", "school_year": "2026-2027"}),
    ("GuardianLinked", {"guardian_id": "g-1", "student_id": "st-1", "school_id": "s-1"}),
    ("GuardianLinked", {"guardian_id": "g-2", "student_id": "st-2", "school_id": "s-1"}),
]


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def roster_envelopes() -> list[dict]:
    return [make_envelope(name, data, subject=data.get("student_id") or data["school_id"]) for name, data in ROSTER]


class GoalsEnv:
    def __init__(self, settings, store, clock, app, token):
        self.settings, self.store, self.clock, self.app, self._token = settings, store, clock, app, token
        self.db = store.db
        self.worker = None

    def client(self, role: str, sub: str, **kw):
        c = self.app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self._token(role=role, sub=sub, **kw)}"
        return c

    def start_worker(self) -> Worker:
        self.worker = Worker(SERVICE, self.settings, store=self.store).start()
        return self.worker

    def publish(self, name: str, data: dict, **kw) -> dict:
        env = make_envelope(name, data, **kw)
        self.publish_envelope(env)
        return env

    def publish_envelope(self, env: dict) -> None:
        pub = Publisher(self.settings.amqp_url, Topology(self.settings.exchange))
        try:
            pub.publish(env, spec=latest(env["type"].split(".")[-2]))
        finally:
            pub.close()

    @staticmethod
    def roster_envelopes() -> list[dict]:
        return roster_envelopes()

    def seed_roster(self) -> None:
        """Feed the projection without a broker (same ledger and transaction as the consumer)."""
        for env in roster_envelopes():
            run_handler(self.store, HANDLERS, env)


@pytest.fixture
def goals_env(settings_for, token):
    settings = settings_for("goals", extra={"evidence_max_bytes": 300_000})
    clock = Clock(datetime(2026, 10, 5, 15, 0, tzinfo=UTC))
    store = make_store(SERVICE, settings, clock=clock)
    env = GoalsEnv(settings, store, clock, build_app(SERVICE, settings, store=store), token)
    yield env
    if env.worker:
        env.worker.stop()
    store.client.drop_database(settings.mongo_db)
    store.client.close()
