"""Recording and delivering without a broker (the worker's own dispatcher and timer
runner), against the real MongoDB-wire server and a real SMTP server: quiet hours with an
injected clock, language fallback, SMS, teacher digest, webhooks, idempotent recording,
permanent refusals and recovery after a crash between send and mark."""
import json
from datetime import datetime, timedelta, timezone

import icalendar

from services.common import metrics
from services.common.auth import Principal
from services.common.store import LEDGER
from services.common.testing import make_envelope, run_handler
from services.notifications.adapters import repository as repo
from services.notifications.application import inbox as uc
from services.notifications.adapters.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from services.notifications.entrypoints.handlers import HANDLERS
from tests.integration.notifications.conftest import GUARDIAN, booked_event, booking, fire, roster_events, seed

UTC = timezone.utc
TEACHER = Principal(sub="t-1", role="teacher", district_id="d-1", school_ids=("s-1",))
ADMIN = Principal(sub="a-1", role="district_admin", district_id="d-1")


def counter(metric, *labels) -> float:
    return metric.labels(*labels)._value.get()


def deliveries(store, **query) -> list[dict]:
    return list(store.db[repo.DELIVERIES].find(query))


def test_booking_records_then_sends_spanish_confirmation_with_ics(store, smtp_server):
    smtp_server.start()
    seed(store)
    assert run_handler(store, HANDLERS, booked_event()) == "processed"
    recorded = {(d["recipient_id"], d["channel"], d["kind"]) for d in deliveries(store)}
    assert {("g-1", "email", "booking_confirmation"), ("g-1", "inapp", "booking_confirmation"),
            ("g-1", "email", "parent_input_request"), ("t-1", "email", "teacher_update")} <= recorded
    assert smtp_server.mailbox.received == []  # the handler only records
    fire(store)
    [mail] = smtp_server.mailbox.to("ana@example.test", "Reservada")
    assert mail["Content-Language"] == "es" and mail["Message-ID"].startswith("<n-")
    assert "Gracias por reservar" in mail.get_body(("plain",)).get_content()
    [ics] = list(mail.iter_attachments())
    [event] = icalendar.Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 10, 20, 21, 30, tzinfo=UTC)
    assert len(smtp_server.mailbox.to("ana@example.test", "Cuéntenos")) == 1  # parent input request
    assert len(smtp_server.mailbox.to("lee@lincoln.test")) == 1  # teacher update, in English
    assert {d["status"] for d in deliveries(store)} == {"sent"}
    sent = [o["envelope"]["data"] for o in store.db["outbox"].find({"name": "NotificationSent"})]
    assert len(sent) == len(recorded) and not any("ana@" in json.dumps(s) for s in sent)


def test_same_event_twice_or_replayed_records_and_sends_once(store, smtp_server):
    smtp_server.start()
    seed(store)
    env = booked_event()
    assert run_handler(store, HANDLERS, env) == "processed"
    assert run_handler(store, HANDLERS, env) == "duplicate"
    store.db[LEDGER].delete_many({})  # e.g. a replay from the dead-letter queue after the ledger expired
    assert run_handler(store, HANDLERS, env) == "processed"
    fire(store)
    assert run_handler(store, HANDLERS, env) == "duplicate"
    fire(store)
    assert len(smtp_server.mailbox.to("ana@example.test", "Reservada")) == 1
    assert len(deliveries(store, recipient_id="g-1", channel="email", kind="booking_confirmation")) == 1


def test_quiet_hours_defer_a_reminder_to_seven_in_the_morning(store, smtp_server, clock):
    smtp_server.start()
    seed(store)
    clock.running = False
    clock.set(datetime(2026, 10, 20, 3, 30, tzinfo=UTC))  # 22:30 in Chicago
    deferred = counter(metrics.NOTIFICATIONS, "email", "reminder", "deferred")
    run_handler(store, HANDLERS, make_envelope("ConferenceReminderDue", booking()))
    [email] = deliveries(store, channel="email", kind="reminder")
    assert email["due_at"] == datetime(2026, 10, 20, 12, 0, tzinfo=UTC)  # 07:00 CDT
    assert counter(metrics.NOTIFICATIONS, "email", "reminder", "deferred") == deferred + 1
    fire(store)
    assert store.db[repo.INBOX].count_documents({"recipient_id": "g-1", "kind": "reminder"}) == 1  # in-app is silent
    assert smtp_server.mailbox.received == []
    clock.set(datetime(2026, 10, 20, 11, 59, 59, tzinfo=UTC))
    fire(store)
    assert smtp_server.mailbox.received == []
    clock.set(datetime(2026, 10, 20, 12, 0, tzinfo=UTC))
    fire(store)
    [mail] = smtp_server.mailbox.to("ana@example.test")
    assert mail["Subject"].startswith("Recordatorio: conferencia de Mateo")


