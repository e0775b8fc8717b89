"""API reads under gunicorn vs a bare Flask endpoint under the same gunicorn settings,
in the same run.

System: the scheduling app (deploy/gunicorn.conf.py, -w --workers, WEB_THREADS as
configured) on a MongoDB-wire server process, `GET /bookings/{id}` as the family that
booked it (token check, object-level access check, the booking, names, JSON). Baseline:
a bare Flask app (its source is below, written to a temporary module) returning a JSON
document of the same size from the same URL, under the same gunicorn command line.

Prints, as the median of --rounds (the two apps alternate first):
  * max throughput: --clients keep-alive clients in a closed loop for --seconds -> req/s,
    RATIO system / bare (target >= 0.5x);
  * fixed arrival rate (open loop, latency from the scheduled send time into an HDR
    histogram, so queueing is not hidden): p50 / p99 (target p99 < 50 ms);
  * peak RSS of every gunicorn process (sampled every 0.25 s; target < 150 MB a worker).

    .venv/bin/python bench/api.py [--workers 2] [--clients 16] [--seconds 10] [--rate 50] [--rounds 3]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Benchmarks run the services with dev secrets, like the tests.
os.environ.setdefault("CONFER_DEV_MODE", "1")

import psutil  # noqa: E402
from hdrh.histogram import HdrHistogram  # noqa: E402

from services.common.auth import mint  # noqa: E402
from services.common.config import DEV_JWT_SECRET  # noqa: E402
from services.common.store import Store  # noqa: E402
from services.common.testing import MongoDaemon, free_port, make_envelope, run_handler, wait_until  # noqa: E402

BARE_APP = '''
from flask import Flask, jsonify

def create_app(body_size=600):
    app = Flask("bare")
    doc = {"booking_id": "b-0", "status": "booked", "padding": "x" * body_size}

    @app.get("/bookings/<booking_id>")
    def booking(booking_id):
        return jsonify(dict(doc, booking_id=booking_id))

    @app.get("/readyz")
    def ready():
        return jsonify(status="ready")

    return app
'''
DB = "bench_api"
FAMILIES = 100


def token(role, sub, schools=("s-1",)):
    return mint(DEV_JWT_SECRET, sub=sub, role=role, district_id="d-1", school_ids=schools, ttl=7200)


class Http:
    def __init__(self, port: int):
        self.port, self.conn = port, http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(self, method: str, path: str, auth: str | None = None, body=None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {auth}"
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")


def seed_bookings(port: int, store: Store) -> list[tuple[str, str]]:
    """Roster through the service's handlers, then a window and one booking per family
    through the API. Returns (booking id, guardian token)."""
    from services.scheduling.entrypoints.handlers import HANDLERS

    envs = [make_envelope("SchoolUpdated", {"school_id": "s-1", "name": "Bench Elementary",
                                            "time_zone": "America/Chicago", "languages": ["en"], "active": True}),
            make_envelope("PersonProfileChanged", {"person_id": "t-1", "role": "teacher", "given_name": "Laura",
                                                   "family_name": "Lee", "school_ids": ["s-1"]})]
    for i in range(FAMILIES):
        envs += [make_envelope("StudentEnrolled", {"student_id": f"st-{i}", "school_id": "s-1", "class_id": "c-1",
                                                   "teacher_ids": ["t-1"], "grade": "04", "school_year": "2026-2027"}),
                 make_envelope("GuardianLinked", {"guardian_id": f"g-{i}", "student_id": f"st-{i}",
                                                  "school_id": "s-1"}),
                 make_envelope("PersonProfileChanged", {"person_id": f"st-{i}", "role": "student",
                                                        "given_name": f"Kid{i}", "family_name": "Bench",
                                                        "school_ids": ["s-1"]})]
    for env in envs:
        run_handler(store, HANDLERS, env)
    http, admin, now = Http(port), token("school_admin", "adm-1"), datetime.now(timezone.utc)
    days = [(now + timedelta(days=20 + d)).date().isoformat() for d in range(3)]
    status, win = http.call("POST", "/windows", admin, {
        "school_id": "s-1", "cycle": "bench", "slot_minutes": 15,
        "days": [{"date": d, "start": "08:00", "end": "18:00"} for d in days],
        "booking_opens_at": (now - timedelta(hours=1)).isoformat(),
        "booking_closes_at": (now + timedelta(days=10)).isoformat()})
    assert status == 201, win
    wid = json.loads(win)["window_id"]
    status, out = http.call("PUT", f"/windows/{wid}/availability/t-1", admin,
                            {"room": "101", "ranges": [{"date": d, "start": "08:00", "end": "18:00"} for d in days]})
    assert status == 200, out
    assert http.call("POST", f"/windows/{wid}/open", admin)[0] == 200
    slots = json.loads(http.call("GET", f"/windows/{wid}/slots", admin)[1])
    out = []
    for i in range(FAMILIES):
        g = token("guardian", f"g-{i}", ())
        status, body = http.call("POST", f"/windows/{wid}/bookings", g,
                                 {"students": [{"student_id": f"st-{i}", "slot_id": slots[i]["slot_id"]}]})
        assert status == 201, body
        out.append((json.loads(body)["bookings"][0]["booking_id"], g))
    return out


class Server:
    def __init__(self, name: str, app: str, env: dict, workers: int, pythonpath: str | None = None):
        self.name, self.port = name, free_port()
        cmd = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-w", str(workers),
               "-b", f"127.0.0.1:{self.port}", "--access-logfile", "/dev/null"]
        if pythonpath:
            cmd += ["--pythonpath", pythonpath]
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-api-{name}-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(cmd + [app], cwd=ROOT, env=env, stdout=self.log, stderr=self.log)
        wait_until(lambda: self.ready(), timeout=60, message=f"{name} gunicorn")
        self.peak: dict[int, float] = {}
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def ready(self) -> bool:
        try:
            return Http(self.port).call("GET", "/readyz")[0] == 200
        except OSError:
            return False

    def _sample(self):
        master = psutil.Process(self.proc.pid)
        while not self._stop.is_set():
            try:
                for p in [master, *master.children()]:
                    self.peak[p.pid] = max(self.peak.get(p.pid, 0), p.memory_info().rss / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.25)

    def rss(self) -> tuple[float, float]:
        """(master MB, largest worker MB)."""
        master = self.peak.get(self.proc.pid, 0)
        workers = [v for pid, v in self.peak.items() if pid != self.proc.pid]
        return master, max(workers or [0])

    def stop(self):
        self._stop.set()
        self.proc.terminate()
        self.proc.wait(20)


def closed_loop(port: int, reads: list, clients: int, seconds: float) -> tuple[float, HdrHistogram]:
    hist, lock, count = HdrHistogram(1, 60_000_000, 3), threading.Lock(), [0]
    stop = time.perf_counter() + seconds

    def client(k):
        conn, rng = Http(port), random.Random(k)
        while time.perf_counter() < stop:
            bid, auth = rng.choice(reads)
            t0 = time.perf_counter()
            status, _ = conn.call("GET", f"/bookings/{bid}", auth)
            assert status == 200, status
            with lock:
                hist.record_value(max(1, int((time.perf_counter() - t0) * 1e6)))
                count[0] += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    [t.start() for t in threads]
    [t.join() for t in threads]
    return count[0] / (time.perf_counter() - t0), hist


def open_loop(port: int, reads: list, rate: float, seconds: float, pool: int = 32) -> HdrHistogram:
    """Request k is due at start + k/rate; its latency counts from then."""
    hist, lock, q = HdrHistogram(1, 60_000_000, 3), threading.Lock(), queue.Queue()

    def client():
        conn = Http(port)
        while (item := q.get()) is not None:
            due, (bid, auth) = item
            status, _ = conn.call("GET", f"/bookings/{bid}", auth)
            assert status == 200, status
            with lock:
                hist.record_value(max(1, int((time.perf_counter() - due) * 1e6)))

    threads = [threading.Thread(target=client) for _ in range(pool)]
    [t.start() for t in threads]
    time.sleep(0.3)
    rng, start = random.Random(7), time.perf_counter()
    for k in range(int(rate * seconds)):
        due = start + k / rate
        time.sleep(max(0.0, due - time.perf_counter()))
        q.put((due, rng.choice(reads)))
    for _ in threads:
        q.put(None)
    [t.join() for t in threads]
    return hist


def ms(h: HdrHistogram, p: float) -> float:
    return h.get_value_at_percentile(p) / 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=float, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    daemon = MongoDaemon().start()
    bare_dir = tempfile.mkdtemp(prefix="bench-bare-")
    Path(bare_dir, "bare_app.py").write_text(BARE_APP)
    servers = []
    try:
        store = Store(daemon.url, DB, service="scheduling")
        env = {**os.environ, "MONGO_URL": daemon.url, "MONGO_DB": DB, "AMQP_URL": "memory://", "LOG_LEVEL": "WARNING"}
        system = Server("scheduling", "services.scheduling:create_app()", env, args.workers)
        bare = Server("bare", "bare_app:create_app()", env, args.workers, pythonpath=bare_dir)
        servers = [system, bare]
        reads = seed_bookings(system.port, store)
        bare_reads = [(bid, None) for bid, _ in reads]
        for s, r in ((system, reads), (bare, bare_reads)):  # warm up
            closed_loop(s.port, r, args.clients, 2)
        rows = []
        print(f"gunicorn -w {args.workers} (threads {os.environ.get('WEB_THREADS', '4')}), {args.clients} clients, "
              f"{args.seconds:.0f} s runs, open loop at {args.rate:.0f}/s")
        for r in range(args.rounds):
            res = {}
            order = [("sys", system, reads), ("bare", bare, bare_reads)]
            for name, s, rd in (order if r % 2 else order[::-1]):
                rps, closed = closed_loop(s.port, rd, args.clients, args.seconds)
                fixed = open_loop(s.port, rd, args.rate, args.seconds)
                res[name] = (rps, ms(closed, 99), ms(fixed, 50), ms(fixed, 99))
            ratio = res["sys"][0] / res["bare"][0]
            rows.append((ratio, res))
            print(f"round {r + 1}: system {res['sys'][0]:6.0f} req/s (fixed-rate p50 {res['sys'][2]:6.1f} ms, p99 "
                  f"{res['sys'][3]:6.1f} ms) | bare {res['bare'][0]:6.0f} req/s (p50 {res['bare'][2]:5.1f} ms, p99 "
                  f"{res['bare'][3]:6.1f} ms) | RATIO {ratio:.2f}x | load {os.getloadavg()[0]:.1f}", flush=True)
        ratio, res = sorted(rows, key=lambda x: x[0])[len(rows) // 2]
        (sm, sw), (bm, bw) = system.rss(), bare.rss()
        p99 = statistics.median(x[1]["sys"][3] for x in rows)
        print(f"\nMEDIAN: GET /bookings/{{id}} {res['sys'][0]:.0f} req/s vs bare Flask {res['bare'][0]:.0f} req/s -> "
              f"RATIO {ratio:.2f}x (target >= 0.5x: {'MET' if ratio >= 0.5 else 'NOT MET'}); at {args.rate:.0f}/s "
              f"p50 {res['sys'][2]:.1f} ms, p99 {p99:.1f} ms (target < 50 ms: {'MET' if p99 < 50 else 'NOT MET'}); "
              f"bare p99 {res['bare'][3]:.1f} ms")
        print(f"peak RSS: scheduling master {sm:.0f} MB, largest worker {sw:.0f} MB (target < 150 MB: "
              f"{'MET' if sw < 150 else 'NOT MET'}); bare master {bm:.0f} MB, worker {bw:.0f} MB")
    finally:
        for s in servers:
            s.stop()
        daemon.cleanup()


if __name__ == "__main__":
    main()
