"""The notifications worker end to end on the real bus: services.common.service.Worker
(consumer + outbox relay + timers) on the local RabbitMQ, the MongoDB-wire server, and a
real SMTP server (aiosmtpd). Roster events describe a Spanish-speaking guardian; a
booking published on the bus yields one Spanish confirmation with a valid .ics, however
often the event is redelivered; an address the server keeps refusing is retried with
back-off and then recorded as failed; an SMTP server that is down trips the e-mail
lane's circuit breaker (nothing lost, no tries burned) and the backlog drains when it
comes back."""
import time

import icalendar
import pytest
from prometheus_client import REGISTRY

from services.common import metrics
from services.common.bus import Publisher, Topology
from services.common.catalogue import spec_for_type
from services.common.service import Worker, make_store
from services.common.testing import make_envelope, wait_until
from services.notifications import SERVICE
from services.notifications.adapters import repository as repo
from tests.integration.notifications.conftest import booked_event, roster_events

pytestmark = pytest.mark.usefixtures("notify_env")


@pytest.fixture
def worker(settings_for, clock, smtp_server):
    settings = settings_for("notifications")
    store = make_store(SERVICE, settings, clock=clock)
    w = Worker(SERVICE, settings, store=store).start()
    yield w
    w.stop()
    store.client.drop_database(settings.mongo_db)
    store.client.close()


@pytest.fixture
def bus(amqp_url, exchange):
    """Publishes envelopes as their producing services would (roster, scheduling)."""
    pub = Publisher(amqp_url, Topology(exchange), service="test")
    yield lambda env: pub.publish(env, spec=spec_for_type(env["type"]))
    pub.close()


def counted(metric, *labels) -> float:
    return metric.labels(*labels)._value.get()


def roster_known(worker, bus) -> None:
    for env in roster_events():
        bus(env)
    db = worker.store.db
    wait_until(lambda: db[repo.RECIPIENTS].count_documents({}) == 3
               and db["proj_students"].find_one({"_id": "st-1", "guardian_ids": "g-1"})
               and db["proj_schools"].find_one({"_id": "s-1"}), message="roster projected")


def confirmation(delivery: dict) -> bool:
    data = delivery["data"]
    return data["kind"] == "booking_confirmation" and data["channel"] == "email"


def test_booking_on_the_bus_sends_one_spanish_confirmation_with_ics(worker, bus, bus_tap, smtp_server):
    smtp_server.start()
    tap = bus_tap()
    roster_known(worker, bus)
    env = dict(booked_event(), correlationid="corr-booking-1")
    bus(env)
    [sent] = tap.wait_for("NotificationSent", where=confirmation)
    assert sent["correlationid"] == "corr-booking-1" and sent["data"]["cause_event_id"] == env["id"]
    [mail] = smtp_server.mailbox.to("ana@example.test", "Reservada")
    assert mail["Content-Language"] == "es"
    assert "martes, 20 de octubre de 2026, 16:30" in mail.get_body(("plain",)).get_content()
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "REQUEST"
    cal = icalendar.Calendar.from_ical(attachment.get_payload(decode=True))
    [event] = cal.walk("VEVENT")
    assert str(event["uid"]) == "b-1@confer" and "Mateo" in str(event["summary"])

    duplicates = counted(metrics.EVENTS_CONSUMED, "notifications", "ConferenceBooked", "duplicate")
    for _ in range(3):  # redelivered three times
        bus(env)
    wait_until(lambda: counted(metrics.EVENTS_CONSUMED, "notifications", "ConferenceBooked", "duplicate")
               >= duplicates + 3, message="three duplicates consumed")
    time.sleep(1.5)  # a timer poll or more
    assert len(smtp_server.mailbox.to("ana@example.test", "Reservada")) == 1
    assert len(tap.of_type("NotificationSent")) == worker.store.db[repo.DELIVERIES].count_documents({})
    assert len([m for m in tap.of_type("NotificationSent") if confirmation(m)]) == 1


