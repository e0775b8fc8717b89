"""Notifications test kit: a real SMTP server (aiosmtpd) whose behaviour a test can
switch (accept / refuse with 451 / down), a movable clock for Store(clock=...), a small
roster (a Spanish-speaking guardian, her son, his teacher) and booking events."""
from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from services.common.testing import make_envelope, run_handler
from services.notifications.entrypoints.handlers import HANDLERS

logging.getLogger("mail.log").setLevel(logging.WARNING)

TZ = "America/Chicago"
START = datetime(2026, 10, 20, 21, 30, tzinfo=timezone.utc)  # 16:30 in Chicago
NOON_CHICAGO = datetime(2026, 10, 12, 17, 0, tzinfo=timezone.utc)
GUARDIAN = {"person_id": "g-1", "role": "guardian", "given_name": "Ana", "family_name": "García",
            "email": "ana@example.test", "phone": None, "language": "es", "school_ids": ["s-1"]}
STUDENT = {"person_id": "st-1", "role": "student", "given_name": "Mateo", "family_name": "García",
           "language": "es", "school_ids": ["s-1"], "grade": "04"}
TEACHER = {"person_id": "t-1", "role": "teacher", "given_name": "Laura", "family_name": "Lee",
           "email": "lee@lincoln.test", "language": "en", "school_ids": ["s-1"]}
