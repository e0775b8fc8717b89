"""A request window end to end on the real bus: scheduling's relay publishes what the
web and the deadline timer wrote; the notifications worker (with a real SMTP server)
asks families for their times, then confirms each assigned conference exactly once,
however often the assignment is published, and offers the family left out free times; the reports worker's school dashboard
counts the families invited and booked."""
from datetime import datetime, timedelta, timezone

import pytest

from services.common.bus import Publisher, Topology
from services.common.catalogue import spec_for_type
from services.common.service import Worker, make_store
from services.common.service import build_app
from services.common.testing import make_envelope, wait_until
from services.notifications import SERVICE as NOTIFICATIONS
from services.notifications.adapters import repository as nrepo
from services.reports import SERVICE as REPORTS
from services.reports.adapters.repository import EVENT_LOG
from tests.integration.notifications.conftest import Clock, notify_env, smtp_server  # noqa: F401 (fixtures)
from tests.integration.scheduling.seed import PEOPLE, SCHOOL, STUDENTS, enrol, person
from tests.integration.scheduling.conftest import DAYS
from tests.integration.scheduling.test_scheduling_requests import DEADLINE, ask, fire_timers, request_window

NOON_CHICAGO = datetime(2026, 10, 12, 17, 0, tzinfo=timezone.utc)
SPANISH = {"g-1"}


def roster() -> list[dict]:
    envs = [e for sid, (teacher, guardians) in STUDENTS.items() for e in enrol(sid, teacher, guardians)]
    people = []
    for pid, p in PEOPLE.items():
        env = person(pid, *p)
        env["data"]["language"] = "es" if pid in SPANISH else "en"
        people.append(env)
    return [make_envelope("SchoolUpdated", SCHOOL, subject=SCHOOL["school_id"])] + people + envs


@pytest.fixture
def services_on_the_bus(env, settings_for, smtp_server, token):  # noqa: F811
    smtp_server.start()
    n_settings, r_settings = settings_for("notifications"), settings_for("reports")
    n_store = make_store(NOTIFICATIONS, n_settings, clock=Clock(NOON_CHICAGO))
    workers = [Worker(NOTIFICATIONS, n_settings, store=n_store).start(), Worker(REPORTS, r_settings).start()]
    env.start_relay()
    yield workers
    for w in workers:
        w.stop()
        w.store.client.drop_database(w.store.db.name)


def test_request_window_on_the_bus_confirms_each_conference_once_and_the_dashboard_counts(
        env, clock, services_on_the_bus, smtp_server, token):  # noqa: F811
    notifications, reports = services_on_the_bus
    publisher = Publisher(env.settings.amqp_url, Topology(env.settings.exchange), service="roster")
    try:
        for e in roster():
            publisher.publish(e, spec=spec_for_type(e["type"]))
    finally:
        publisher.close()
    ndb, rdb = notifications.store.db, reports.store.db
    wait_until(lambda: ndb[nrepo.RECIPIENTS].count_documents({}) >= 10 and rdb[EVENT_LOG].count_documents({}) >= 20,
               timeout=60, message="the roster reached notifications and reports")

    wid = request_window(env)
    # the invitation asks for times, in the family's language
    wait_until(lambda: len(smtp_server.mailbox.to("g-4@example.test")) == 1, timeout=60, message="invitation")
    [invite] = smtp_server.mailbox.to("g-4@example.test")
    assert "Tell us when you can come" in invite.get_body(("plain",)).get_content()
    wait_until(lambda: smtp_server.mailbox.to("g-1@example.test"), timeout=60, message="Spanish invitation")
    assert "Díganos cuándo puede venir" in smtp_server.mailbox.to("g-1@example.test")[0].get_body(
        ("plain",)).get_content()

    early = [(DAYS[0], "15:00", "15:20")]
    for g, kids, ranges in (("g-3a", ["st-3"], early), ("g-3b", ["st-3"], early),
                            ("g-4", ["st-4"], [(DAYS[0], "15:00", "15:40")]),
                            ("g-1", ["st-1", "st-2"], [(DAYS[0], "15:00", "16:00")])):
        assert ask(env, env.guardian(g), wid, g, kids, ranges).status_code == 200
    assert env.admin.put(f"/windows/{wid}/priorities/g-3b", json={"reason": "missed_last_time"}).status_code == 200

    clock.now = DEADLINE + timedelta(minutes=1)
    fire_timers(env)
    plan = env.admin.get(f"/windows/{wid}/assignment").get_json()
    assert plan["trigger"] == "deadline" and len(plan["conferences"]) == 4
    for _ in range(2):  # a double click: one publication
        r = env.admin.post(f"/windows/{wid}/assignment/publish", json={"version": plan["version"]})
        assert r.status_code == 200 and r.get_json()["status"] == "published"

    confirmations = {"kind": "booking_confirmation", "channel": "email"}
    wait_until(lambda: ndb[nrepo.DELIVERIES].count_documents({**confirmations, "status": "sent"}) == 4, timeout=60,
               message="four confirmations sent")
    booked = {b["_id"]: b["guardian_id"] for b in env.db["bookings"].find({"window_id": wid})}
    assert sorted(booked.values()) == ["g-1", "g-1", "g-3b", "g-4"]
    assert len(env.outbox("ConferenceBooked")) == 4  # the second publication emitted nothing
    docs = list(ndb[nrepo.DELIVERIES].find(confirmations))
    assert len(docs) == 4 and len({(d["recipient_id"], d["cause_event_id"]) for d in docs}) == 4
    assert len(smtp_server.mailbox.to("g-3b@example.test", "Booked")) == 1
    assert len(smtp_server.mailbox.to("g-4@example.test", "Booked")) == 1
    assert len(smtp_server.mailbox.to("g-1@example.test", "Reservada")) == 2  # one per child
    assert not smtp_server.mailbox.to("g-3a@example.test", "Booked")
    # the family left out is offered the nearest free times, once
    wait_until(lambda: smtp_server.mailbox.to("g-3a@example.test", "Free times"), timeout=60, message="times offered")
    [offer] = smtp_server.mailbox.to("g-3a@example.test", "Free times")
    assert "4:00" in offer.get_body(("plain",)).get_content()  # 16:00 in Chicago, Ms. Lee's nearest free time

    # the school's dashboard counts the invited and the booked families
    def dashboard():
        auth = {"Authorization": f"Bearer {token(role='school_admin', sub='adm-1', school_ids=['s-1'])}"}
        r = build_app(REPORTS, reports.settings, store=reports.store).test_client().get(
            "/dashboards/schools/s-1", query_string={"by": "teacher", "format": "json"}, headers=auth)
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    wait_until(lambda: dashboard()["total"]["families_booked"] == 4, timeout=60, message="dashboard counts bookings")
    total = dashboard()["total"]
    assert total["families_invited"] == 4 and total["families_booked"] == 4
