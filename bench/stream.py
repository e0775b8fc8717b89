"""A sustained event stream end to end: producer transaction -> outbox -> relay ->
RabbitMQ -> the notifications worker (a separate process: its consumer records the
in-app delivery and delivers it in the same transaction) -> the delivery log
(`deliveries`, status sent), vs raw kombu publish + consume (persistent, confirmed,
quorum queue, ack) in the same run.

The events are ConferenceReminderDue, one per booking, to guardians who have no e-mail
address or phone, so every event is exactly one in-app delivery: the SMTP server is not
what is measured. Prints, as medians of --repeat runs:
  * burst: N events emitted as fast as the producer commits them (50 per transaction),
    events/s from the first commit to the last delivery marked sent; raw kombu N
    messages published and consumed concurrently -> RATIO; nothing lost (deliveries
    sent == events, one per event);
  * fixed arrival rate (open loop, one event per transaction): p50 / p99 of commit ->
    delivery sent (HDR), with the worker's clock against the producer's (one machine).

    .venv/bin/python bench/stream.py [--n 3000] [--repeat 3] [--rate 200] [--seconds 10]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Benchmarks run the services with dev secrets, like the tests.
os.environ.setdefault("CONFER_DEV_MODE", "1")

from hdrh.histogram import HdrHistogram  # noqa: E402
from kombu import Connection, Exchange, Producer, Queue  # noqa: E402

from services.common.config import Settings  # noqa: E402
from services.common.service import ServiceDefinition, Worker  # noqa: E402
from services.common.store import Store  # noqa: E402
from services.common.testing import MongoDaemon, RabbitVhost, make_envelope, run_handler, wait_for_queue  # noqa: E402

FAMILIES = 500
START = datetime.now(timezone.utc) + timedelta(days=3)


def seed_notifications(store: Store) -> None:
    from services.notifications.entrypoints.handlers import HANDLERS

    envs = [make_envelope("SchoolUpdated", {"school_id": "s-1", "name": "Bench Elementary",
                                            "time_zone": "America/Chicago", "languages": ["en"], "active": True}),
            make_envelope("PersonProfileChanged", {"person_id": "t-1", "role": "teacher", "given_name": "Laura",
                                                   "family_name": "Lee", "school_ids": ["s-1"]})]
    for i in range(FAMILIES):
        envs += [
            make_envelope("PersonProfileChanged", {"person_id": f"st-{i}", "role": "student", "given_name": f"Kid{i}",
                                                   "family_name": "Bench", "school_ids": ["s-1"]}),
            make_envelope("PersonProfileChanged", {"person_id": f"g-{i}", "role": "guardian", "given_name": "Pat",
                                                   "family_name": "Bench", "school_ids": ["s-1"]}),
            make_envelope("StudentEnrolled", {"student_id": f"st-{i}", "school_id": "s-1", "class_id": "c-1",
                                              "teacher_ids": ["t-1"], "grade": "04", "school_year": "2026-2027"}),
            make_envelope("GuardianLinked", {"guardian_id": f"g-{i}", "student_id": f"st-{i}", "school_id": "s-1"})]
    for env in envs:
        run_handler(store, HANDLERS, env)


def reminder(i: int, tag: str) -> dict:
    k = i % FAMILIES
    start = START + timedelta(minutes=15 * (i % 40))
    return {"booking_id": f"b-{tag}-{i}", "window_id": "w-1", "school_id": "s-1", "student_id": f"st-{k}",
            "teacher_id": "t-1", "guardian_id": f"g-{k}", "start": start.isoformat(),
            "end": (start + timedelta(minutes=15)).isoformat(), "modality": "in_person", "room": "101"}


class Pipeline:
    """The producer's store and relay (in this process, like bench/bus.py) and the
    notifications worker as its own process, on one exchange."""

    def __init__(self, mongo_url: str, amqp_url: str):
        self.exchange = f"stream-{uuid.uuid4().hex[:6]}"
        base = dict(mongo_url=mongo_url, amqp_url=amqp_url, exchange=self.exchange, relay_poll_seconds=0.5)
        self.notify_db = f"bench_stream_notify_{uuid.uuid4().hex[:6]}"
        self.notify = Store(mongo_url, self.notify_db, service="notifications")
        from services.common.service import make_store
        from services.notifications import SERVICE

        make_store(SERVICE, Settings(service="notifications", mongo_db=self.notify_db, **base)).ensure_indexes()
        seed_notifications(self.notify)
        settings = Settings(service="scheduling", mongo_db=f"bench_stream_sched_{uuid.uuid4().hex[:6]}", **base)
        self.producer = Store(mongo_url, settings.mongo_db, service="scheduling")
        self.relay = Worker(ServiceDefinition(name="scheduling", blueprints=list), settings, consume=False,
                            run_timers=False)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MONGO_URL": mongo_url, "MONGO_DB": self.notify_db,
               "AMQP_URL": amqp_url, "CONFER_EXCHANGE": self.exchange, "WORKER_METRICS_PORT": "0",
               "LOG_LEVEL": "WARNING", "NOTIFY_QUIET_HOURS": "00:00-00:00", "RELAY_POLL_SECONDS": "0.5"}
        self.log = open(f"/tmp/bench-stream-worker-{self.exchange}.log", "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "services.cli", "worker", "notifications"], env=env,
                                     cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_queue(amqp_url, self.exchange, "notifications", self.proc)  # or the events are unroutable
        self.relay.start()

    def emit(self, events: list[dict]) -> None:
        def work(uow):
            for data in events:
                uow.emit("ConferenceReminderDue", data, subject=data["booking_id"], district_id="d-1",
                         school_id="s-1")
        self.producer.atomic(work, district_id="d-1", school_id="s-1")

    def sent(self) -> int:
        """Deliveries marked sent so far. A count scans every sent delivery on this server,
        so it is polled rarely; the end time comes from the deliveries' own `sent_at`."""
        return self.notify.db["deliveries"].count_documents({"district_id": "d-1", "school_id": "s-1",
                                                             "status": "sent"})

    def wait_sent(self, total: int, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sent() >= total:
                return
            time.sleep(2.0)
        raise RuntimeError(f"only {self.sent()} of {total} delivered; worker log {self.log.name}")

    def last_sent_at(self, tag: str) -> float:
        """When the last delivery of a burst was marked sent (epoch seconds)."""
        [doc] = self.notify.db["deliveries"].find({"status": "sent", "link": {"$regex": f"/bookings/b-{tag}-"}},
                                                  {"sent_at": 1}).sort("sent_at", -1).limit(1)
        return doc["sent_at"].replace(tzinfo=timezone.utc).timestamp()

    def close(self) -> None:
        self.relay.stop()
        self.proc.terminate()
        self.proc.wait(20)
        for s in (self.producer, self.notify):
            try:
                s.client.drop_database(s.db.name)
            except Exception as exc:  # noqa: BLE001 - the server goes away with the run anyway
                print(f"(could not drop {s.db.name}: {type(exc).__name__})")


def burst(p: Pipeline, n: int) -> tuple[float, dict]:
    tag = uuid.uuid4().hex[:6]
    events = [reminder(i, tag) for i in range(n)]
    before = p.sent()
    t0 = time.time()  # compared with the worker's sent_at (same machine, same clock)
    for k in range(0, n, 50):
        p.emit(events[k:k + 50])
    p.wait_sent(before + n)
    t1 = p.last_sent_at(tag)
    time.sleep(1.0)
    deliveries = p.notify.db["deliveries"]
    q = {"cause_type": "ConferenceReminderDue", "link": {"$regex": f"/bookings/b-{tag}-"}}
    check = {"events": n, "deliveries": deliveries.count_documents(q),
             "sent": deliveries.count_documents({**q, "status": "sent"}),
             "distinct causes": len(deliveries.distinct("cause_event_id", q))}
    return n / (t1 - t0), check


def fixed_rate(p: Pipeline, rate: int, seconds: int) -> HdrHistogram:
    tag = uuid.uuid4().hex[:6]
    total = rate * seconds
    before = p.sent()
    emitted: dict[str, float] = {}
    start = time.perf_counter()
    wall0 = time.time() - start
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        data = reminder(i, tag)
        p.emit([data])
        emitted[data["booking_id"]] = wall0 + due  # latency counts from the intended send time
    p.wait_sent(before + total)
    hist = HdrHistogram(1, 600_000_000, 3)
    for d in p.notify.db["deliveries"].find({"cause_type": "ConferenceReminderDue", "status": "sent",
                                            "link": {"$regex": f"/bookings/b-{tag}-"}},
                                           {"sent_at": 1, "link": 1}):
        bid = d["link"].rsplit("/", 1)[-1]
        hist.record_value(max(1, int((d["sent_at"].replace(tzinfo=timezone.utc).timestamp() - emitted[bid]) * 1e6)))
    return hist


def raw_kombu(url: str, n: int) -> float:
    """Publish (persistent, confirmed) and consume (ack) n messages concurrently."""
    ex = Exchange(f"raw-{uuid.uuid4().hex[:6]}", "topic", durable=True)
    q = Queue(f"raw-{uuid.uuid4().hex[:6]}", ex, routing_key="#", durable=True,
              queue_arguments={"x-queue-type": "quorum"})
    body = b'{"k":"' + b"x" * 600 + b'"}'
    done = threading.Event()
    with Connection(url) as setup:
        q.bind(setup.default_channel).declare()

    def consume():
        seen = 0
        with Connection(url) as conn:
            def on_message(message):
                nonlocal seen
                message.ack()
                seen += 1
                if seen >= n:
                    done.set()
            with conn.Consumer([q], on_message=on_message, prefetch_count=50, accept=[]):
                while not done.is_set():
                    try:
                        conn.drain_events(timeout=1)
                    except TimeoutError:
                        pass

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    t0 = time.perf_counter()
    with Connection(url, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel(), exchange=ex)
        for _ in range(n):
            producer.publish(body, routing_key="a.b", delivery_mode=2, confirm_timeout=10)
    done.wait(300)
    rate = n / (time.perf_counter() - t0)
    with Connection(url) as conn:
        q.bind(conn.default_channel).delete()
    return rate


def pct(h: HdrHistogram, p: float) -> float:
    return h.get_value_at_percentile(p) / 1000.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=10)
    args = ap.parse_args()
    vhost = RabbitVhost().create()
    daemon = MongoDaemon().start()
    pipeline = None
    try:
        pipeline = Pipeline(daemon.url, vhost.url)
        burst(pipeline, 300)  # warm up
        raw_kombu(vhost.url, 500)
        ours, raw, checks = [], [], []
        for r in range(args.repeat):
            order = [("sys", lambda: burst(pipeline, args.n)), ("raw", lambda: (raw_kombu(vhost.url, args.n), {}))]
            for name, run in (order if r % 2 else order[::-1]):
                rate, check = run()
                (ours if name == "sys" else raw).append(rate)
                if check:
                    checks.append(check)
            print(f"round {r + 1}: end to end {ours[-1]:7.0f} events/s   raw kombu {raw[-1]:7.0f} msg/s   "
                  f"{checks[-1]}   load {os.getloadavg()[0]:.1f}", flush=True)
        hist = fixed_rate(pipeline, args.rate, args.seconds)
    finally:
        if pipeline:
            pipeline.close()
        daemon.cleanup()
        vhost.delete()
    med = statistics.median
    lost = [c for c in checks if not (c["events"] == c["deliveries"] == c["sent"] == c["distinct causes"])]
    print(f"\nMEDIAN of {args.repeat} x {args.n} events: outbox -> bus -> notifications delivery log "
          f"{med(ours):.0f} events/s vs raw kombu publish+consume {med(raw):.0f} msg/s -> RATIO "
          f"{med(ours) / med(raw):.2f}x (aim >= 0.25x: {'MET' if med(ours) / med(raw) >= 0.25 else 'NOT MET'})")
    print(f"nothing lost, nothing twice: {'yes' if not lost else lost}")
    print(f"fixed arrival {args.rate}/s for {args.seconds}s (open loop, HDR): commit -> delivery sent "
          f"p50 {pct(hist, 50):.0f} ms  p99 {pct(hist, 99):.0f} ms  max {pct(hist, 100):.0f} ms")


if __name__ == "__main__":
    main()