SCHOOL = {"school_id": "s-1", "name": "Escuela Lincoln", "time_zone": TZ, "languages": ["en", "es"], "active": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def roster_events(guardian=None, student=None, teacher=None, school=None) -> list[dict]:
    g, st, t = dict(GUARDIAN, **(guardian or {})), dict(STUDENT, **(student or {})), dict(TEACHER, **(teacher or {}))
    return [make_envelope("SchoolUpdated", dict(SCHOOL, **(school or {}))),
            *[make_envelope("PersonProfileChanged", p, school_id="s-1") for p in (g, st, t)],
            make_envelope("StudentEnrolled", {"student_id": st["person_id"], "school_id": "s-1", "class_id": "c-1",
                                              "teacher_ids": [t["person_id"]], "grade": "04",
                                              "school_year": "2026"}),
            make_envelope("GuardianLinked", {"guardian_id": g["person_id"], "student_id": st["person_id"],
                                             "school_id": "s-1"})]


def booking(**over) -> dict:
    data = {"booking_id": "b-1", "window_id": "w-1", "school_id": "s-1", "student_id": "st-1", "teacher_id": "t-1",
            "guardian_id": "g-1", "start": START.isoformat(), "end": (START + timedelta(minutes=20)).isoformat(),
            "modality": "in_person", "room": "12", "interpreter_language": None, "private_talk": False}
    data.update(over)
    return data


def booked_event(**over) -> dict:
    return make_envelope("ConferenceBooked", dict(booking(**over), booked_by_role="guardian"))


def seed(store, events=None) -> None:
    for env in events or roster_events():
        run_handler(store, HANDLERS, env)


class Clock:
    """Time that runs (so short retry delays elapse) from `start`, and can jump ahead."""

    def __init__(self, start: datetime, running: bool = True):
        self.base, self.running, self.t0 = start, running, time.monotonic()

    def __call__(self) -> datetime:
        elapsed = time.monotonic() - self.t0 if self.running else 0.0
        return self.base + timedelta(seconds=elapsed)

    def set(self, when: datetime) -> None:
        self.base, self.t0 = when, time.monotonic()


class Mailbox:
    """aiosmtpd handler: accepts mail unless `refuse` holds an SMTP reply such as
    '451 4.3.0 try again later' (for everyone) or `rejects` one for an address."""

    def __init__(self):
        self.received, self.refuse, self.rejects, self.lock = [], None, {}, threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse or address in self.rejects:
            return self.refuse or self.rejects[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    def to(self, address: str, subject_has: str | None = None) -> list:
        with self.lock:
            return [m for m in self.received if m["To"] == address
                    and (subject_has is None or subject_has in m["Subject"])]


class SmtpServer:
    def __init__(self, port: int | None = None):
        self.mailbox, self.port, self.controller = Mailbox(), port or free_port(), None

    def start(self) -> "SmtpServer":
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def notify_env(monkeypatch):
    """Short retry delays and breaker cool-downs, no SMTP yet; returns monkeypatch for more."""
    monkeypatch.setenv("NOTIFY_RETRY_DELAYS", "0.3,0.3,0.5,0.5")
    monkeypatch.setenv("NOTIFY_MAX_TRIES", "5")
    monkeypatch.setenv("NOTIFY_BREAKER_COOLDOWN", "0.5")
    monkeypatch.setenv("NOTIFY_BREAKER_MAX_COOLDOWN", "2")
    monkeypatch.setenv("SMTP_FROM", "Escuela Lincoln <no-reply@lincoln.test>")
    monkeypatch.setenv("CONFER_PUBLIC_URL", "https://confer.test")
    return monkeypatch


@pytest.fixture
def smtp_server(notify_env):
    """A real SMTP server (not yet started) wired into the notification settings."""
    server = SmtpServer()
    notify_env.setenv("SMTP_HOST", "127.0.0.1")
    notify_env.setenv("SMTP_PORT", str(server.port))
    yield server
    server.stop()


class Recorder(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, dict(self.headers), body))
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def http_sink():
    """A local HTTP server recording POSTs (webhook subscriber, SMS gateway)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.requests, server.statuses = [], []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock():
    return Clock(NOON_CHICAGO)


@pytest.fixture
def store(make_store, clock):
    """The notifications database on the real MongoDB-wire server, with our indexes and an
    injected clock."""
    from services.common import timers
    from services.notifications.adapters import repository

    s = make_store("notifications", clock=clock)
    s.on_indexes(timers.ensure_indexes)
    s.on_indexes(repository.ensure_indexes)
    s.ensure_indexes()
    return s


def fire(store, rounds: int = 3) -> int:
    """Fire due timers (digest) and send what is due on every lane, as the worker would,
    a few rounds, in this thread."""
    from services.common.timers import TimerRunner
    from services.notifications.entrypoints.handlers import TIMERS
    from services.notifications.entrypoints.lanes import DeliveryEngine

    runner, engine = TimerRunner(store, TIMERS, concurrency=1), DeliveryEngine(store)
    return sum(runner.fire_due() + engine.run_until_idle() for _ in range(rounds))


# -- the worker as its own process, with providers as processes ---------------------
from tests.statements import family_roster, report_ready  # noqa: E402  (shared with the statement counts)

class NotifyProcessWorld:
    """The notifications worker as its own process (`confer worker notifications`) on a
    MongoDB-wire server, a RabbitMQ vhost, an SMTP server process whose answer to DATA
    can be delayed, an SMS gateway process; roster seeded for `families`."""

    def __init__(self, tmp_path, mongo_url: str, amqp_url: str, exchange: str, families: int, **env):
        import uuid

        from services.common.bus import Publisher, Topology
        from services.common.consumer import Dispatcher
        from services.common.service import make_store
        from services.common.config import Settings
        from services.common.sinks import Sink
        from services.common.testing import WorkerProcess
        from services.notifications import SERVICE

        self.delay_file = tmp_path / "smtp-delay"
        self.delay_file.write_text("0")
        self.mail = Sink("smtp", str(tmp_path / "mail.log"), delay_file=str(self.delay_file))
        self.sms = Sink("sms", str(tmp_path / "sms.log"))
        settings = Settings(service="notifications", mongo_url=mongo_url, mongo_db=f"t_notify_{uuid.uuid4().hex[:8]}",
                            amqp_url=amqp_url, exchange=exchange)
        self.store = make_store(SERVICE, settings)
        self.store.ensure_indexes()
        dispatcher = Dispatcher(self.store, HANDLERS)
        envs = family_roster(families)
        for k in range(0, len(envs), 40):
            assert dispatcher.dispatch_batch(envs[k:k + 40]) is not None
        self.worker = WorkerProcess("notifications", {
            "MONGO_URL": mongo_url, "MONGO_DB": settings.mongo_db, "AMQP_URL": amqp_url, "CONFER_EXCHANGE": exchange,
            "LOG_LEVEL": "INFO", "NOTIFY_QUIET_HOURS": "00:00-00:00", "CONFER_PUBLIC_URL": "https://confer.test",
            "SMTP_FROM": "Escuela Lincoln <no-reply@lincoln.test>", **self.mail.env, **self.sms.env, **env},
            str(tmp_path / "worker.log"))
        self.publisher = Publisher(amqp_url, Topology(exchange), service="test")
        self.deliveries = self.store.db["deliveries"]

    def publish(self, env: dict) -> None:
        from services.common.catalogue import spec_for_type

        self.publisher.publish(env, spec=spec_for_type(env["type"]))

    def smtp_delay(self, seconds: float) -> None:
        tmp = self.delay_file.with_suffix(".tmp")
        tmp.write_text(repr(seconds))
        tmp.replace(self.delay_file)

    def close(self) -> None:
        self.worker.stop()
        self.publisher.close()
        self.mail.stop()
        self.sms.stop()
        self.store.client.drop_database(self.store.db.name)
        self.store.client.close()
