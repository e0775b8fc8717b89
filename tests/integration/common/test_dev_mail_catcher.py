"""The dev mail and SMS catchers: a real SMTP server (aiosmtpd) and the SMS provider's
HTTP API, fed through the notifications service's own senders, keeping each message
with its links for the dev mail page."""
from services.common.testing import free_port
from services.devmail import Mailbox, SmsCatcher, SmtpCatcher, extract_links
from services.notifications.adapters.channels import HttpSmsProvider
from services.notifications.adapters.content import Message
from services.notifications.adapters.email import SmtpSender, build_email


def test_caught_email_and_sms_keep_their_links(tmp_path):
    box = Mailbox(tmp_path / "mail")
    smtp = SmtpCatcher(box, port=free_port()).start()
    sms = SmsCatcher(box, port=0).start()
    try:
        msg = Message("Booked", "See http://127.0.0.1:8000/family/bookings/b-1 now.\n",
                      '<p><a href="http://127.0.0.1:8000/family/bookings/b-1?x=1&amp;y=2">Change</a></p>', "es", False)
        SmtpSender("127.0.0.1", smtp.port, timeout=10).send(
            build_email(msg, "ana@example.test", from_addr="Confer <no-reply@confer.test>", ics=b"BEGIN:VCALENDAR"))
        HttpSmsProvider(f"http://127.0.0.1:{sms.port}", "dev").send("+15555550100",
                                                                   "Booked http://127.0.0.1:8000/family/bookings/b-1")
    finally:
        smtp.stop()
        sms.stop()
    sms_msg, mail = box.list()
    assert mail["channel"] == "email" and mail["to"] == ["ana@example.test"] and mail["lang"] == "es"
    assert mail["calendar"] and mail["links"] == ["http://127.0.0.1:8000/family/bookings/b-1",
                                                  "http://127.0.0.1:8000/family/bookings/b-1?x=1&y=2"]
    assert sms_msg["channel"] == "sms" and sms_msg["links"] == ["http://127.0.0.1:8000/family/bookings/b-1"]
    assert box.get(mail["id"])["subject"] == "Booked" and box.get("../etc/passwd") is None


def test_links_are_found_in_text_and_html():
    assert extract_links("Go: https://x.test/a. Or https://x.test/b,", '<a href="https://x.test/c">c</a>') == \
        ["https://x.test/a", "https://x.test/b", "https://x.test/c"]
