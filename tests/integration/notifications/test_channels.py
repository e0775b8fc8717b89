"""Delivery channels against real local servers: an aiosmtpd SMTP server, and an
http.server for the SMS gateway and webhook subscriber."""
import ipaddress
import json
import socket
import threading
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import icalendar
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from services.notifications.adapters.channels import (
    HttpSmsProvider, PermanentSendError, TransientSendError, WebhookSender, verify_signature)
from services.notifications.adapters.content import render
from services.notifications.adapters.targets import TargetPolicy
from services.notifications.adapters.email import SmtpSender, build_email

STARTS = datetime(2026, 10, 20, 21, 30, tzinfo=timezone.utc)
CONTEXT = {"recipient_name": "Ana García", "school_name": "Lincoln Elementary",
           "student_name": "Mateo", "teacher_name": "Ms. Lee", "starts_at": STARTS,
           "modality": "in_person", "room": "Room 12", "duration_minutes": 30,
           "manage_url": "https://confer.test/manage/1"}

# The test subscriber listens on this machine: allow-listed (NOTIFY_WEBHOOK_ALLOW_NETWORKS
# does the same in a deployment), over plain http as in dev mode.
THIS_MACHINE = TargetPolicy(allow_http=True, allow_networks=(ipaddress.ip_network("127.0.0.0/8"),))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Handler:
    """Accepts mail, except: temp@ -> 451 at RCPT, nobody@ -> 550 at RCPT,
    spam@ -> 554 at DATA, busy@ -> 452 at DATA."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("temp@"):
            return "451 try later"
        if address.startswith("nobody@"):
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rcpt = envelope.rcpt_tos[0]
        if rcpt.startswith("spam@"):
            return "554 5.7.1 message rejected"
        if rcpt.startswith("busy@"):
            return "452 4.3.1 insufficient storage"
        self.received.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp():
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def make_ics() -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Confer//test//EN")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = icalendar.Event()
    event.add("uid", "booking-42@confer")
    event.add("summary", "Student-led conference: Mateo")
    event.add("dtstart", STARTS)
    event.add("dtend", STARTS + timedelta(minutes=30))
    event.add("dtstamp", STARTS)
    cal.add_component(event)
    return cal.to_ical()


def test_email_with_text_html_and_ics_reaches_a_real_smtp_server(smtp):
    handler, port = smtp
    message = render("booking_confirmation", "es", CONTEXT, "America/Chicago")
    msg = build_email(message, "ana@example.test", ics=make_ics(),
                      message_id="<evt-1.guardian-7@confer>")
    sender = SmtpSender("127.0.0.1", port, from_addr="Lincoln <no-reply@lincoln.test>")
    assert sender.send(msg) == "<evt-1.guardian-7@confer>"

    [envelope] = handler.received
    assert envelope.mail_from == "no-reply@lincoln.test"
    assert envelope.rcpt_tos == ["ana@example.test"]
    got = message_from_bytes(envelope.content, policy=policy.default)
    assert got["Subject"] == message.subject and got["Content-Language"] == "es"
    text = got.get_body(("plain",)).get_content()
    html = got.get_body(("html",)).get_content()
    assert "martes, 20 de octubre de 2026, 16:30" in text
    assert '<html lang="es"' in html and "Detalles de la conferencia" in html
    [attachment] = list(got.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_filename() == "invite.ics"
    cal = icalendar.Calendar.from_ical(attachment.get_payload(decode=True))
    assert str(cal["method"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert str(event["summary"]) == "Student-led conference: Mateo"
    assert event.decoded("dtstart") == STARTS


@pytest.mark.parametrize("rcpt, error, code", [
    ("temp@example.test", TransientSendError, 451),
    ("nobody@example.test", PermanentSendError, 550),
    ("spam@example.test", PermanentSendError, 554),
    ("busy@example.test", TransientSendError, 452),
])
def test_smtp_refusals_map_to_transient_or_permanent(smtp, rcpt, error, code):
    handler, port = smtp
    message = render("nudge", "en", {**CONTEXT, "window_end": "2026-10-23",
                                     "booking_url": "https://confer.test/book"}, "UTC")
    with pytest.raises(error) as info:
        SmtpSender("127.0.0.1", port).send(build_email(message, rcpt))
    assert info.value.code == code
    assert handler.received == []


def test_smtp_connection_refused_is_transient():
    message = render("report_ready", "en", {**CONTEXT, "report_url": "https://x.test/r"}, "UTC")
    with pytest.raises(TransientSendError, match="ConnectionRefused"):
        SmtpSender("127.0.0.1", free_port(), timeout=2).send(build_email(message, "a@b.test"))


def test_smtp_server_that_never_greets_times_out_as_transient():
    with socket.socket() as silent:  # the kernel accepts; nobody ever says "220"
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        message = render("report_ready", "en", {**CONTEXT, "report_url": "https://x/r"}, "UTC")
        started = time.monotonic()
        with pytest.raises(TransientSendError):
            SmtpSender("127.0.0.1", silent.getsockname()[1], timeout=0.5).send(
                build_email(message, "a@b.test"))
        assert time.monotonic() - started < 5


def test_smtp_login(smtp):
    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login, auth_data.password) == (b"confer", b"pw")
        return AuthResult(success=ok, handled=False)

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    try:
        message = render("report_ready", "en", {**CONTEXT, "report_url": "https://x/r"}, "UTC")
        SmtpSender("127.0.0.1", controller.port, username="confer", password="pw").send(
            build_email(message, "ana@example.test"))
        assert len(handler.received) == 1
        with pytest.raises(TransientSendError) as info:
            SmtpSender("127.0.0.1", controller.port, username="confer", password="bad").send(
                build_email(message, "ana@example.test"))
        assert info.value.code == 535 and len(handler.received) == 1
    finally:
        controller.stop()


class Recorder(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.requests.append((self.path, dict(self.headers), body))
        status, headers, payload, delay = (self.server.responses.popleft()
                                           if self.server.responses else (200, {}, b"{}", 0))
        time.sleep(delay)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def http():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    server.requests, server.responses = [], deque()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_sms_posts_json_with_bearer_key(http):
    server, url = http
    server.responses.append((201, {"Content-Type": "application/json"}, b'{"id": "sms-9"}', 0))
    provider = HttpSmsProvider(url + "/", "k-123", timeout=2)
    sms_id = provider.send("+13125550100", "Recordatorio: hoy 16:30", idempotency_key="d-1")
    assert sms_id == "sms-9"
    [(path, headers, body)] = server.requests
    assert path == "/messages"
    assert headers["Authorization"] == "Bearer k-123"
    assert headers["Content-Type"] == "application/json" and headers["Idempotency-Key"] == "d-1"
    assert json.loads(body) == {"to": "+13125550100", "body": "Recordatorio: hoy 16:30"}


@pytest.mark.parametrize("status, error", [
    (500, TransientSendError), (503, TransientSendError), (429, TransientSendError),
    (400, PermanentSendError), (401, PermanentSendError), (404, PermanentSendError),
])
def test_sms_status_mapping(http, status, error):
    server, url = http
    server.responses.append((status, {"Retry-After": "7"}, b'{"error": "x"}', 0))
    with pytest.raises(error) as info:
        HttpSmsProvider(url, "k", timeout=2).send("+13125550100", "hi")
    assert info.value.code == status
    if error is TransientSendError:
        assert info.value.retry_after == 7.0


def test_sms_timeout_and_connection_refused_are_transient(http):
    server, url = http
    server.responses.append((200, {}, b"{}", 1.5))
    with pytest.raises(TransientSendError, match="timed out"):
        HttpSmsProvider(url, "k", timeout=0.3).send("+13125550100", "hi")
    with pytest.raises(TransientSendError):
        HttpSmsProvider(f"http://127.0.0.1:{free_port()}", "k", timeout=1).send("+13125550100", "x")


def test_webhook_is_signed_and_verifiable_by_the_subscriber(http):
    server, url = http
    secret = "whsec-abc"
    payload = {"type": "NotificationSent", "id": "e-1", "data": {"kind": "reminder"}}
    sender = WebhookSender(url + "/hook", secret, timeout=2, clock=lambda: 1_790_000_000.7, targets=THIS_MACHINE)
    assert sender.send(payload, delivery_id="d-42") == 200
    [(path, headers, body)] = server.requests
    assert path == "/hook" and headers["Content-Type"] == "application/json"
    assert headers["X-Confer-Timestamp"] == "1790000000"
    assert headers["X-Confer-Delivery"] == "d-42"
    assert headers["X-Confer-Signature"].startswith("sha256=")
    assert json.loads(body) == payload
    ts, sig = headers["X-Confer-Timestamp"], headers["X-Confer-Signature"]
    assert verify_signature(secret, ts, body, sig, now=1_790_000_010)
    assert not verify_signature(secret, ts, body.replace(b"e-1", b"e-2"), sig, now=1_790_000_010)
    assert not verify_signature(secret, ts, body, sig, now=1_790_000_000 + 301)
    assert not verify_signature("wrong", ts, body, sig, now=1_790_000_010)


def test_webhook_failures_map_to_transient_or_permanent(http):
    server, url = http
    server.responses.extend([(502, {}, b"", 0), (410, {}, b"gone", 0)])
    sender = WebhookSender(url, "s", timeout=2, targets=THIS_MACHINE)
    with pytest.raises(TransientSendError):
        sender.send({"a": 1})
    with pytest.raises(PermanentSendError) as info:
        sender.send({"a": 1})
    assert info.value.code == 410


def test_a_kept_smtp_session_carries_many_messages_and_survives_the_server_closing_it():
    """The e-mail lane's sender keeps one SMTP session for message after message; when
    the server has closed it meanwhile (idle timeout, restart), it reconnects without
    losing or doubling the message."""
    sessions = []

    class Counting(Handler):
        async def handle_DATA(self, server, session, envelope):
            sessions.append(session.peer)  # the client end of the connection
            return await super().handle_DATA(server, session, envelope)

    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        message = render("report_ready", "en", {**CONTEXT, "report_url": "https://x/r"}, "UTC")
        sender = SmtpSender("127.0.0.1", controller.port, keep_open=True)
        for i in range(5):
            sender.send(build_email(message, f"p{i}@example.test", message_id=f"<m{i}@confer>"))
        assert len(handler.received) == 5 and len(set(sessions)) == 1  # one session for all five
        sender._smtp.sock.shutdown(socket.SHUT_RDWR)  # the connection is gone (as after an idle timeout)
        sender.send(build_email(message, "p5@example.test", message_id="<m5@confer>"))
        assert len(handler.received) == 6 and len(set(sessions)) == 2
        sender.close()
    finally:
        controller.stop()


def test_a_connection_cut_after_the_message_was_handed_over_is_an_unknown_outcome():
    """The server takes the message (DATA) but never answers: the sender cannot know
    whether it was accepted, and says so (it is resent at most once, counted)."""
    import asyncio

    from services.notifications.adapters.channels import OutcomeUnknown

    class Silent(Handler):
        async def handle_DATA(self, server, session, envelope):
            self.received.append(envelope)
            await asyncio.sleep(5)  # longer than the sender waits
            return "250 OK"

    handler = Silent()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        message = render("report_ready", "en", {**CONTEXT, "report_url": "https://x/r"}, "UTC")
        with pytest.raises(OutcomeUnknown):
            SmtpSender("127.0.0.1", controller.port, timeout=1).send(build_email(message, "a@b.test"))
        assert len(handler.received) == 1  # it did arrive
    finally:
        controller.stop()