def test_a_family_booking_at_night_is_confirmed_at_once_but_the_rest_waits(store, smtp_server, clock):
    smtp_server.start()
    seed(store)
    clock.running = False
    clock.set(datetime(2026, 10, 13, 3, 30, tzinfo=UTC))  # 22:30 in Chicago
    run_handler(store, HANDLERS, booked_event())
    fire(store)
    assert len(smtp_server.mailbox.to("ana@example.test", "Reservada")) == 1  # answers what she just did
    assert smtp_server.mailbox.to("ana@example.test", "Cuéntenos") == []  # the input request waits
    assert smtp_server.mailbox.to("lee@lincoln.test") == []  # so does the teacher's update
    clock.set(datetime(2026, 10, 13, 12, 0, tzinfo=UTC))
    fire(store)
    assert len(smtp_server.mailbox.to("ana@example.test", "Cuéntenos")) == 1
    assert len(smtp_server.mailbox.to("lee@lincoln.test")) == 1


def test_language_without_catalogue_falls_back_to_english_and_is_counted(store, smtp_server):
    smtp_server.start()
    seed(store, roster_events(guardian={"language": "vi"}))
    before = counter(metrics.TRANSLATION_FALLBACKS, "vi")
    run_handler(store, HANDLERS, booked_event())
    fire(store)
    assert smtp_server.mailbox.to("ana@example.test", "Booked: Mateo's conference")
    assert counter(metrics.TRANSLATION_FALLBACKS, "vi") >= before + 2  # confirmation + input request


def test_opt_out_and_sms(store, smtp_server, http_sink, notify_env):
    server, url = http_sink
    notify_env.setenv("SMS_URL", url)
    notify_env.setenv("SMS_API_KEY", "k-1")
    smtp_server.start()
    seed(store, roster_events(guardian={"phone": "+13125550100"}))
    uc.put_preferences(store, Principal(sub="g-1", role="guardian", district_id="d-1"),
                       {"opted_out": ["email"], "quiet_start": "21:00", "quiet_end": "07:00", "digest": False,
                        "language": None})
    run_handler(store, HANDLERS, make_envelope("ReportReady", {"report_id": "r-1", "student_id": "st-1",
                                                               "school_id": "s-1", "period": "Nov 2026",
                                                               "formats": ["pdf"]}))
    fire(store)
    assert smtp_server.mailbox.to("ana@example.test") == []
    [(path, headers, body)] = server.requests
    sms = json.loads(body)
    assert path == "/messages" and headers["Authorization"] == "Bearer k-1" and sms["to"] == "+13125550100"
    assert "informe de progreso" in sms["body"] and "https://confer.test/family/children/st-1/report?period=Nov+2026" in sms["body"]


def test_teacher_digest_batches_updates_into_one_email_at_four(store, smtp_server, clock):
    smtp_server.start()
    seed(store)
    clock.running = False
    uc.put_preferences(store, TEACHER, {"opted_out": [], "quiet_start": "21:00", "quiet_end": "07:00",
                                        "digest": True, "language": None})
    run_handler(store, HANDLERS, booked_event(interpreter_language="es"))
    run_handler(store, HANDLERS, make_envelope("ParentInputSubmitted", {
        "student_id": "st-1", "guardian_id": "g-1", "school_id": "s-1", "cycle": "fall-2026",
        "private_talk_requested": False, "family_goal_count": 1}))
    assert {d["channel"] for d in deliveries(store, recipient_id="t-1")} == {"inapp"}
    fire(store)
    assert store.db[repo.INBOX].count_documents({"recipient_id": "t-1"}) == 2
    assert smtp_server.mailbox.to("lee@lincoln.test") == []
    clock.set(datetime(2026, 10, 12, 21, 0, tzinfo=UTC))  # 16:00 in Chicago
    fire(store)
    [digest] = smtp_server.mailbox.to("lee@lincoln.test")
    assert digest["Subject"].startswith("Confer: 3 updates for")
    text = digest.get_body(("plain",)).get_content()
    assert "booked a conference" in text and "Spanish interpreter" in text and "parent input form" in text
    fire(store)
    assert len(smtp_server.mailbox.to("lee@lincoln.test")) == 1