def test_an_address_refused_again_and_again_is_retried_then_recorded_as_failed(worker, bus, bus_tap, smtp_server,
                                                                                notify_env):
    notify_env.setenv("NOTIFY_MAX_TRIES", "3")
    smtp_server.mailbox.rejects["ana@example.test"] = "451 4.2.0 mailbox busy, try later"
    smtp_server.start()
    tap = bus_tap()
    failed = counted(metrics.NOTIFICATIONS, "email", "booking_confirmation", "failed")
    retries = counted(metrics.NOTIFICATIONS, "email", "booking_confirmation", "retry")
    roster_known(worker, bus)
    bus(booked_event())
    [event] = tap.wait_for("NotificationFailed", where=confirmation, timeout=30)
    assert event["data"]["attempts"] == 3 and event["data"]["reason"] == "retries_exhausted"
    assert counted(metrics.NOTIFICATIONS, "email", "booking_confirmation", "failed") == failed + 1
    assert counted(metrics.NOTIFICATIONS, "email", "booking_confirmation", "retry") == retries + 2
    d = worker.store.db[repo.DELIVERIES].find_one({"recipient_id": "g-1", "channel": "email",
                                                   "kind": "booking_confirmation"})
    assert d["status"] == "failed" and d["attempts"] == 3
    assert worker.store.db[repo.INBOX].count_documents({"recipient_id": "g-1"}) == 2  # in-app still arrived
    wait_until(lambda: smtp_server.mailbox.to("lee@lincoln.test"), message="the teacher's e-mail")


def breaker_state(channel="email", provider="smtp") -> float:
    return REGISTRY.get_sample_value("confer_notification_breaker_state", {"channel": channel, "provider": provider})


def test_smtp_down_trips_the_breaker_nothing_is_lost_and_the_backlog_drains_when_it_returns(
        worker, bus, bus_tap, smtp_server, notify_env):
    """With the SMTP server down the e-mail lane's breaker opens after a few failures: the
    e-mails wait (a few tries used at most, none failed), in-app keeps being delivered.
    When the server is back a probe succeeds, the breaker closes, and every e-mail goes
    out exactly once."""
    tap = bus_tap()
    roster_known(worker, bus)
    reports = [make_envelope("ReportReady", {"report_id": f"r-{i}", "student_id": "st-1", "school_id": "s-1",
                                             "period": "Nov 2026", "formats": ["pdf"]}) for i in range(12)]
    bus(booked_event())
    for env in reports:
        bus(env)
    db = worker.store.db
    emails = {"recipient_id": "g-1", "channel": "email"}
    wait_until(lambda: db[repo.DELIVERIES].count_documents(emails) == 14, timeout=30, message="14 e-mails recorded")
    wait_until(lambda: breaker_state() == 2, timeout=30, message="the e-mail breaker opened")
    assert db[repo.INBOX].count_documents({"recipient_id": "g-1"}) == 14  # in-app does not wait for e-mail
    time.sleep(3)  # probes come and fail (cool-down 0.5 s doubling to 2 s): no tries burned meanwhile
    docs = list(db[repo.DELIVERIES].find(emails))
    assert {d["status"] for d in docs} <= {"pending", "retrying", "sending"}, {d["status"] for d in docs}
    assert max(d["attempts"] for d in docs) <= 2 and sum(d["attempts"] for d in docs) <= 8, \
        sorted(d["attempts"] for d in docs)
    assert smtp_server.mailbox.received == [] and tap.of_type("NotificationFailed") == []

    smtp_server.start()
    wait_until(lambda: len(smtp_server.mailbox.to("ana@example.test")) >= 14, timeout=60, message="14 e-mails")
    wait_until(lambda: breaker_state() == 0, timeout=10, message="the breaker closed")
    wait_until(lambda: db[repo.DELIVERIES].count_documents({**emails, "status": "sent"}) == 14, timeout=20,
               message="all marked sent")
    time.sleep(1.0)
    got = [m["Message-ID"] for m in smtp_server.mailbox.to("ana@example.test")]
    assert sorted(got) == sorted(d["message_id"] for d in db[repo.DELIVERIES].find(emails))  # each exactly once
    assert tap.of_type("NotificationFailed") == []


@pytest.mark.parametrize("outage", ["refuses_451", "down"])
def test_deferred_messages_go_out_when_smtp_comes_back(worker, bus, bus_tap, smtp_server, outage):
    if outage == "refuses_451":
        smtp_server.mailbox.refuse = "451 4.3.0 try again later"
        smtp_server.start()
    tap = bus_tap()
    roster_known(worker, bus)
    bus(booked_event())
    deliveries = worker.store.db[repo.DELIVERIES]
    query = {"recipient_id": "g-1", "channel": "email", "kind": "booking_confirmation"}
    wait_until(lambda: (deliveries.find_one(query) or {}).get("attempts", 0) >= 2, timeout=20,
               message="two failed tries")
    assert deliveries.find_one(query)["status"] == "retrying"
    assert smtp_server.mailbox.received == []
    if outage == "refuses_451":
        smtp_server.mailbox.refuse = None
    else:
        smtp_server.start()
    tap.wait_for("NotificationSent", where=confirmation, timeout=20)
    assert len(smtp_server.mailbox.to("ana@example.test", "Reservada")) == 1
    sent = deliveries.find_one(query)
    assert sent["status"] == "sent" and sent["attempts"] >= 3
    assert tap.of_type("NotificationFailed") == []
