"""A booking rush: 2,000 families, 200 at once, for 500 slots, against the scheduling
app under gunicorn (deploy/gunicorn.conf.py) on a MongoDB-wire server process, vs the
same rush done with raw pymongo conditional update_one calls at the same concurrency,
in the same run.

Each family does what a person does: looks at a teacher's free slots (GET, the first
page a portal shows), takes one of the first three, books it (POST); when someone was
faster (409) it looks again; once that teacher is full it looks at every teacher's free
slots instead; it gives up when no slot is left anywhere. The raw baseline runs the same steps as find +
update_one({_id, booked_by: None}) on a plain collection.

Prints per round and as the median of --rounds (the two rushes alternate first):
rush seconds, bookings (must be exactly the slots), POST booking p50 / p99 (HDR, every
attempt) vs update_one p50 / p99, RATIO = raw rush seconds / system rush seconds, and
the double-booking check over everything booked (zero allowed).

    .venv/bin/python bench/rush.py [--families 2000] [--clients 200] [--rounds 3] [--workers 4]
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Benchmarks run the services with dev secrets, like the tests.
os.environ.setdefault("CONFER_DEV_MODE", "1")

from hdrh.histogram import HdrHistogram  # noqa: E402
from pymongo import ASCENDING, MongoClient  # noqa: E402

from services.common.store import Store  # noqa: E402
from services.common.testing import MongoDaemon, free_port, wait_until  # noqa: E402
from school import TEACHERS, Http, seed, token  # noqa: E402  (bench/school.py)

SLOTS_PER_TEACHER = 50  # 08:00-20:30, 15 minutes: 500 slots in all
DB = "bench_rush"


def open_window(port: int, day) -> str:
    admin, auth, now = Http(port), token("school_admin", "adm-1"), datetime.now(timezone.utc)
    end = (datetime(2000, 1, 1, 8) + timedelta(minutes=15 * SLOTS_PER_TEACHER)).strftime("%H:%M")
    status, win = admin.call("POST", "/windows", auth, {
        "school_id": "s-1", "cycle": "rush", "slot_minutes": 15, "days": [{"date": day, "start": "08:00", "end": end}],
        "booking_opens_at": (now - timedelta(hours=1)).isoformat(),
        "booking_closes_at": (now + timedelta(days=10)).isoformat()})
    assert status == 201, win
    for t in TEACHERS:
        status, out = admin.call("PUT", f"/windows/{win['window_id']}/availability/{t}", auth,
                                 {"room": t, "ranges": [{"date": day, "start": "08:00", "end": end}]})
        assert status == 200 and out["slots"] == SLOTS_PER_TEACHER, out
    status, out = admin.call("POST", f"/windows/{win['window_id']}/open", auth)
    assert status == 200, out
    return win["window_id"]


class SystemFamily:
    """A family against the HTTP API."""

    def __init__(self, port: int, window_id: str):
        self.port, self.window_id = port, window_id

    def client(self):
        return Http(self.port)

    def free(self, conn, i: int, teacher: str | None) -> list[str]:
        q = f"teacher_id={teacher}&free=true" if teacher else "free=true"
        status, slots = conn.call("GET", f"/windows/{self.window_id}/slots?{q}", token("guardian", f"g-{i}", ()))
        assert status == 200, slots
        return [s["slot_id"] for s in slots]

    def claim(self, conn, i: int, slot: str) -> str:
        status, body = conn.call("POST", f"/windows/{self.window_id}/bookings", token("guardian", f"g-{i}", ()),
                                 {"students": [{"student_id": f"st-{i}", "slot_id": slot}]})
        if status == 201:
            return "booked"
        assert status == 409, (status, body)
        return body.get("code", "409")


class RawFamily:
    """The same steps on a plain collection with pymongo."""

    def __init__(self, client: MongoClient, tag: str):
        self.coll = client["bench_rush_raw"][f"slots_{tag}"]
        self.coll.insert_many([{"_id": f"{t}:{k:03d}", "teacher_id": t, "start": k, "booked_by": None}
                               for t in TEACHERS for k in range(SLOTS_PER_TEACHER)])
        self.coll.create_index([("teacher_id", ASCENDING), ("booked_by", ASCENDING), ("start", ASCENDING)])

    def client(self):
        return None

    def free(self, _, i: int, teacher: str | None) -> list[str]:
        q = {"booked_by": None, **({"teacher_id": teacher} if teacher else {})}
        return [d["_id"] for d in self.coll.find(q, {"_id": 1}).sort("start", ASCENDING).limit(SLOTS_PER_TEACHER)]

    def claim(self, _, i: int, slot: str) -> str:
        res = self.coll.update_one({"_id": slot, "booked_by": None}, {"$set": {"booked_by": f"g-{i}"}})
        return "booked" if res.modified_count else "slot_taken"


def rush(side, families: int, clients: int, seed: int) -> tuple[float, HdrHistogram, Counter]:
    hist, lock, outcomes = HdrHistogram(1, 120_000_000, 3), threading.Lock(), Counter()
    queue = iter(range(families))
    barrier = threading.Barrier(clients + 1)

    def family(conn, rng, i):
        teacher = rng.choice(TEACHERS)
        for _ in range(40):
            free = side.free(conn, i, teacher)
            if not free:  # that teacher is full: look at every teacher's free slots
                free = side.free(conn, i, None)
                if not free:
                    return "gave up: full"
            slot = rng.choice(free[:3])
            teacher = slot.split(":")[0]
            t0 = time.perf_counter()
            outcome = side.claim(conn, i, slot)
            with lock:
                hist.record_value(max(1, int((time.perf_counter() - t0) * 1e6)))
                outcomes[f"attempt {outcome}"] += 1
            if outcome == "booked":
                return "booked"
        return "gave up: 40 tries"

    def client(k):
        conn, rng = side.client(), random.Random(seed * 1000 + k)
        barrier.wait()
        while True:
            with lock:
                i = next(queue, None)
            if i is None:
                return
            result = family(conn, rng, i)
            with lock:
                outcomes[result] += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    [t.start() for t in threads]
    barrier.wait()
    t0 = time.perf_counter()
    [t.join() for t in threads]
    return time.perf_counter() - t0, hist, outcomes


def double_bookings(db) -> int:
    active = Counter(b["slot_id"] for b in db["bookings"].find({"status": {"$in": ["booked", "held"]}}, {"slot_id": 1}))
    doubles = sum(c - 1 for c in active.values() if c > 1)
    for slot in db["slots"].find({"booked_by": {"$ne": None}}, {"booked_by": 1}):
        b = db["bookings"].find_one({"_id": slot["booked_by"]}, {"slot_id": 1, "private_slot_id": 1})
        if b is None or slot["_id"] not in (b["slot_id"], b.get("private_slot_id")):
            doubles += 1
    per_family = Counter((b["window_id"], b["guardian_id"]) for b in db["bookings"].find({}, {"window_id": 1,
                                                                                               "guardian_id": 1}))
    return doubles + sum(c - 1 for c in per_family.values() if c > 1)


def ms(h: HdrHistogram, q: float) -> float:
    return h.get_value_at_percentile(q) / 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--families", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = ap.parse_args()
    slots = len(TEACHERS) * SLOTS_PER_TEACHER
    daemon = MongoDaemon().start()
    log = tempfile.NamedTemporaryFile(prefix="bench-rush-gunicorn-", suffix=".log", delete=False)
    proc = None
    try:
        store = Store(daemon.url, DB, service="scheduling")
        from services.scheduling.adapters import repository

        repository.ensure_indexes(store.db)
        store.ensure_indexes()
        t0 = time.perf_counter()
        seed(store, args.families, "Rush Elementary")
        print(f"seeded {args.families} families in {time.perf_counter() - t0:.0f} s", flush=True)
        port = free_port()
        env = {**os.environ, "MONGO_URL": daemon.url, "MONGO_DB": DB, "AMQP_URL": "memory://", "LOG_LEVEL": "WARNING"}
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w",
                                 str(args.workers), "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                                 "services.scheduling:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log)
        wait_until(lambda: _ready(port), timeout=60, message="gunicorn")
        raw = MongoClient(daemon.url, maxPoolSize=args.clients + 10)
        day0 = datetime.now(timezone.utc).date() + timedelta(days=30)
        # warm up both sides on a small rush
        rush(SystemFamily(port, open_window(port, day0.isoformat())), 100, 20, seed=99)
        rush(RawFamily(raw, "warm"), 100, 20, seed=99)
        rows = []
        print(f"\nrush: {args.families} families, {args.clients} at once, {slots} slots; gunicorn -w {args.workers}")
        for r in range(args.rounds):
            wid = open_window(port, (day0 + timedelta(days=r + 1)).isoformat())
            sides = [("sys", SystemFamily(port, wid)), ("raw", RawFamily(raw, f"r{r}"))]
            res = {}
            for name, side in (sides if r % 2 else sides[::-1]):
                elapsed, hist, outcomes = rush(side, args.families, args.clients, seed=r)
                assert outcomes["booked"] == slots, (name, outcomes)
                res[name] = (elapsed, ms(hist, 50), ms(hist, 99), outcomes)
            booked = store.db["bookings"].count_documents({"window_id": wid})
            ratio = res["raw"][0] / res["sys"][0]
            rows.append((ratio, res, booked))
            print(f"round {r + 1}: system {res['sys'][0]:6.1f} s (POST p50 {res['sys'][1]:6.1f} ms, p99 "
                  f"{res['sys'][2]:6.1f} ms) | raw {res['raw'][0]:6.1f} s (update_one p50 {res['raw'][1]:5.1f} ms, "
                  f"p99 {res['raw'][2]:6.1f} ms) | RATIO {ratio:.2f}x | bookings stored {booked} | "
                  f"{dict(res['sys'][3])} | load {os.getloadavg()[0]:.1f}", flush=True)
        doubles = double_bookings(store.db)
        ratio, res, booked = sorted(rows, key=lambda x: x[0])[len(rows) // 2]
        p99s = [x[1]["sys"][2] for x in rows]
        print(f"\nMEDIAN round: rush {res['sys'][0]:.1f} s ({slots / res['sys'][0]:.0f} bookings/s; POST p50 "
              f"{res['sys'][1]:.0f} ms, p99 {res['sys'][2]:.0f} ms) vs raw update_one {res['raw'][0]:.1f} s "
              f"({slots / res['raw'][0]:.0f} claims/s; p99 {res['raw'][2]:.0f} ms) -> RATIO {ratio:.2f}x")
        print(f"p99 target < 250 ms: {'MET' if statistics.median(p99s) < 250 else 'NOT MET'} "
              f"(median p99 {statistics.median(p99s):.0f} ms); double bookings: {doubles} "
              f"({store.db['bookings'].count_documents({})} bookings checked)")
        return 0 if doubles == 0 else 1
    finally:
        if proc:
            proc.terminate()
            proc.wait(20)
        daemon.cleanup()
        print(f"(gunicorn log: {log.name})")


def _ready(port) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
