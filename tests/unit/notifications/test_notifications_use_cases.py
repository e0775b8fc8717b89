"""The notifications use cases on the in-memory store (services/common/fake_store.py) with
fake repositories (fakes.py): what they record, the events they cause, what they refuse
(with error kinds), and that a replayed event records nothing twice."""
from datetime import datetime, timedelta, timezone

import pytest

from services.common.auth import Principal
from services.common.consumer import Dispatcher, Event
from services.common.errors import Forbidden, Invalid, NotFound
from services.common.fake_store import FakeStore
from services.common.testing import make_envelope
from services.notifications.adapters import repository as repo
from services.notifications.adapters.directory import NotReady
from services.notifications.application import attempts, digest, inbox, projections
from services.notifications.application.deliveries import delivery_id
from services.notifications.application.recording import record_event
from services.notifications.entrypoints.handlers import HANDLERS
from tests.unit.notifications.fakes import attach_fakes

NOW = datetime(2026, 11, 2, 18, 0, tzinfo=timezone.utc)  # 12:00 in Chicago: not quiet hours
SCHOOL = {"_id": "s-1", "district_id": "d-1", "name": "Lincoln", "time_zone": "America/Chicago"}


@pytest.fixture(autouse=True)
def providers(monkeypatch):
    """E-mail configured, SMS not (its deliveries are recorded as skipped)."""
    monkeypatch.setenv("SMTP_HOST", "smtp.test")
    monkeypatch.setenv("CONFER_PUBLIC_URL", "https://confer.test")
    for name in ("SMS_URL", "SMS_API_KEY", "NOTIFY_QUIET_HOURS"):
        monkeypatch.delenv(name, raising=False)


def person(pid, role, *, email=None, phone=None, language="en", **more):
    return {"_id": pid, "role": role, "given_name": pid.title(), "family_name": "Ruiz", "email": email,
            "phone": phone, "language": language, "school_ids": ["s-1"], "active": True, "district_id": "d-1",
            **more}


@pytest.fixture
def store():
    s = FakeStore("notifications", repositories=attach_fakes, clock=lambda: NOW)
    s.data.update({
        "proj_schools": {"s-1": SCHOOL},
        "proj_students": {"st-1": {"_id": "st-1", "district_id": "d-1", "school_id": "s-1", "teacher_ids": ["t-1"],
                                   "guardian_ids": ["g-1"]}},
        repo.RECIPIENTS: {"g-1": person("g-1", "guardian", email="g1@family.test", phone="+13125550001",
                                        language="es"),
                          "t-1": person("t-1", "teacher", email="lee@school.test"),
                          "st-1": person("st-1", "student")},
    })
    return s


def report_ready(event_id="e-report-1"):
    return make_envelope("ReportReady", {"report_id": "r-1", "student_id": "st-1", "school_id": "s-1",
                                         "period": "Nov 2026", "formats": ["pdf"]}, event_id=event_id)


def deliveries(store):
    return store.data.get(repo.DELIVERIES, {})


# -- recording a notifying event -------------------------------------------------------
def test_a_report_is_recorded_per_channel_and_the_inbox_message_is_delivered_at_once(store):
    assert Dispatcher(store, HANDLERS).dispatch(report_ready()) == "processed"
    by_channel = {d["channel"]: d for d in deliveries(store).values()}
    assert sorted(by_channel) == ["email", "inapp", "sms"]
    assert by_channel["email"]["status"] == repo.PENDING and by_channel["email"]["due_at"] == NOW
    assert by_channel["sms"]["status"] == repo.SKIPPED and by_channel["sms"]["skip_reason"] == "not_configured"
    inapp = by_channel["inapp"]
    assert inapp["status"] == repo.SENT and inapp["_id"] == delivery_id("e-report-1", "g-1", "inapp", "report_ready")
    item = store.data[repo.INBOX][inapp["_id"]]
    assert item["recipient_id"] == "g-1" and item["lang"] == "es" and item["read_at"] is None
    # Only what was delivered is announced, with ids and kinds, never an address.
    assert store.events("NotificationSent") == [
        {"notification_id": inapp["_id"], "cause_event_id": "e-report-1", "recipient_id": "g-1",
         "channel": "inapp", "kind": "report_ready"}]


