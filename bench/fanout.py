"""Fan-out: a school opens its conference window and every family is invited on every
channel, end to end, against raw smtplib in the same run.

The school: --students children (default 600), two guardians each (about 1,200 families
with --siblings merging some), every guardian with an e-mail address and a phone, half
reading Spanish. The producer (the scheduling side, in this process) commits
ConferenceWindowOpened and one InvitationDue per family in one transaction, as
`scheduling.windows.open_window` does, and its relay publishes them. The notifications
worker runs as its own process (`confer worker notifications`, default settings except
the sinks and no quiet hours): it records each invitation (in-app delivered at once) and
its lanes send the e-mails to a local SMTP server and the SMS to a local HTTP gateway,
each its own process (services/common/sinks.py).

Two phases, each with a fresh worker process:
  1. end to end: seconds from the window opening (the producer's commit) to the last
     delivery of each channel (recording and sending together, as in the season);
  2. the lanes alone: the same fan-out recorded during quiet hours (e-mail and SMS wait),
     then the e-mails made due at once (as at 07:00) -> e-mails/s from that moment to the
     last one sent, against raw smtplib on one reused connection to the same SMTP server
     (same kind of message, measured just before and just after); then the SMS likewise.
Checks in both: every delivery sent, every Message-ID received exactly once, every SMS
once.

    .venv/bin/python bench/fanout.py [--students 600] [--repeat 1] [--email-rate 0] [--sms-rate 0]

--email-rate / --sms-rate set NOTIFY_RATE_LIMITS for the run (0 = no limit, the default
here: the aim is to measure the lane, not the limit).
"""
from __future__ import annotations

import argparse
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The bench's broker and database are throwaway local ones with the development
# credentials; production start-up checks would (rightly) refuse them.
os.environ.setdefault("CONFER_DEV_MODE", "1")

from pymongo.errors import NetworkTimeout  # noqa: E402

from services.common.config import Settings  # noqa: E402
from services.common.consumer import Dispatcher  # noqa: E402
from services.common.service import ServiceDefinition, Worker, make_store  # noqa: E402
from services.common.sinks import Sink  # noqa: E402
from services.common.store import Store  # noqa: E402
from services.common.testing import MongoDaemon, RabbitVhost, make_envelope, wait_for_queue  # noqa: E402

TEACHERS = 24
WINDOW = "w-fanout"


def school_events(students: int) -> list[dict]:
    envs = [make_envelope("SchoolUpdated", {"school_id": "s-1", "name": "Fan-out Elementary",
                                            "time_zone": "America/Chicago", "languages": ["en", "es"],
                                            "active": True})]
    for t in range(TEACHERS):
        envs.append(make_envelope("PersonProfileChanged", {
            "person_id": f"t-{t}", "role": "teacher", "given_name": f"Teacher{t}", "family_name": "Lee",
            "email": f"t{t}@school.test", "language": "en", "school_ids": ["s-1"]}, school_id="s-1"))
    for i in range(students):
        envs.append(make_envelope("PersonProfileChanged", {
            "person_id": f"st-{i}", "role": "student", "given_name": f"Kid{i}", "family_name": "Fan",
            "language": "en", "school_ids": ["s-1"]}, school_id="s-1"))
        envs.append(make_envelope("StudentEnrolled", {
            "student_id": f"st-{i}", "school_id": "s-1", "class_id": f"c-{i % TEACHERS}",
            "teacher_ids": [f"t-{i % TEACHERS}"], "grade": "04", "school_year": "2026-2027"}))
        for g in (0, 1):
            gid = f"g-{i}-{g}"
            envs.append(make_envelope("PersonProfileChanged", {
                "person_id": gid, "role": "guardian", "given_name": f"Parent{g}", "family_name": f"Fan{i}",
                "email": f"{gid}@family.test", "phone": f"+1312{i:04d}{g:03d}",
                "language": "es" if i % 2 else "en", "school_ids": ["s-1"]}, school_id="s-1"))
            envs.append(make_envelope("GuardianLinked", {"guardian_id": gid, "student_id": f"st-{i}",
                                                         "school_id": "s-1"}))
    first = datetime.now(timezone.utc).date() + timedelta(days=14)
    envs.append(make_envelope("ConferenceWindowOpened", {
        "window_id": WINDOW, "school_id": "s-1", "cycle": "fall-2026", "first_day": first.isoformat(),
        "last_day": (first + timedelta(days=4)).isoformat(), "slot_minutes": 20,
        "booking_closes_at": (datetime.combine(first, datetime.min.time(), timezone.utc) - timedelta(days=1)).isoformat(),
        "invitations": [{"guardian_id": f"g-{i}-{g}", "student_ids": [f"st-{i}"]}
                        for i in range(students) for g in (0, 1)]}))
    return envs


