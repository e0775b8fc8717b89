"""A booking rush against the real thing: the scheduling app under gunicorn (4 worker
processes) on a MongoDB-wire server process. 200 families, each with its own HTTP
client, press "book" at the same instant for 20 slots: exactly 20 win, every other one
gets a 409 problem+json naming the slot, and the database holds exactly 20 bookings."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from services.common.auth import mint
from services.common.config import DEV_JWT_SECRET
from services.common.store import Store
from services.common.testing import MongoDaemon, free_port, wait_until
from services.scheduling.adapters import repository
from tests.integration.scheduling.seed import seed

ROOT = Path(__file__).resolve().parents[3]
FAMILIES, SLOTS = 200, 20


def token(role, sub, school_ids=("s-1",)):
    return mint(DEV_JWT_SECRET, sub=sub, role=role, district_id="d-1", school_ids=school_ids)


@pytest.fixture(scope="module")
def mongo():
    daemon = MongoDaemon().start()
    yield daemon
    daemon.cleanup()


@pytest.fixture(scope="module")
def server(mongo, tmp_path_factory):
    """The web app in its own gunicorn process, on a database seeded through the
    service's own event handlers."""
    db_name = "e2e_scheduling"
    store = Store(mongo.url, db_name, service="scheduling")
    repository.ensure_indexes(store.db)
    students = {f"st-{i}": ("t-1", [f"g-{i}"]) for i in range(FAMILIES)}
    seed(store, students=students, people={"t-1": ("teacher", "Laura", "Lee")})
    port = free_port()
    env = {**os.environ, "MONGO_URL": mongo.url, "MONGO_DB": db_name, "AMQP_URL": "memory://", "LOG_LEVEL": "WARNING"}
    log = open(tmp_path_factory.mktemp("gunicorn") / "scheduling.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w", "4",
                             "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                             "services.scheduling:create_app()"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _ready(base), timeout=30, message="gunicorn ready")
        yield base, store
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
        store.client.close()


def _ready(base):
    try:
        return requests.get(f"{base}/readyz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def open_window(base) -> tuple[str, list[str]]:
    """A window starting in two weeks with exactly 20 slots for t-1 (one day 15:00-21:40)."""
    admin = {"Authorization": f"Bearer {token('school_admin', 'adm-1')}"}
    now = datetime.now(timezone.utc)
    day = (now + timedelta(days=14)).date().isoformat()
    body = {"school_id": "s-1", "cycle": "e2e", "days": [{"date": day, "start": "15:00", "end": "21:40"}],
            "slot_minutes": 20, "booking_opens_at": (now - timedelta(hours=1)).isoformat(),
            "booking_closes_at": (now + timedelta(days=10)).isoformat()}
    r = requests.post(f"{base}/windows", json=body, headers=admin, timeout=10)
    assert r.status_code == 201, r.text
    wid = r.json()["window_id"]
    r = requests.put(f"{base}/windows/{wid}/availability/t-1", headers=admin, timeout=10,
                     json={"room": "101", "ranges": [{"date": day, "start": "15:00", "end": "21:40"}]})
    assert r.status_code == 200 and r.json()["slots"] == SLOTS, r.text
    assert requests.post(f"{base}/windows/{wid}/open", headers=admin, timeout=30).status_code == 200
    slots = requests.get(f"{base}/windows/{wid}/slots", headers=admin, timeout=10).json()
    return wid, [s["slot_id"] for s in slots]


def test_two_hundred_families_rush_twenty_slots(server):
    base, store = server
    wid, slot_ids = open_window(base)
    assert len(slot_ids) == SLOTS
    barrier = threading.Barrier(FAMILIES)
    results: list[tuple[int, str, dict]] = [None] * FAMILIES

    def family(i: int) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {token('guardian', f'g-{i}', ())}"
            slot = slot_ids[i % SLOTS]
            barrier.wait()
            r = http.post(f"{base}/windows/{wid}/bookings", timeout=60,
                          json={"students": [{"student_id": f"st-{i}", "slot_id": slot}]})
            results[i] = (r.status_code, r.headers.get("Content-Type", ""), r.json())

    threads = [threading.Thread(target=family, args=(i,)) for i in range(FAMILIES)]
    started = time.monotonic()
    [t.start() for t in threads]
    [t.join(120) for t in threads]
    elapsed = time.monotonic() - started

    statuses = Counter(r[0] for r in results)
    assert statuses == {201: SLOTS, 409: FAMILIES - SLOTS}, statuses
    for status, ctype, body in results:
        if status == 409:
            assert ctype.startswith("application/problem+json")
            assert body["code"] in ("slot_taken", "slot_contended") and body["status"] == 409
            assert body["slot_id"] in slot_ids or body.get("slot_ids"), body
    winners = [body["bookings"][0] for status, _, body in results if status == 201]
    assert sorted(b["slot_id"] for b in winners) == sorted(slot_ids)  # every slot once
    db = store.db
    assert db["bookings"].count_documents({"window_id": wid}) == SLOTS
    assert db["bookings"].count_documents({"window_id": wid, "status": "booked"}) == SLOTS
    assert len(db["bookings"].distinct("slot_id", {"window_id": wid})) == SLOTS
    for slot in db["slots"].find({"window_id": wid}):
        assert db["bookings"].find_one({"_id": slot["booked_by"]})["slot_id"] == slot["_id"]
    assert db["outbox"].count_documents({"name": "ConferenceBooked"}) == SLOTS
    # one reminder timer per conference time, made with the slots; every booking is in it
    assert db["timers"].count_documents({"kind": "reminders", "status": "pending"}) == SLOTS
    assert db["bookings"].count_documents({"window_id": wid, "reminder": "shared"}) == SLOTS
    print(f"\n{FAMILIES} families, {SLOTS} slots: {dict(statuses)} in {elapsed:.2f}s; "
          f"409 codes {dict(Counter(r[2].get('code') for r in results if r[0] == 409))}")