def test_a_replayed_event_records_nothing_twice(store):
    dispatcher = Dispatcher(store, HANDLERS)
    dispatcher.dispatch(report_ready())
    before = {k: dict(v) for k, v in deliveries(store).items()}
    assert dispatcher.dispatch(report_ready()) == "duplicate"
    # Even past the ledger (a second handler name, a recovered outbox), the ids say "already recorded".
    store.ledger.clear()
    assert dispatcher.dispatch(report_ready()) == "processed"
    assert deliveries(store) == before and len(store.data[repo.INBOX]) == 1
    assert len(store.events("NotificationSent")) == 1


def test_an_opt_out_is_honoured_and_a_person_not_projected_yet_is_retried_later(store):
    store.data[repo.PREFERENCES] = {"g-1": {"_id": "g-1", "opted_out": ["email"]}}
    Dispatcher(store, HANDLERS).dispatch(report_ready())
    assert sorted(d["channel"] for d in deliveries(store).values()) == ["inapp", "sms"]

    del store.data[repo.RECIPIENTS]["g-1"]
    with pytest.raises(NotReady):  # the consumer retries, then dead-letters where ops can see it
        store.atomic(lambda uow: record_event(Event.from_envelope(report_ready("e-2")), uow))
    assert not any(d["cause_event_id"] == "e-2" for d in deliveries(store).values())


def test_a_person_who_left_the_roster_hears_nothing(store):
    left = Event.from_envelope(make_envelope("PersonDeactivated", {"person_id": "g-1", "role": "guardian"}))
    store.atomic(lambda uow: projections.on_person_deactivated(left, uow))
    assert store.data[repo.RECIPIENTS]["g-1"]["active"] is False
    Dispatcher(store, HANDLERS).dispatch(report_ready())
    assert deliveries(store) == {} and store.events("NotificationSent") == []


# -- the inbox and preferences ---------------------------------------------------------
GUARDIAN = Principal("g-1", "guardian", "d-1", ("s-1",))


def test_marking_an_inbox_item_read_is_for_its_recipient_only_and_keeps_the_first_time(store):
    Dispatcher(store, HANDLERS).dispatch(report_ready())
    item_id = next(iter(store.data[repo.INBOX]))
    with pytest.raises(NotFound) as refused:
        inbox.mark_read(store, Principal("g-2", "guardian", "d-1", ("s-1",)), item_id)
    assert refused.value.code == "inbox_item_not_found"
    with pytest.raises(NotFound):  # the same person id in another district is someone else
        inbox.mark_read(store, Principal("g-1", "guardian", "d-2", ("s-1",)), item_id)
    first = inbox.mark_read(store, GUARDIAN, item_id)["read_at"]
    assert first is not None and store.data[repo.INBOX][item_id]["read_at"] == first
    store.clock = lambda: NOW + timedelta(hours=1)
    assert inbox.mark_read(store, GUARDIAN, item_id)["read_at"] == first


def test_only_teachers_choose_the_digest_and_choices_are_stored(store):
    body = {"opted_out": ["sms", "sms"], "quiet_start": "20:00", "quiet_end": "08:00", "digest": True,
            "language": "es"}
    with pytest.raises(Invalid) as refused:
        inbox.put_preferences(store, GUARDIAN, body)
    assert refused.value.code == "digest_teachers_only" and repo.PREFERENCES not in store.data
    view = inbox.put_preferences(store, Principal("t-1", "teacher", "d-1", ("s-1",)), body)
    assert view["digest"] is True and view["opted_out"] == ["sms"] and view["email_on_file"] is True
    saved = store.data[repo.PREFERENCES]["t-1"]
    assert saved["digest"] is True and saved["district_id"] == "d-1" and saved["updated_at"] == NOW


