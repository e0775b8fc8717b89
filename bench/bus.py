"""Outbox -> bus -> consumer, against raw baselines on the same RabbitMQ and MongoDB-wire
server, in the same run.

Prints:
  * publish throughput: the outbox relay (batched reads and marks, many publishes in
    flight with their confirms collected together) vs raw kombu confirmed persistent
    publishes one confirm at a time (aim: >= 2x);
  * consume throughput: our consumer (decode, validate, ledger + effect in one
    transaction per batch of received events, ack) vs a raw pymongo loop of the same
    transaction per event (ledger insert + one update, same server, same number of
    threads as consumer connections; aim: >= 0.7x), beside raw kombu consume-with-ack;
  * latency at a fixed arrival rate (default 200 events/s): from the committing unit of
    work to the consumer's handler, vs raw publish -> consume; HDR histogram p50/p99.
The producer uses its own Store object, so the relay is woken through the change stream,
as it is when the web process and the worker are separate.

    .venv/bin/python bench/bus.py [--n 3000] [--rate 200] [--seconds 10] [--repeat 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Benchmarks run the services with dev secrets, like the tests.
os.environ.setdefault("CONFER_DEV_MODE", "1")

from hdrh.histogram import HdrHistogram  # noqa: E402
from kombu import Connection, Exchange, Producer, Queue  # noqa: E402

from services.common.config import Settings  # noqa: E402
from services.common.service import ServiceDefinition, Worker  # noqa: E402
from services.common.store import Store  # noqa: E402
from services.common.testing import MongoDaemon, RabbitVhost  # noqa: E402
from services.common.wiring import handler as declared  # noqa: E402
from pymongo import MongoClient  # noqa: E402

SCHOOL = {"name": "Lovett", "time_zone": "America/Chicago", "languages": ["en"], "active": True}


def raw_publish_consume(url: str, n: int) -> tuple[float, float]:
    ex = Exchange(f"raw-{uuid.uuid4().hex[:6]}", "topic", durable=True)
    q = Queue(f"raw-{uuid.uuid4().hex[:6]}", ex, routing_key="#", durable=True,
              queue_arguments={"x-queue-type": "quorum"})
    body = b'{"k":"' + b"x" * 600 + b'"}'
    with Connection(url, transport_options={"confirm_publish": True}) as conn:
        ch = conn.channel()
        q.bind(ch).declare()
        producer = Producer(ch, exchange=ex)
        t0 = time.perf_counter()
        for _ in range(n):
            producer.publish(body, routing_key="a.b", delivery_mode=2, mandatory=True, confirm_timeout=10)
        pub = n / (time.perf_counter() - t0)
    seen = 0
    done = threading.Event()
    with Connection(url) as conn:
        def on_message(message):
            nonlocal seen
            message.ack()
            seen += 1
            if seen >= n:
                done.set()
        with conn.Consumer([q], on_message=on_message, prefetch_count=20, accept=[]):
            t0 = time.perf_counter()
            while not done.is_set():
                conn.drain_events(timeout=5)
            con = n / (time.perf_counter() - t0)
        q.bind(conn.default_channel).delete()
    return pub, con


def raw_transactions(mongo_url: str, n: int, threads: int) -> float:
    """The consumer's database work without the consumer: per event, one transaction
    with a ledger insert and one update (upsert), `threads` loops side by side."""
    client = MongoClient(mongo_url)
    db = client[f"bench_rawtxn_{uuid.uuid4().hex[:6]}"]
    db.create_collection("processed_events")
    db.create_collection("schools")

    def loop(k: int) -> None:
        for i in range(k, n, threads):
            with client.start_session() as session:
                with session.start_transaction():
                    db["processed_events"].insert_one({"_id": f"e-{i}:handler", "event_id": f"e-{i}",
                                                       "handler": "handler", "processed_at": time.time()},
                                                      session=session)
                    db["schools"].update_one({"_id": f"s-{i}"}, {"$set": dict(SCHOOL, school_id=f"s-{i}")},
                                             upsert=True, session=session)

    workers = [threading.Thread(target=loop, args=(k,)) for k in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    rate = n / (time.perf_counter() - t0)
    client.drop_database(db.name)
    client.close()
    return rate


def raw_latency(url: str, rate: int, seconds: int) -> HdrHistogram:
    hist = HdrHistogram(1, 60_000_000, 3)
    ex = Exchange(f"rawlat-{uuid.uuid4().hex[:6]}", "topic", durable=True)
    q = Queue(f"rawlat-{uuid.uuid4().hex[:6]}", ex, routing_key="#", durable=True,
              queue_arguments={"x-queue-type": "quorum"})
    total = rate * seconds
    stop = threading.Event()

    def consume():
        with Connection(url) as conn:
            got = 0
            def on_message(message):
                nonlocal got
                sent = float(message.headers["t"])
                hist.record_value(max(1, int((time.time() - sent) * 1e6)))
                message.ack()
                got += 1
            with conn.Consumer([q], on_message=on_message, prefetch_count=50, accept=[]):
                while got < total and not stop.is_set():
                    try:
                        conn.drain_events(timeout=1)
                    except TimeoutError:
                        pass
    with Connection(url, transport_options={"confirm_publish": True}) as conn:
        ch = conn.channel()
        q.bind(ch).declare()
        t = threading.Thread(target=consume, daemon=True)
        t.start()
        time.sleep(0.5)
        producer = Producer(ch, exchange=ex)
        start = time.perf_counter()
        for i in range(total):
            target = start + i / rate
            delay = target - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            producer.publish(b"{}", routing_key="a.b", delivery_mode=2, headers={"t": repr(time.time())},
                             confirm_timeout=10)
        t.join(30)
        stop.set()
        q.bind(ch).delete()
    return hist


def outbox_runs(mongo_url: str, amqp_url: str, n: int, rate: int, seconds: int):
    exchange = f"bench-{uuid.uuid4().hex[:6]}"
    base = dict(mongo_url=mongo_url, amqp_url=amqp_url, exchange=exchange, relay_poll_seconds=0.5)
    prod_settings = Settings(service="roster", mongo_db=f"bench_roster_{uuid.uuid4().hex[:6]}", **base)
    cons_settings = Settings(service="goals", mongo_db=f"bench_goals_{uuid.uuid4().hex[:6]}", **base)
    hist = HdrHistogram(1, 60_000_000, 3)
    seen = {"n": 0}
    cond = threading.Condition()

    @declared("bench.handler")
    def handler(event, uow):
        sent = event.data.get("name", "")
        if sent.startswith("t="):
            hist.record_value(max(1, int((time.time() - float(sent[2:])) * 1e6)))
        uow.db["schools"].update_one({"_id": event.data["school_id"]}, {"$set": event.data}, upsert=True,
                                     session=uow.session)
        with cond:
            seen["n"] += 1
            cond.notify_all()

    consumer = Worker(ServiceDefinition(name="goals", blueprints=list,
                                        handlers=lambda: {"SchoolUpdated": [handler]}),
                      cons_settings, relay=False, run_timers=False)
    for c in consumer.consumers:
        c.prefetch = 50
    producer_store = Store(mongo_url, prod_settings.mongo_db, service="roster")   # the "web" side
    relay_worker = Worker(ServiceDefinition(name="roster", blueprints=list), prod_settings,
                          consume=False, run_timers=False)
    relay_worker.relay.batch = 500

    # 1) throughput: fill the outbox while nothing runs, then time relay and consumer.
    docs_per_txn = 50
    for start in range(0, n, docs_per_txn):
        def work(uow, start=start):
            for i in range(start, min(n, start + docs_per_txn)):
                uow.emit("SchoolUpdated", dict(SCHOOL, school_id=f"s-{i}"), subject=f"s-{i}")
        producer_store.atomic(work, district_id="d-1")
    with consumer.consumer.connection.channel() as channel:   # queues exist, nobody consumes yet
        consumer.consumer.declare(channel)
    relay_worker.relay.store.ensure_indexes()
    t0 = time.perf_counter()
    while relay_worker.relay.run_once():
        pass
    relay_rate = n / (time.perf_counter() - t0)
    relay_worker.relay.flush_marks(300)
    marked_rate = n / (time.perf_counter() - t0)
    consumer.start()
    t0 = time.perf_counter()
    with cond:
        cond.wait_for(lambda: seen["n"] >= n, timeout=300)
    end_to_end_rate = n / (time.perf_counter() - t0)

    # 2) latency at a fixed arrival rate, relay running and woken by the change stream.
    relay_worker.start()
    time.sleep(1.0)
    total = rate * seconds
    before = seen["n"]
    start = time.perf_counter()
    for i in range(total):
        target = start + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        producer_store.atomic(lambda uow, i=i: uow.emit(
            "SchoolUpdated", dict(SCHOOL, school_id=f"l-{i}", name=f"t={time.time()!r}"), subject=f"l-{i}"),
            district_id="d-1")
    with cond:
        cond.wait_for(lambda: seen["n"] >= before + total, timeout=120)
    relay_worker.stop()
    consumer.stop()
    for s in (producer_store, relay_worker.store, consumer.store):
        s.client.drop_database(s.db.name)
    return relay_rate, marked_rate, end_to_end_rate, hist, len(consumer.consumers)


def pct(h: HdrHistogram, p: float) -> float:
    return h.get_value_at_percentile(p) / 1000.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    vhost = RabbitVhost().create()
    daemon = MongoDaemon().start()
    try:
        raw_pub, raw_con, raw_txn, relay, marked, e2e = [], [], [], [], [], []
        for r in range(args.repeat):
            p, c = raw_publish_consume(vhost.url, args.n)
            raw_pub.append(p)
            raw_con.append(c)
            rr, m, e, _, threads = outbox_runs(daemon.url, vhost.url, args.n, args.rate, 1)
            relay.append(rr)
            marked.append(m)
            e2e.append(e)
            raw_txn.append(raw_transactions(daemon.url, args.n, threads))
            print(f"round {r + 1}: relay {rr:.0f}/s (raw publish {p:.0f}/s), consumer {e:.0f}/s (raw transaction "
                  f"loop {raw_txn[-1]:.0f}/s, raw consume+ack {c:.0f}/s)   load {os.getloadavg()[0]:.1f}",
                  flush=True)
        raw_hist = raw_latency(vhost.url, args.rate, args.seconds)
        _, _, _, our_hist, _ = outbox_runs(daemon.url, vhost.url, 200, args.rate, args.seconds)
    finally:
        daemon.cleanup()
        vhost.delete()
    med = statistics.median
    print(f"runs: {args.repeat} x {args.n} events; medians")
    print(f"raw kombu confirmed publish      {med(raw_pub):8.0f} msg/s")
    print(f"outbox relay publish (batched confirms) {med(relay):8.0f} msg/s   ratio {med(relay) / med(raw_pub):.2f}x"
          f"  (aim >= 2x)")
    print(f"outbox relay incl. marking sent  {med(marked):8.0f} msg/s   ratio {med(marked) / med(raw_pub):.2f}x")
    print(f"raw pymongo transaction loop (ledger insert + one update, {threads} threads) {med(raw_txn):8.0f} events/s")
    print(f"consumer (decode, validate, ledger + effect, ack) {med(e2e):8.0f} events/s   ratio "
          f"{med(e2e) / med(raw_txn):.2f}x the raw transaction loop (aim >= 0.7x)")
    print(f"raw kombu consume with ack       {med(raw_con):8.0f} msg/s   (consumer at {med(e2e) / med(raw_con):.2f}x)")
    print(f"latency at {args.rate}/s for {args.seconds}s:")
    print(f"  raw publish->consume            p50 {pct(raw_hist, 50):7.2f} ms  p99 {pct(raw_hist, 99):7.2f} ms")
    print(f"  commit->handler (outbox)        p50 {pct(our_hist, 50):7.2f} ms  p99 {pct(our_hist, 99):7.2f} ms"
          f"  (target p99 < 100 ms)")


if __name__ == "__main__":
    main()