def test_webhook_subscriber_gets_a_signed_callback_without_contact_details(store, smtp_server, http_sink,
                                                                          monkeypatch):
    server, url = http_sink
    # The subscriber runs on this machine: allow-listed, as an on-premises one would be.
    monkeypatch.setenv("NOTIFY_WEBHOOK_ALLOW_NETWORKS", "127.0.0.0/8")
    smtp_server.start()
    seed(store)
    hook = uc.create_webhook(store, ADMIN, {"url": f"{url}/hook", "kinds": ["booking_confirmation"],
                                            "school_ids": [], "description": "SIS"})
    uc.create_webhook(store, ADMIN, {"url": f"{url}/reports-only", "kinds": ["report_ready"], "school_ids": [],
                                     "description": ""})
    env = booked_event()
    run_handler(store, HANDLERS, env)
    fire(store)
    [(path, headers, body)] = server.requests
    assert path == "/hook"
    assert verify_signature(hook["secret"], headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    payload = json.loads(body)
    assert payload["cause"]["id"] == env["id"] and b"@" not in body and b"Mateo" not in body
    assert {"kind": "booking_confirmation", "recipient_id": "g-1", "student_id": "st-1"} in payload["notifications"]


def test_permanent_refusal_fails_at_once_with_an_event(store, smtp_server):
    smtp_server.mailbox.rejects["ana@example.test"] = "550 5.1.1 no such user"
    smtp_server.start()
    seed(store)
    failed = counter(metrics.NOTIFICATIONS, "email", "booking_confirmation", "failed")
    run_handler(store, HANDLERS, booked_event())
    fire(store)
    [d] = deliveries(store, channel="email", kind="booking_confirmation")
    assert d["status"] == "failed" and d["attempts"] == 1
    [event] = [o["envelope"]["data"] for o in store.db["outbox"].find({"name": "NotificationFailed"})
               if o["envelope"]["data"]["kind"] == "booking_confirmation"]
    assert event["attempts"] == 1 and event["reason"] == "refused"
    assert counter(metrics.NOTIFICATIONS, "email", "booking_confirmation", "failed") == failed + 1


def _claimed_by_a_dead_worker(store, d: dict, clock, journal_state: str | None, attempt: int = 1) -> None:
    """As a worker leaves a delivery when killed mid-send: claimed (status sending, its
    lease now lapsed) and, if it got that far, its send journalled."""
    store.db[repo.DELIVERIES].update_one({"_id": d["_id"]}, {"$set": {
        "status": "sending", "lease": {"token": "dead", "owner": "gone:1", "until": clock() - timedelta(seconds=1)}}})
    if journal_state:
        store.db[repo.JOURNAL].insert_one({"_id": f"{d['_id']}:dead", "delivery_id": d["_id"], "attempt": attempt,
                                           "state": journal_state, "message_id": d["message_id"]})


def test_a_send_cut_off_by_a_crash_is_resent_once_with_its_message_id_and_counted(store, smtp_server, clock):
    smtp_server.start()
    seed(store)
    run_handler(store, HANDLERS, booked_event())
    [d] = deliveries(store, channel="email", kind="booking_confirmation")
    _claimed_by_a_dead_worker(store, d, clock, "sending")
    resends = counter(metrics.NOTIFICATION_UNKNOWN_RESENDS, "email")
    fire(store)
    [mail] = smtp_server.mailbox.to("ana@example.test", "Reservada")
    assert mail["Message-ID"] == d["message_id"]
    [after] = deliveries(store, _id=d["_id"])
    assert after["status"] == "sent" and after["attempts"] == 2 and after["unknown_outcomes"] == 1
    assert counter(metrics.NOTIFICATION_UNKNOWN_RESENDS, "email") == resends + 1


def test_a_claim_that_lapsed_before_any_send_is_sent_and_not_counted(store, smtp_server, clock):
    smtp_server.start()
    seed(store)
    run_handler(store, HANDLERS, booked_event())
    [d] = deliveries(store, channel="email", kind="booking_confirmation")
    _claimed_by_a_dead_worker(store, d, clock, None)
    resends = counter(metrics.NOTIFICATION_UNKNOWN_RESENDS, "email")
    fire(store)
    assert len(smtp_server.mailbox.to("ana@example.test", "Reservada")) == 1
    assert deliveries(store, _id=d["_id"])[0]["attempts"] == 1
    assert counter(metrics.NOTIFICATION_UNKNOWN_RESENDS, "email") == resends


def test_accepted_but_not_marked_is_not_sent_again(store, smtp_server, clock):
    """An 'accepted' journal entry (written by earlier versions after the server took the
    message) means sent: the delivery is marked sent and nothing is sent again."""
    smtp_server.start()
    seed(store)
    run_handler(store, HANDLERS, booked_event())
    [d] = deliveries(store, channel="email", kind="booking_confirmation")
    _claimed_by_a_dead_worker(store, d, clock, "accepted")
    fire(store)
    assert smtp_server.mailbox.to("ana@example.test", "Reservada") == []
    assert deliveries(store, _id=d["_id"])[0]["status"] == "sent"


def test_an_outcome_unknown_twice_is_not_sent_a_third_time(store, smtp_server, clock):
    smtp_server.start()
    seed(store)
    run_handler(store, HANDLERS, booked_event())
    [d] = deliveries(store, channel="email", kind="booking_confirmation")
    store.db[repo.DELIVERIES].update_one({"_id": d["_id"]}, {"$set": {"attempts": 1, "unknown_outcomes": 1,
                                                                      "resent_after_unknown": True}})
    _claimed_by_a_dead_worker(store, d, clock, "sending", attempt=2)
    fire(store)
    assert smtp_server.mailbox.to("ana@example.test", "Reservada") == []
    [after] = deliveries(store, _id=d["_id"])
    assert after["status"] == "failed" and after["unknown_outcomes"] == 2
    [event] = [o["envelope"]["data"] for o in store.db["outbox"].find({"name": "NotificationFailed"})]
    assert event["reason"] == "retries_exhausted" and event["notification_id"] == d["_id"]


def test_a_channel_without_a_provider_is_skipped_with_a_reason_not_tried(store, smtp_server, notify_env):
    notify_env.delenv("SMS_URL", raising=False)
    smtp_server.start()
    seed(store, roster_events(guardian={"phone": "+13125550100"}))
    before = counter(metrics.NOTIFICATIONS_SKIPPED, "sms", "not_configured")
    run_handler(store, HANDLERS, booked_event())
    sms = deliveries(store, channel="sms")
    assert {d["kind"] for d in sms} == {"booking_confirmation", "parent_input_request"}
    assert all(d["status"] == "skipped" and d["skip_reason"] == "not_configured" and d["attempts"] == 0
               for d in sms)
    assert counter(metrics.NOTIFICATIONS_SKIPPED, "sms", "not_configured") == before + 2
    fire(store)
    assert {d["status"] for d in deliveries(store, channel="sms")} == {"skipped"}


def test_a_message_is_rendered_in_the_language_the_family_has_when_it_is_sent(store, smtp_server, clock):
    """Recorded while she read Spanish (the in-app copy, delivered then, is Spanish); she
    switched to English before the e-mail went out (quiet hours): the e-mail is English."""
    smtp_server.start()
    seed(store)
    clock.running = False
    clock.set(datetime(2026, 10, 20, 3, 30, tzinfo=UTC))  # 22:30 in Chicago: the e-mail waits
    run_handler(store, HANDLERS, make_envelope("ConferenceReminderDue", booking()))
    [inbox] = store.db[repo.INBOX].find({"recipient_id": "g-1", "kind": "reminder"})
    assert inbox["lang"] == "es" and inbox["subject"].startswith("Recordatorio")
    run_handler(store, HANDLERS, make_envelope("PersonProfileChanged", dict(GUARDIAN, language="en"),
                                               school_id="s-1"))
    clock.set(datetime(2026, 10, 20, 12, 0, tzinfo=UTC))
    fire(store)
    [mail] = smtp_server.mailbox.to("ana@example.test")
    assert mail["Content-Language"] == "en" and mail["Subject"].startswith("Reminder")