# -- webhooks --------------------------------------------------------------------------
def test_a_school_admin_manages_only_webhooks_of_schools_they_administer(store):
    admin = Principal("a-1", "school_admin", "d-1", ("s-1",))
    body = {"url": "https://93.184.216.34/confer", "kinds": ["report_ready"], "school_ids": ["s-2"],
            "description": "SIS"}
    with pytest.raises(Forbidden) as refused:
        inbox.create_webhook(store, admin, body)
    assert refused.value.code == "school_not_administered"
    with pytest.raises(Invalid) as bad_url:
        inbox.create_webhook(store, admin, dict(body, url="https://127.0.0.1/hook", school_ids=[]))
    assert bad_url.value.code == "webhook_target_refused"

    hook = inbox.create_webhook(store, Principal("da-1", "district_admin", "d-1"), body)
    assert hook["school_ids"] == ["s-2"] and hook["secret"] and hook["created_at"] == NOW
    with pytest.raises(NotFound) as hidden:  # s-2 is not theirs: as if it did not exist
        inbox.delete_webhook(store, admin, hook["_id"])
    assert hidden.value.code == "webhook_not_found" and store.data[repo.WEBHOOKS][hook["_id"]]["active"] is True
    inbox.delete_webhook(store, Principal("da-1", "district_admin", "d-1"), hook["_id"])
    assert store.data[repo.WEBHOOKS][hook["_id"]]["active"] is False
    with pytest.raises(NotFound):
        inbox.delete_webhook(store, Principal("da-1", "district_admin", "d-1"), hook["_id"])


def test_a_webhook_gets_one_delivery_per_event_with_ids_only(store):
    store.data[repo.WEBHOOKS] = {"wh-1": {"_id": "wh-1", "district_id": "d-1", "active": True, "kinds": [],
                                          "school_ids": []}}
    Dispatcher(store, HANDLERS).dispatch(report_ready())
    hooks = [d for d in deliveries(store).values() if d["channel"] == "webhook"]
    assert len(hooks) == 1 and hooks[0]["provider"] == "webhook:wh-1" and hooks[0]["status"] == repo.PENDING
    sent = hooks[0]["content"]["payload"]["notifications"]
    assert sent == [{"kind": "report_ready", "recipient_id": "g-1", "student_id": "st-1"}]


# -- timers ----------------------------------------------------------------------------
def test_the_daily_digest_collects_pending_items_once(store):
    store.data[repo.DIGEST_ITEMS] = {
        f"i-{n}": {"_id": f"i-{n}", "recipient_id": "t-1", "status": "pending", "created_at": NOW - timedelta(hours=n),
                   "item": {"kind": "booked", "student_name": f"Kid{n}", "url": "https://confer.test/a"}}
        for n in (1, 2)}
    timer = {"payload": {"recipient_id": "t-1"}, "school_id": "s-1", "due_at": NOW}
    store.atomic(lambda uow: digest.send_digest(uow, timer))
    [mail] = deliveries(store).values()
    assert mail["channel"] == "email" and mail["kind"] == digest.KIND and mail["recipient_id"] == "t-1"
    assert [i["student_name"] for i in mail["notice"]["items"]] == ["Kid2", "Kid1"]  # oldest first
    assert {i["status"] for i in store.data[repo.DIGEST_ITEMS].values()} == {"included"}
    store.atomic(lambda uow: digest.send_digest(uow, dict(timer, due_at=NOW + timedelta(days=1))))
    assert len(deliveries(store)) == 1  # nothing pending: no empty digest


def test_a_deliver_timer_makes_only_an_open_delivery_due(store):
    later = NOW + timedelta(hours=9)
    store.data[repo.DELIVERIES] = {"n-open": {"_id": "n-open", "status": repo.RETRYING, "due_at": later},
                                   "n-sent": {"_id": "n-sent", "status": repo.SENT, "due_at": later}}
    for did in ("n-open", "n-sent"):
        store.atomic(lambda uow, did=did: attempts.deliver(uow, {"payload": {"delivery_id": did}}))
    assert deliveries(store)["n-open"]["due_at"] == NOW and deliveries(store)["n-sent"]["due_at"] == later