def seed(store: Store, students: int) -> None:
    from services.notifications.entrypoints.handlers import HANDLERS

    dispatcher = Dispatcher(store, HANDLERS)
    envs = school_events(students)
    for k in range(0, len(envs), 50):
        if dispatcher.dispatch_batch(envs[k:k + 50]) is None:
            for env in envs[k:k + 50]:
                dispatcher.dispatch(env)


def raw_smtp(port: int, n: int) -> float:
    """smtplib on one reused connection: n messages like an invitation (text + HTML)."""
    from services.notifications.adapters.content import render
    from services.notifications.adapters.email import build_email

    message = render("invitation", "es", {
        "recipient_name": "Ana García", "school_name": "Fan-out Elementary", "student_name": "Mateo",
        "teacher_name": "Laura Lee", "window_start": "2026-10-19", "window_end": "2026-10-23",
        "booking_url": "https://confer.test/book/w-1", "book_by": "2026-10-16T23:00:00+00:00", "slot_minutes": 20,
        "parent_input_url": "https://confer.test/students/st-1/parent-input"}, "America/Chicago")
    msgs = [build_email(message, f"raw{i}@family.test", from_addr="Confer <no-reply@confer.test>",
                        message_id=f"<raw-{uuid.uuid4().hex}@confer.test>") for i in range(n)]
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        t0 = time.perf_counter()
        for m in msgs:
            smtp.send_message(m)
        return n / (time.perf_counter() - t0)


