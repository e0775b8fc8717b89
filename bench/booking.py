"""Booking throughput and latency, against raw pymongo on the same server, same run.

The scheduling app runs under gunicorn (deploy/gunicorn.conf.py, -w 4) on a MongoDB-wire
server process (SecantusDB); the baseline is raw pymongo conditional update_one calls
({_id, booked_by: None} -> $set) on the same server with the same concurrency. Prints:
  * burst: CLIENTS concurrent clients (each its own keep-alive HTTP connection) book N
    distinct (child, slot) pairs -> bookings/s and p50/p99; the baseline claims N
    documents -> updates/s and p50/p99; RATIO = bookings/s / updates/s. Rounds alternate
    the two; the median round is quoted.
  * fixed arrival rate (open loop, HDR histogram, latency from the intended send time so
    queueing is not hidden): p50/p99 of booking vs raw update at RATE per second.
  * rush: CLIENTS families press "book" at once for 20 slots; the database is then
    checked for double bookings (zero allowed) over everything the run booked.

    .venv/bin/python bench/booking.py [--clients 200] [--n 1000] [--rounds 3] [--rate 40] [--seconds 10]
"""
from __future__ import annotations

import argparse
import http.client
import os
import queue
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
from pymongo import MongoClient  # noqa: E402

from services.common.store import Store  # noqa: E402
from services.common.testing import MongoDaemon, free_port, wait_until  # noqa: E402
from services.scheduling.adapters import repository  # noqa: E402
from school import TEACHERS, Http, seed, token  # noqa: E402  (bench/school.py)

DB = "bench_scheduling"


class Window:
    """A fresh window per phase (its own days), with every teacher's slots published."""

    def __init__(self, port: int, first_day, days: int, end="20:00"):
        admin = Http(port)
        auth = token("school_admin", "adm-1")
        now = datetime.now(timezone.utc)
        dates = [(first_day + timedelta(days=d)).isoformat() for d in range(days)]
        body = {"school_id": "s-1", "cycle": "bench", "slot_minutes": 15,
                "days": [{"date": d, "start": "08:00", "end": end} for d in dates],
                "booking_opens_at": (now - timedelta(hours=1)).isoformat(),
                "booking_closes_at": (now + timedelta(days=10)).isoformat()}
        status, win = admin.call("POST", "/windows", auth, body)
        assert status == 201, win
        self.id = win["window_id"]
        for t in TEACHERS:
            status, out = admin.call("PUT", f"/windows/{self.id}/availability/{t}", auth,
                                     {"room": t, "ranges": [{"date": d, "start": "08:00", "end": end} for d in dates]})
            assert status == 200, out
        status, out = admin.call("POST", f"/windows/{self.id}/open", auth)
        assert status == 200, out
        status, slots = admin.call("GET", f"/windows/{self.id}/slots", auth)
        self.slots = [s["slot_id"] for s in slots]


def burst(clients: int, jobs: list, do) -> tuple[float, HdrHistogram, Counter]:
    """Closed loop: `clients` threads take jobs as fast as they can."""
    hist, lock, outcomes = HdrHistogram(1, 120_000_000, 3), threading.Lock(), Counter()
    it, barrier = iter(jobs), threading.Barrier(clients + 1)

    def client(k):
        ctx = do.setup(k)
        barrier.wait()
        while True:
            with lock:
                job = next(it, None)
            if job is None:
                return
            t0 = time.perf_counter()
            outcome = do.run(ctx, job)
            us = int((time.perf_counter() - t0) * 1e6)
            with lock:
                hist.record_value(max(us, 1))
                outcomes[outcome] += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    [t.start() for t in threads]
    barrier.wait()
    t0 = time.perf_counter()
    [t.join() for t in threads]
    return time.perf_counter() - t0, hist, outcomes


