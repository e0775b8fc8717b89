"""Shared helpers of the season, fault and hostile end-to-end tests.

* A clock for separate processes: the services' own dev clock (development mode,
  CONFER_DEV_MODE=1, with CONFER_DEV_CLOCK_FILE: services.common.devclock), which every
  `Store` of every gunicorn and worker process reads; the test moves it with
  `system.set_clock(dt)`, exactly as the dev clock page of `confer dev` does.
* A real SMTP server (aiosmtpd) and an SMS gateway stub that record what they receive.
* `settle()`: wait until every worker has consumed every event the bus carried for it
  (from each worker's /metrics), so a step never races the previous one's projections.
* The demo district: bundle, who is whose, e-mail addresses.

"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
import time
import zipfile
from collections import Counter
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from services.common.devclock import CLOCK_ENV, DEV_ENV, OffsetClock
from services.common.testing import EventReader, free_port
from tests.e2e.harness import System

UTC = timezone.utc
DISTRICT = "org-district"


def create_app(service: str, config: dict | None = None):
    import importlib

    return importlib.import_module(f"services.{service}").create_app(config)


# -- the system, under the dev clock --------------------------------------------------
class ClockedSystem(System):
    """harness.System in development mode: all its processes read one movable clock (the
    services' dev clock), with each worker's /metrics on a known port."""

    def __init__(self, amqp_url: str, **kw):
        super().__init__(amqp_url, **kw)
        self.clock_file = self.log_dir / "clock-offset"
        self.clock_file.write_text("0")
        self.clock = OffsetClock(self.clock_file)
        self.metrics_ports = {name: free_port() for name in self.services}

    def env(self, service: str) -> dict:
        env = super().env(service)
        env.update({DEV_ENV: "1", CLOCK_ENV: str(self.clock_file),
                    "WORKER_METRICS_PORT": str(self.metrics_ports[service])})
        return env

    def start(self, timeout: float = 180.0) -> "ClockedSystem":
        super().start(timeout)
        self.ensure_workers(timeout)
        return self

    def ensure_workers(self, timeout: float = 120.0) -> None:
        """Wait until every worker serves its /metrics; a worker that died at start fails
        the run (scheduling's once did, racing the web process on create_collection)."""
        deadline = time.monotonic() + timeout
        for name in self.services:
            while True:
                proc = self.workers[name]
                if proc.poll() is not None:
                    log = (self.log_dir / f"{name}-worker.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"{name} worker exited at start (code {proc.returncode}):\n{log}")
                try:
                    requests.get(f"http://127.0.0.1:{self.metrics_ports[name]}/metrics", timeout=2)
                    break
                except requests.RequestException:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} worker not up; logs in {self.log_dir}") from None
                    time.sleep(0.3)

    # -- time -------------------------------------------------------------------
    def offset(self) -> float:
        return self.clock.offset()

    def now(self) -> datetime:
        return self.clock()

    def set_clock(self, when: datetime) -> None:
        """Every service's clock reads `when` now (and runs on from there)."""
        self.clock.set(when)

    # -- worker metrics ---------------------------------------------------------
    def consumed(self, service: str) -> Counter:
        """Events a worker handled (processed or duplicate), by type, since it started."""
        text = requests.get(f"http://127.0.0.1:{self.metrics_ports[service]}/metrics", timeout=5).text
        out: Counter = Counter()
        for m in re.finditer(r'^confer_events_consumed_total\{([^}]*)\} ([0-9.e+]+)$', text, re.M):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
            if labels.get("outcome") in ("processed", "duplicate"):
                out[labels["type"]] += int(float(m.group(2)))
        return out


class Tap(EventReader):
    """An outside subscriber that survives broker restarts: a durable quorum queue of its
    own bound to every key on the public and internal exchanges (so what is published
    while it reconnects waits for it), consumed with acks, deleted at close. The same
    reading interface as services.common.testing.BusTap (whose exclusive queue dies with
    its connection: the broker is shared and other tests restart it)."""

    def __init__(self, url: str, exchange: str):
        from kombu import Queue, binding

        from services.common.bus import Topology

        self.url, self.topology = url, Topology(exchange)
        self.queue = Queue(f"{exchange}.tap-{os.getpid()}-{time.monotonic_ns() % 10**8}", durable=True,
                           auto_delete=False, queue_arguments={"x-queue-type": "quorum"},
                           bindings=[binding(self.topology.public, routing_key="#"),
                                     binding(self.topology.internal, routing_key="#")])
        self.messages: list[dict] = []
        self.exchange_of: dict[str, str] = {}  # event id -> the exchange it arrived on
        self.undecodable: list[bytes] = []
        self._seen: set[str] = set()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="season-tap")
        self._thread.start()
        if not self._ready.wait(60):
            raise RuntimeError("the tap could not reach the broker")

    def _on_message(self, message):
        try:
            env = json.loads(message.body)
        except ValueError:
            env = None
        with self._cond:
            if not isinstance(env, dict):
                self.undecodable.append(message.body)
            elif env.get("id") not in self._seen:  # a redelivery after a reconnect is one message
                self._seen.add(env.get("id"))
                self.exchange_of[env.get("id")] = message.delivery_info.get("exchange")
                self.messages.append(env)
                self._cond.notify_all()
        message.ack()

    def _run(self):
        from kombu import Connection

        while not self._stop.is_set():
            try:
                with Connection(self.url, heartbeat=0, connect_timeout=5) as conn:
                    channel = conn.channel()
                    self.topology.declare_exchanges(channel)
                    self.queue.bind(channel).declare()
                    with conn.Consumer([self.queue], on_message=self._on_message, accept=[], prefetch_count=200):
                        self._ready.set()
                        while not self._stop.is_set():
                            try:
                                conn.drain_events(timeout=0.3)
                            except TimeoutError:
                                continue
            except Exception:  # noqa: BLE001 - the broker restarts: connect again
                time.sleep(1)

    def wait_for(self, name: str, count: int = 1, timeout: float = 240.0, where=None) -> list[dict]:
        return super().wait_for(name, count, timeout, where)  # a season's steps take longer

    def close(self):
        from kombu import Connection

        self._stop.set()
        self._thread.join(5)
        try:
            with Connection(self.url, connect_timeout=5) as conn:
                self.queue.bind(conn.channel()).delete()
        except Exception:  # noqa: BLE001 - the vhost goes away at the end of the session anyway
            pass


def subscriptions(service: str) -> set[str]:
    import importlib

    return set(getattr(importlib.import_module(f"services.{service}.handlers"), "HANDLERS", {}))


def settle(system, tap, timeout: float = 120.0, quiet: float = 1.5, services=None) -> dict:
    """Wait until every worker has handled every event the tap saw of the types it
    subscribes to, and nothing new has appeared for `quiet` seconds."""
    services = services or [s for s in system.services if subscriptions(s)]
    subs = {s: subscriptions(s) for s in services}
    deadline = time.monotonic() + timeout
    stable_since, last_seen = None, -1
    while True:
        seen = Counter(m["type"].split(".")[-2] for m in list(tap.messages))
        behind = {}
        for s in services:
            try:
                got = system.consumed(s)
            except requests.RequestException:
                got = Counter()
            lag = {t: seen[t] - got[t] for t in subs[s] if seen[t] > got[t]}
            if lag:
                behind[s] = lag
        total = sum(seen.values())
        if not behind and total == last_seen:
            if stable_since and time.monotonic() - stable_since >= quiet:
                return dict(seen)
            stable_since = stable_since or time.monotonic()
        else:
            stable_since = None
        last_seen = total
        if time.monotonic() > deadline:
            raise AssertionError(f"the system did not settle: consumers behind {behind}")
        time.sleep(0.3)


# -- SMTP and SMS sinks --------------------------------------------------------------
class MailSink:
    """A real SMTP server (aiosmtpd) in this process; keeps every message it accepted."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[dict] = []
        self._lock = threading.Lock()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
                msg = message_from_bytes(envelope.original_content or envelope.content, policy=email_policy)
                with sink._lock:
                    for rcpt in envelope.rcpt_tos:
                        sink.messages.append({"to": rcpt.lower(), "message_id": str(msg["Message-ID"]),
                                              "subject": str(msg["Subject"]),
                                              "lang": str(msg["Content-Language"] or ""),
                                              "ics": any(p.get_content_type() == "text/calendar"
                                                         for p in msg.walk())})
                return "250 OK"

        import logging

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    @property
    def env(self) -> dict:
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port)}

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.messages)

    def by_recipient(self) -> Counter:
        return Counter(m["to"] for m in self.snapshot())

    def duplicates(self) -> dict:
        """Message-IDs received more than once (one delivery, sent twice)."""
        return {k: n for k, n in Counter((m["to"], m["message_id"]) for m in self.snapshot()).items() if n > 1}

    def wait_for(self, count: int, timeout: float = 180.0, settle_s: float = 3.0) -> int:
        """Wait for `count` messages, then a little longer so a surplus would show."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(settle_s)
        return len(self.messages)


class SmsSink:
    """The SMS provider's HTTP API (`POST /messages`), answering 200 with an id."""

    def __init__(self):
        self.messages: list[dict] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                sink.messages.append({"to": body.get("to"), "key": self.headers.get("Idempotency-Key")})
                out = json.dumps({"id": f"sms-{len(sink.messages)}"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="sms-sink")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()

    @property
    def env(self) -> dict:
        return {"SMS_URL": f"http://127.0.0.1:{self.server.server_address[1]}", "SMS_API_KEY": "test"}

    def duplicates(self) -> dict:
        return {k: n for k, n in Counter(m["key"] for m in self.messages).items() if n > 1}


def service_env(mail: MailSink, sms: SmsSink | None = None) -> dict:
    """Environment for every process of a season: mail and SMS to the sinks, quiet hours
    off (the test clock jumps days, so the hour of day is arbitrary), delivery retries in
    seconds instead of minutes."""
    env = {**mail.env, "NOTIFY_QUIET_HOURS": "00:00-00:00", "NOTIFY_RETRY_DELAYS": "1,2,4,8",
           "NOTIFY_SEND_TIMEOUT": "5", "LOG_LEVEL": "WARNING"}
    if sms:
        env.update(sms.env)
    return env


# -- the demo district --------------------------------------------------------------
class District:
    """The demo bundle and who is whose in it (as the SIS exported it)."""

    def __init__(self, path: Path, schools: int = 2, students: int = 40, seed: int = 7):
        from services.roster.adapters.demo.district import generate
        from services.roster.domain.ids import confer_id

        self.path = Path(path)
        self.counts = generate(self.path, schools=schools, students=students, seed=seed, as_zip=True)
        with zipfile.ZipFile(self.path) as z:
            users = list(csv.DictReader(io.StringIO(z.read("users.csv").decode())))
            orgs = list(csv.DictReader(io.StringIO(z.read("orgs.csv").decode())))
        # Keyed by Confer id (district-scoped, services/roster/domain/ids.py), as the services name people.
        self.email = {confer_id(DISTRICT, u["sourcedId"]): u["email"].lower() for u in users if u.get("email")}
        self.role = {confer_id(DISTRICT, u["sourcedId"]): u["role"] for u in users}
        self.schools = {confer_id(DISTRICT, o["sourcedId"]): o for o in orgs if o["type"] == "school"}

    def zip_bytes(self) -> bytes:
        return self.path.read_bytes()


def token(role: str, sub: str, school_ids=(), ttl: int = 4 * 3600) -> str:
    from services.common.auth import mint
    from services.common.config import DEV_JWT_SECRET

    return mint(DEV_JWT_SECRET, sub=sub, role=role, district_id=DISTRICT, school_ids=school_ids, ttl=ttl)


class Api:
    """requests.Session for one person against the system's services."""

    def __init__(self, system, role: str, sub: str, school_ids=()):
        self.system, self.role, self.sub = system, role, sub
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token(role, sub, school_ids)}"

    def call(self, method: str, service: str, path: str, expect=None, **kw):
        kw.setdefault("timeout", 60)
        r = self.http.request(method, self.system.url(service, path), **kw)
        if expect is not None:
            allowed = expect if isinstance(expect, (tuple, list, set)) else (expect,)
            assert r.status_code in allowed, f"{method} {service}{path} as {self.role} {self.sub}: " \
                                             f"{r.status_code} {r.text[:500]}"
        return r

    def get(self, service, path, expect=200, **kw):
        return self.call("GET", service, path, expect, **kw)

    def post(self, service, path, expect=None, **kw):
        return self.call("POST", service, path, expect, **kw)

    def put(self, service, path, expect=None, **kw):
        return self.call("PUT", service, path, expect, **kw)

    def patch(self, service, path, expect=None, **kw):
        return self.call("PATCH", service, path, expect, **kw)


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.3, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(interval)


# -- a season's steps, over HTTP only ----------------------------------------------
GOAL_TEMPLATE = {
    "statement": "I will ask questions when I don't understand parts of the math lesson.",
    "focus": {"kind": "standard", "label": "fractions", "code": "CCSS.MATH.4.NF.A.1"},
    "term": "short",
    "specific_actions": ["I will ask a question when I get stuck",
                         "I will practice fractions for 10 minutes each night",
                         "I will check my work with a partner"],
    "trackable": {"method": "I will color in my fractions chart every Friday",
                  "measure": {"unit": "quiz score", "baseline": 55, "target": 80}},
    "achievable_reasons": ["I already know halves and quarters", "My teacher meets with me on Tuesdays"],
    "supports": {"teacher": ["small group on Tuesdays"], "family": ["ask me about math at dinner"],
                 "student": ["bring my math folder home"]},
}


def school_cycle(today) -> str:
    """The goals service's fall cycle of the school year `today` is in."""
    return f"{today.year if today.month >= 8 else today.year - 1}-fall"


class Season:
    """The district, the people in it (as the roster API tells them) and the steps of a
    conference season, each one HTTP request to a service as the person who does it."""

    def __init__(self, system, district: District):
        self.system, self.district = system, district
        self.admin = Api(system, "district_admin", "adm-000001")
        self.schools: dict[str, dict] = {}
        self.students: dict[str, dict] = {}      # id -> roster StudentOut
        self.teachers: dict[str, str] = {}       # teacher id -> school id
        self.windows: dict[str, dict] = {}       # school id -> window
        self._apis: dict[tuple, Api] = {}

    def as_(self, role: str, sub: str, school_ids=()) -> Api:
        key = (role, sub, tuple(school_ids))
        if key not in self._apis:
            self._apis[key] = Api(self.system, role, sub, school_ids)
        return self._apis[key]

    def school_admin(self, school_id: str) -> Api:
        return self.as_("school_admin", f"principal-{school_id}", (school_id,))

    def teacher(self, teacher_id: str) -> Api:
        return self.as_("teacher", teacher_id, (self.teachers[teacher_id],))

    def guardian(self, guardian_id: str) -> Api:
        return self.as_("guardian", guardian_id)

    def student(self, student_id: str) -> Api:
        return self.as_("student", student_id)

    # -- roster -----------------------------------------------------------------
    def import_district(self) -> dict:
        r = self.admin.post("roster", "/imports", expect=(200, 201), timeout=300,
                            files={"file": ("district.zip", self.district.zip_bytes(), "application/zip")})
        return r.json()

    def discover(self) -> None:
        """Schools, classes, teachers, students and guardians, from the roster API."""
        for school in self.admin.get("roster", "/schools?limit=200").json()["items"]:
            self.schools[school["id"]] = school
            for klass in self.admin.get("roster", f"/schools/{school['id']}/classes?limit=200").json()["items"]:
                for t in klass["teacher_ids"]:
                    self.teachers[t] = school["id"]
        for t in sorted(self.teachers):
            for s in self.admin.get("roster", f"/teachers/{t}/students?limit=200").json()["items"]:
                if s["id"] not in self.students:
                    self.students[s["id"]] = self.admin.get("roster", f"/students/{s['id']}").json()

    def guardians_in(self, school_id: str) -> set[str]:
        return {g for s in self.students.values() if s["school_id"] == school_id and s["active"]
                for g in s["guardian_ids"]}

    # -- scheduling -----------------------------------------------------------------
    def open_windows(self, days_ahead: int = 3, start: str = "15:00", end: str = "18:00",
                     closes_in: timedelta = timedelta(hours=20), cycle: str | None = None) -> None:
        from zoneinfo import ZoneInfo

        now = self.system.now()
        for sid, school in sorted(self.schools.items()):
            local = now.astimezone(ZoneInfo(school["time_zone"]))
            day = (local + timedelta(days=days_ahead)).date().isoformat()
            body = {"school_id": sid, "cycle": cycle or school_cycle(local.date()), "name": "Fall conferences",
                    "days": [{"date": day, "start": start, "end": end}], "slot_minutes": 15,
                    "booking_opens_at": (now - timedelta(hours=1)).isoformat(),
                    "booking_closes_at": (now + closes_in).isoformat(), "policy": "per_household",
                    "nudge_after_days": 1}
            window = self.school_admin(sid).post("scheduling", "/windows", expect=201, json=body).json()
            for i, t in enumerate(sorted(t for t, s in self.teachers.items() if s == sid)):
                r = self.teacher(t).put("scheduling", f"/windows/{window['window_id']}/availability/{t}", expect=200,
                                        json={"room": f"{100 + i}", "ranges": [{"date": day, "start": start,
                                                                                 "end": end}]})
                assert r.json()["slots"] > 0
            opened = self.school_admin(sid).post("scheduling", f"/windows/{window['window_id']}/open",
                                                 expect=200).json()
            assert opened["invited"] == len(self.guardians_in(sid)), (opened["invited"], self.guardians_in(sid))
            self.windows[sid] = {**opened, "day": day}

    def free_slots(self, api: Api, school_id: str, teacher_id: str) -> list[dict]:
        wid = self.windows[school_id]["window_id"]
        return api.get("scheduling", f"/windows/{wid}/slots?teacher_id={teacher_id}&free=true").json()

    def book(self, guardian_id: str, student_ids: list[str], *, by: Api | None = None, slot_id: str | None = None,
             expect=201, **extra) -> list[dict] | object:
        """Book children of one school; one child takes `slot_id` or its teacher's first
        free slot, siblings get the earliest back-to-back slots."""
        school = self.students[student_ids[0]]["school_id"]
        api = by or self.guardian(guardian_id)
        if len(student_ids) == 1:
            sid = student_ids[0]
            if slot_id is None:
                teacher = self.students[sid]["teacher_ids"][0]
                slot_id = self.free_slots(api, school, teacher)[0]["slot_id"]
            children = [{"student_id": sid, "slot_id": slot_id, "private_talk": extra.pop("private_talk", False)}]
        else:
            children = [{"student_id": s} for s in student_ids]
        body = {"students": children, **extra}
        if by is not None:
            body["guardian_id"] = guardian_id
        r = api.post("scheduling", f"/windows/{self.windows[school]['window_id']}/bookings", expect=expect,
                     json=body)
        return r.json()["bookings"] if r.status_code == 201 else r

    def bookings(self, school_id: str) -> list[dict]:
        wid = self.windows[school_id]["window_id"]
        return self.school_admin(school_id).get("scheduling", f"/bookings?window_id={wid}").json()["bookings"]

    # -- goals --------------------------------------------------------------------
    def write_goal(self, student_id: str, cycle: str, target_date: str) -> dict:
        me = self.student(student_id)
        goal = me.post("goals", f"/students/{student_id}/goals", expect=201,
                       json={**GOAL_TEMPLATE, "cycle": cycle, "target_date": target_date}).json()
        assert goal["can_submit"], goal["feedback"]
        return me.post("goals", f"/goals/{goal['goal_id']}/submit", expect=200).json()