class Phase:
    """One fan-out: a fresh worker process on a fresh exchange, the producer's relay here."""

    def __init__(self, mongo_url: str, amqp_url: str, students: int, logdir: str, mail: Sink, sms: Sink,
                 extra_env: dict):
        from services.notifications import SERVICE

        self.students, self.mail, self.sms = students, mail, sms
        self.exchange = f"fanout-{uuid.uuid4().hex[:6]}"
        base = dict(mongo_url=mongo_url, amqp_url=amqp_url, exchange=self.exchange, relay_poll_seconds=0.2)
        self.notify = make_store(SERVICE, Settings(service="notifications",
                                                   mongo_db=f"bench_fanout_notify_{uuid.uuid4().hex[:6]}", **base))
        self.notify.ensure_indexes()
        seed(self.notify, students)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "MONGO_URL": mongo_url, "MONGO_DB": self.notify.db.name,
               "AMQP_URL": amqp_url, "CONFER_EXCHANGE": self.exchange, "WORKER_METRICS_PORT": "0",
               "LOG_LEVEL": "WARNING", "RELAY_POLL_SECONDS": "0.2", **mail.env, **sms.env,
               "CONFER_PUBLIC_URL": "https://confer.test", **extra_env}
        self.log = open(os.path.join(logdir, f"worker-{self.exchange}.log"), "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "services.cli", "worker", "notifications"], env=env,
                                     cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        producer_settings = Settings(service="scheduling", mongo_db=f"bench_fanout_sched_{uuid.uuid4().hex[:6]}",
                                     **base)
        self.producer = Store(mongo_url, producer_settings.mongo_db, service="scheduling")
        self.relay = Worker(ServiceDefinition(name="scheduling", blueprints=list), producer_settings, consume=False,
                            run_timers=False)
        wait_for_queue(amqp_url, self.exchange, "notifications", self.proc)  # or the invitations are unroutable
        self.relay.start()
        self.families = [(f"g-{i}-{g}", [f"st-{i}"]) for i in range(students) for g in (0, 1)]
        self.deliveries = self.notify.db["deliveries"]

    def open_window(self) -> float:
        closes = (datetime.now(timezone.utc) + timedelta(days=13)).isoformat()

        def work(uow):
            for gid, sids in self.families:
                uow.emit("InvitationDue", {"window_id": WINDOW, "school_id": "s-1", "guardian_id": gid,
                                           "student_ids": sids, "nudge": False, "booking_closes_at": closes},
                         subject=gid, district_id="d-1", school_id="s-1")

        t0 = time.time()
        self.producer.atomic(work, district_id="d-1", school_id="s-1")
        return t0

    def wait(self, query: dict, n: int, timeout: float = 1200) -> None:
        deadline = time.monotonic() + timeout
        while self._count(query) < n:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"fan-out did not finish; worker log {self.log.name}")
            time.sleep(2.0)

    def _count(self, query: dict) -> int:
        # A count over 3,600 deliveries can wait behind the worker's writes on the
        # one-process database server: a slow poll is "not yet", not a failed run.
        try:
            return self.deliveries.count_documents({"cause_type": "InvitationDue", **query})
        except NetworkTimeout:
            return -1

    def last_sent(self, channel: str, since: float) -> float | None:
        docs = list(self.deliveries.find({"cause_type": "InvitationDue", "channel": channel, "status": "sent"},
                                         {"sent_at": 1}).sort("sent_at", -1).limit(1))
        return docs[0]["sent_at"].replace(tzinfo=timezone.utc).timestamp() - since if docs else None

    def check(self) -> dict:
        counts = {c: self.deliveries.count_documents({"cause_type": "InvitationDue", "channel": c, "status": "sent"})
                  for c in ("email", "sms", "inapp")}
        self.mail.wait_for(counts["email"], 30)
        time.sleep(1.0)
        received = [k for k in self.mail.keys() if not k.startswith("<raw-")]
        ids = {d["message_id"] for d in self.deliveries.find({"cause_type": "InvitationDue", "channel": "email"},
                                                             {"message_id": 1})}
        n = len(self.families)
        ok = (counts == {"email": n, "sms": n, "inapp": n} and len(received) == len(set(received)) == n
              and set(received) == ids and self.sms.count() == n and not self.sms.duplicates()
              and not self.deliveries.count_documents({"status": "failed"}))
        return {"counts": counts, "ok": ok, "mail_received": len(received), "sms_received": self.sms.count()}

    def close(self) -> None:
        self.relay.stop()
        self.proc.terminate()
        self.proc.wait(30)
        for s in (self.producer, self.notify):
            s.client.drop_database(s.db.name)


def end_to_end(mongo_url, amqp_url, students, logdir, mail, sms, rates) -> dict:
    phase = Phase(mongo_url, amqp_url, students, logdir, mail, sms,
                  {"NOTIFY_QUIET_HOURS": "00:00-00:00", "NOTIFY_RATE_LIMITS": rates})
    try:
        t0 = phase.open_window()
        phase.wait({"status": {"$in": ["sent", "failed", "skipped"]}}, len(phase.families) * 3)
        last = {c: phase.last_sent(c, t0) for c in ("email", "sms", "inapp")}
        return {"families": len(phase.families), "last": last, **phase.check()}
    finally:
        phase.close()