def fixed_rate(clients: int, jobs: list, do, rate: float) -> tuple[HdrHistogram, Counter]:
    """Open loop: job k is due at k/rate; latency counts from when it was due."""
    hist, lock, outcomes = HdrHistogram(1, 120_000_000, 3), threading.Lock(), Counter()
    q: queue.Queue = queue.Queue()

    def client(k):
        ctx = do.setup(k)
        while (item := q.get()) is not None:
            due, job = item
            outcome = do.run(ctx, job)
            us = int((time.perf_counter() - due) * 1e6)
            with lock:
                hist.record_value(max(us, 1))
                outcomes[outcome] += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    [t.start() for t in threads]
    time.sleep(0.5)
    start = time.perf_counter()
    for k, job in enumerate(jobs):
        due = start + k / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        q.put((due, job))
    for _ in threads:
        q.put(None)
    [t.join() for t in threads]
    return hist, outcomes


class Booking:
    def __init__(self, port, window_id):
        self.port, self.window_id = port, window_id

    def setup(self, k):
        return Http(self.port)

    def run(self, conn, job):
        student, slot = job
        status, body = conn.call("POST", f"/windows/{self.window_id}/bookings", token("guardian", f"g-{student}", ()),
                                 {"students": [{"student_id": f"st-{student}", "slot_id": slot}]})
        return status if status != 409 else f"409 {body.get('code')}"


class RawClaim:
    def __init__(self, coll):
        self.coll = coll

    def setup(self, k):
        return None

    def run(self, _, slot_id):
        res = self.coll.update_one({"_id": slot_id, "booked_by": None}, {"$set": {"booked_by": f"b-{slot_id}"}})
        return "claimed" if res.modified_count else "taken"


def raw_collection(client, n: int, tag: str):
    coll = client["bench_raw"][f"slots_{tag}"]
    coll.insert_many([{"_id": f"{tag}-{i}", "window_id": tag, "booked_by": None} for i in range(n)])
    return coll, [f"{tag}-{i}" for i in range(n)]


