"""Database statements (commands, counted with pymongo's command monitoring) and
transactions per use case: per delivery of a fan-out, per handled event, per booking.

Two ways for deliveries:
  * deterministic (tests/statements.py, what tests/integration/common/
    test_statement_budgets.py keeps under budgets): recording in consumer-sized batches,
    the lanes run in the calling thread, the relay;
  * as the worker runs them: the same fan-out with the delivery engine's threads (lanes,
    senders sharing journal writes, the outcome writer) until every delivery is sent.
Also per handled event (consumer batches vs one event per transaction) and per booking.

    .venv/bin/python bench/statements.py [--families 300] [--events 300] [--bookings 50]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common.sinks import Sink  # noqa: E402
from services.common.testing import MongoDaemon  # noqa: E402
from tests import statements  # noqa: E402


def threaded_deliveries(mongo_url: str, families: int) -> dict:
    """The fan-out with the engine's own threads: statements of the lanes per delivery."""
    from services.common.config import Settings
    from services.common.consumer import Dispatcher
    from services.common.service import make_store
    from services.notifications import SERVICE
    from services.notifications.entrypoints.handlers import HANDLERS
    from services.notifications.entrypoints.lanes import DeliveryEngine

    client, counter = statements.counted_client(mongo_url)
    store = make_store(SERVICE, Settings(service="notifications", mongo_url=mongo_url,
                                         mongo_db=f"bench_statements_{uuid.uuid4().hex[:6]}"), client=client)
    store.ensure_indexes()
    dispatcher = Dispatcher(store, HANDLERS)
    roster = statements.family_roster(families)
    for k in range(0, len(roster), 40):
        dispatcher.dispatch_batch(roster[k:k + 40])
    envs = [statements.report_ready(i, "threads") for i in range(families)]
    for k in range(0, families, 20):
        dispatcher.dispatch_batch(envs[k:k + 20])
    engine = DeliveryEngine(store, poll_seconds=0.2)
    with counter.counting():
        t0 = time.perf_counter()
        thread = threading.Thread(target=engine.run, daemon=True)
        thread.start()
        while store.db["deliveries"].count_documents({"status": "sent", "channel": {"$in": ["email", "sms"]}}) \
                < 2 * families:
            time.sleep(0.5)
        elapsed = time.perf_counter() - t0
        engine.stop()
        thread.join(30)
    # the progress polls above are this script's, not the engine's
    polls = counter.by_name["aggregate"]
    total = counter.total - polls
    client.drop_database(store.db.name)
    client.close()
    return {"sent": 2 * families, "statements": total, "per_delivery": total / (2 * families),
            "by_name": {k: v for k, v in counter.by_name.items() if k != "aggregate"}, "seconds": elapsed}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--families", type=int, default=300)
    ap.add_argument("--events", type=int, default=300)
    ap.add_argument("--bookings", type=int, default=50)
    args = ap.parse_args()
    logdir = tempfile.mkdtemp(prefix="bench-statements-")
    mail, sms = Sink("smtp", os.path.join(logdir, "mail.log")), Sink("sms", os.path.join(logdir, "sms.log"))
    os.environ.update({**mail.env, **sms.env, "NOTIFY_QUIET_HOURS": "00:00-00:00",
                       "NOTIFY_RATE_LIMITS": "email=0,sms=0", "CONFER_PUBLIC_URL": "https://confer.test",
                       "LOG_LEVEL": "WARNING",
                       # the booking part signs its tokens with the development key
                       "CONFER_DEV_MODE": "1"})
    daemon = MongoDaemon().start()
    try:
        d = statements.deliveries(daemon.url, args.families)
        print(f"per delivery (fan-out to {args.families} families x e-mail, SMS, in-app; deterministic): "
              f"{d['per_delivery']:.3f} statements, {d['transactions_per_delivery']:.3f} transactions")
        for phase, (n, txn, names) in d["phases"].items():
            print(f"    {phase:7s} {n:5d} statements ({n / d['deliveries']:.3f} per delivery), {txn} transactions: "
                  f"{dict(names)}")
        t = threaded_deliveries(daemon.url, args.families)
        print(f"per e-mail or SMS sent by the engine's threads: {t['per_delivery']:.3f} statements "
              f"({t['statements']} for {t['sent']}, {t['seconds']:.1f} s): {t['by_name']}")
        e = statements.handled_events(daemon.url, args.events)
        print(f"per handled event (one update each): {e['batched'][0]:.2f} statements, {e['batched'][1]:.3f} "
              f"transactions in consumer batches of 20; {e['one_by_one'][0]:.2f} / {e['one_by_one'][1]:.2f} one by one")
        b = statements.bookings(daemon.url, args.bookings)
        print(f"per booking (API, one child): {b['per_booking']:.2f} statements, {b['transactions']:.2f} "
              f"transactions: {b['by_name']}")
        print(f"load {os.getloadavg()[0]:.1f}")
    finally:
        daemon.cleanup()
        mail.stop()
        sms.stop()


if __name__ == "__main__":
    main()
