"""Webhook HMAC signing/verification, MIME building and input checks (no servers)."""
import hashlib
import hmac
import re
from email import message_from_bytes, policy

import pytest

from services.notifications.adapters.channels import (
    HttpSmsProvider, PermanentSendError, SendError, TransientSendError, sign, verify_signature)
from services.notifications.adapters.content import Message
from services.notifications.adapters.email import SmtpSender, build_email

SECRET = "s3cr3t"
BODY = b'{"type":"ConferenceBooked","id":"e-1"}'
TS = 1_790_000_000


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, TS, BODY) == f"sha256={expected}"
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", sign(SECRET, TS, BODY))
    assert sign(SECRET.encode(), str(TS), BODY.decode()) == sign(SECRET, TS, BODY)


def test_verify_accepts_a_fresh_valid_signature():
    sig = sign(SECRET, TS, BODY)
    assert verify_signature(SECRET, TS, BODY, sig, now=TS)
    assert verify_signature(SECRET, str(TS), BODY.decode(), sig, now=TS + 299)


@pytest.mark.parametrize("change", [
    {"body": BODY.replace(b"e-1", b"e-2")},     # tampered body
    {"body": BODY + b" "},                      # even whitespace counts
    {"secret": "other"},                        # wrong secret
    {"timestamp": TS + 1},                      # timestamp is part of what is signed
    {"now": TS + 301},                          # too old: replay
    {"now": TS - 301},                          # too far in the future
    {"signature": None},
    {"signature": "sha256=" + "0" * 64},
    {"signature": "md5=abc"},
    {"timestamp": "yesterday"},
    {"timestamp": None},
])
def test_verify_rejects_tampering_replay_and_garbage(change):
    args = {"secret": SECRET, "timestamp": TS, "body": BODY,
            "signature": sign(SECRET, TS, BODY), "now": TS}
    args.update(change)
    assert verify_signature(**args) is False


def test_tolerance_is_configurable():
    sig = sign(SECRET, TS, BODY)
    assert not verify_signature(SECRET, TS, BODY, sig, tolerance_s=60, now=TS + 61)
    assert verify_signature(SECRET, TS, BODY, sig, tolerance_s=3600, now=TS + 3000)


MSG = Message(subject="Reservada: conferencia de Mateo", text="Hola, Ana:\nTexto ñ\n",
              html='<!DOCTYPE html><html lang="es"><body><h1>Hola</h1></body></html>',
              lang_used="es", fallback=False)
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def test_build_email_with_alternatives_and_invite():
    msg = build_email(MSG, "ana@example.test", from_addr="Lincoln <no-reply@lincoln.test>",
                      ics=ICS, message_id="<evt-1.guardian-7@confer>")
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    assert parsed["Subject"] == MSG.subject and parsed["Content-Language"] == "es"
    assert parsed["Message-ID"] == "<evt-1.guardian-7@confer>"
    assert parsed.get_body(("plain",)).get_content() == MSG.text
    assert parsed.get_body(("html",)).get_content().strip() == MSG.html
    [invite] = list(parsed.iter_attachments())
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST" and invite.get_filename() == "invite.ics"
    assert invite.get_content().encode() == ICS or invite.get_payload(decode=True) == ICS


def test_build_email_without_invite_is_just_alternatives():
    parsed = message_from_bytes(build_email(MSG, "a@b.test").as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["From"] is None  # the sender fills in its configured From


def test_error_hierarchy_and_sms_number_check():
    assert issubclass(TransientSendError, SendError) and issubclass(PermanentSendError, SendError)
    with pytest.raises(PermanentSendError, match="E.164"):
        HttpSmsProvider("http://127.0.0.1:9", "key").send("555-0100", "hi")
    with pytest.raises(ValueError):
        SmtpSender("localhost", 25, starttls=True, ssl=True)