def ms(hist, q) -> float:
    return hist.get_value_at_percentile(q) / 1000


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clients", type=int, default=200)
    p.add_argument("--n", type=int, default=1000, help="bookings per burst round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rate", type=float, default=40.0, help="fixed arrival rate, per second")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--workers", type=int, default=4)
    args = p.parse_args()
    fixed_n = int(args.rate * args.seconds)
    students = max(args.n, fixed_n, args.clients)
    daemon = MongoDaemon().start()
    log = tempfile.NamedTemporaryFile(prefix="bench-booking-gunicorn-", suffix=".log", delete=False)
    proc = None
    try:
        store = Store(daemon.url, DB, service="scheduling")
        repository.ensure_indexes(store.db)
        store.ensure_indexes()
        t0 = time.perf_counter()
        seed(store, students)
        print(f"seeded {students} children and families in {time.perf_counter() - t0:.1f}s", flush=True)
        port = free_port()
        env = {**os.environ, "MONGO_URL": daemon.url, "MONGO_DB": DB, "AMQP_URL": "memory://", "LOG_LEVEL": "WARNING"}
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w",
                                 str(args.workers), "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null",
                                 "services.scheduling:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log)
        wait_until(lambda: _ready(port), timeout=30, message="gunicorn")
        raw_client = MongoClient(daemon.url, maxPoolSize=args.clients + 10)
        day0 = datetime.now(timezone.utc).date() + timedelta(days=20)
        per_window_days = -(-max(args.n, fixed_n) // (len(TEACHERS) * 48))  # 48 slots a day per teacher
        windows = iter(range(100))

        def new_window(days=per_window_days, end="20:00"):
            return Window(port, day0 + timedelta(days=next(windows) * 7), days, end)

        def booking_jobs(window, n):
            assert len(window.slots) >= n
            return [(i, window.slots[i]) for i in range(n)]

        # warm up both paths (connections, imports, caches)
        w = new_window()
        burst(args.clients, booking_jobs(w, min(args.n, 400)), Booking(port, w.id))
        coll, ids = raw_collection(raw_client, 400, "warm")
        burst(args.clients, ids, RawClaim(coll))

        rows = []
        print(f"\nburst: {args.clients} concurrent clients, {args.n} bookings per round, gunicorn -w {args.workers}")
        print(f"{'round':>5} {'booking/s':>10} {'p50 ms':>8} {'p99 ms':>8} | {'raw upd/s':>10} {'p50 ms':>8} "
              f"{'p99 ms':>8} | {'ratio':>6} | load (2 cores shared with everything)")
        for r in range(args.rounds):
            w = new_window()
            coll, ids = raw_collection(raw_client, args.n, f"r{r}")
            order = [("raw", ids, RawClaim(coll)), ("sys", booking_jobs(w, args.n), Booking(port, w.id))]
            res = {}
            for name, jobs, do in (order if r % 2 else order[::-1]):
                elapsed, hist, outcomes = burst(args.clients, jobs, do)
                ok = outcomes[201] if name == "sys" else outcomes["claimed"]
                assert ok == args.n, (name, outcomes)
                res[name] = (ok / elapsed, ms(hist, 50), ms(hist, 99))
            ratio = res["sys"][0] / res["raw"][0]
            rows.append((ratio, res))
            print(f"{r + 1:>5} {res['sys'][0]:>10.0f} {res['sys'][1]:>8.1f} {res['sys'][2]:>8.1f} | "
                  f"{res['raw'][0]:>10.0f} {res['raw'][1]:>8.1f} {res['raw'][2]:>8.1f} | {ratio:>5.2f}x | "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
        median = sorted(rows, key=lambda x: x[0])[len(rows) // 2]
        s, raw = median[1]["sys"], median[1]["raw"]
        print(f"MEDIAN burst: booking {s[0]:.0f}/s (p50 {s[1]:.0f} ms, p99 {s[2]:.0f} ms) vs raw update_one "
              f"{raw[0]:.0f}/s (p50 {raw[1]:.0f} ms, p99 {raw[2]:.0f} ms) -> RATIO {median[0]:.2f}x")

        w = new_window()
        coll, ids = raw_collection(raw_client, fixed_n, "fixed")
        h_sys, o_sys = fixed_rate(args.clients, booking_jobs(w, fixed_n), Booking(port, w.id), args.rate)
        h_raw, _ = fixed_rate(args.clients, ids, RawClaim(coll), args.rate)
        assert o_sys[201] == fixed_n, o_sys
        print(f"\nfixed arrival rate {args.rate:.0f}/s for {args.seconds}s ({fixed_n} requests, open loop, HDR):")
        print(f"  booking   p50 {ms(h_sys, 50):7.1f} ms  p99 {ms(h_sys, 99):7.1f} ms  max {ms(h_sys, 100):7.1f} ms")
        print(f"  raw upd.  p50 {ms(h_raw, 50):7.1f} ms  p99 {ms(h_raw, 99):7.1f} ms  max {ms(h_raw, 100):7.1f} ms")
        print(f"  p99 target < 250 ms: {'MET' if ms(h_sys, 99) < 250 else 'NOT MET'} "
              f"(load average {os.getloadavg()[0]:.1f})")

        w = new_window(days=1, end="13:00")  # 20 slots per teacher; the rush uses t-0's
        rush = [s for s in w.slots if s.startswith("t-0:")][:20]
        jobs = [(i, rush[i % len(rush)]) for i in range(args.clients)]
        _, h, outcomes = burst(args.clients, jobs, Booking(port, w.id))
        print(f"\nrush: {args.clients} families at once for {len(rush)} slots: {dict(outcomes)}, "
              f"p99 {ms(h, 99):.0f} ms")
        doubles = check_no_double_booking(store.db)
        print(f"double bookings in the database: {doubles}  ({store.db['bookings'].count_documents({})} bookings "
              f"checked)")
        return 0 if doubles == 0 else 1
    finally:
        if proc:
            proc.terminate()
            proc.wait(20)
        daemon.cleanup()
        print(f"(gunicorn log: {log.name})")


def check_no_double_booking(db) -> int:
    active = Counter(b["slot_id"] for b in db["bookings"].find({"status": {"$in": ["booked", "held"]}}, {"slot_id": 1}))
    doubles = sum(c - 1 for c in active.values() if c > 1)
    for slot in db["slots"].find({"booked_by": {"$ne": None}}, {"booked_by": 1}):
        b = db["bookings"].find_one({"_id": slot["booked_by"]}, {"slot_id": 1, "private_slot_id": 1})
        if b is None or slot["_id"] not in (b["slot_id"], b.get("private_slot_id")):
            doubles += 1
    return doubles


def _ready(port) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