def lanes_alone(mongo_url, amqp_url, students, logdir, mail, sms, rates) -> dict:
    # Quiet hours all day: every e-mail and SMS is recorded due at the end of them.
    phase = Phase(mongo_url, amqp_url, students, logdir, mail, sms,
                  {"NOTIFY_QUIET_HOURS": "00:00-23:59", "NOTIFY_RATE_LIMITS": rates})
    try:
        phase.open_window()
        n = len(phase.families)
        phase.wait({"status": "sent", "channel": "inapp"}, n)
        phase.wait({"status": "pending"}, 2 * n)
        raw_before = raw_smtp(mail.port, 300)
        mail.reset()
        last = {}
        for channel in ("email", "sms"):  # one lane at a time
            t1 = time.time()
            phase.deliveries.update_many({"cause_type": "InvitationDue", "status": "pending", "channel": channel},
                                         {"$set": {"due_at": datetime.now(timezone.utc)}})
            phase.wait({"status": {"$in": ["sent", "failed", "skipped"]}, "channel": channel}, n)
            last[channel] = phase.last_sent(channel, t1)
        result = phase.check()
        raw_after = raw_smtp(mail.port, 300)
        return {"families": n, "last": last, "raw_before": raw_before, "raw_after": raw_after,
                "raw": statistics.mean([raw_before, raw_after]), "email_rate": n / last["email"], **result}
    finally:
        phase.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=600)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--email-rate", type=float, default=0.0)
    ap.add_argument("--sms-rate", type=float, default=0.0)
    args = ap.parse_args()
    rates = f"email={args.email_rate:g},sms={args.sms_rate:g}"
    vhost = RabbitVhost().create()
    daemon = MongoDaemon().start()
    logdir = tempfile.mkdtemp(prefix="bench-fanout-")
    e2e, alone = [], []
    try:
        for r in range(args.repeat):
            mail, sms = Sink("smtp", os.path.join(logdir, f"mail-{r}.log")), Sink("sms", os.path.join(logdir, f"sms-{r}.log"))
            try:
                res = end_to_end(daemon.url, vhost.url, args.students, logdir, mail, sms, rates)
                e2e.append(res)
                total = max(v for v in res["last"].values() if v is not None)
                print(f"round {r + 1} end to end: {res['families']} families x 3 channels; sent {res['counts']}; "
                      f"window opened -> last delivery {total:.1f} s (e-mail {res['last']['email']:.1f} s, SMS "
                      f"{res['last']['sms']:.1f} s, in-app {res['last']['inapp']:.1f} s); checks "
                      f"{'ok' if res['ok'] else res}; load {os.getloadavg()[0]:.1f}", flush=True)
                mail.reset()
                sms.reset()
                res = lanes_alone(daemon.url, vhost.url, args.students, logdir, mail, sms, rates)
                alone.append(res)
                print(f"round {r + 1} lanes alone: {res['families']} e-mails due at once, then as many SMS: e-mail lane "
                      f"{res['email_rate']:.0f}/s (last after {res['last']['email']:.1f} s), SMS lane "
                      f"{res['families'] / res['last']['sms']:.0f}/s; raw smtplib one connection {res['raw']:.0f}/s "
                      f"(before {res['raw_before']:.0f}, after {res['raw_after']:.0f}) -> "
                      f"{res['email_rate'] / res['raw']:.2f}x; checks {'ok' if res['ok'] else res}; "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
            finally:
                mail.stop()
                sms.stop()
    finally:
        daemon.cleanup()
        vhost.delete()
    med = statistics.median
    total = med([max(v for v in r["last"].values() if v is not None) for r in e2e])
    ratio = med([r["email_rate"] / r["raw"] for r in alone])
    print(f"\nMEDIAN of {args.repeat}: window opened -> last delivery {total:.1f} s for {e2e[0]['families']} families "
          f"x 3 channels (aim < 60 s: {'MET' if total < 60 else 'NOT MET'}); e-mail lane "
          f"{med([r['email_rate'] for r in alone]):.0f}/s = {ratio:.2f}x raw smtplib on one connection "
          f"(aim >= 0.5x: {'MET' if ratio >= 0.5 else 'NOT MET'})")
    print(f"every delivery sent once, each Message-ID received exactly once, each SMS once: "
          f"{'yes' if all(r['ok'] for r in e2e + alone) else 'NO'}")


if __name__ == "__main__":
    main()
