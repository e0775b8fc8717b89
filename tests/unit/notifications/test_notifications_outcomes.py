"""What the outcome of one try does to a delivery (services/notifications/application/attempts.py):
the update, conditional on the claim's lease, and the event it causes."""
from datetime import datetime, timedelta, timezone

from services.notifications.settings import NotifyConfig
from services.notifications.application.attempts import FAILED, RELEASE, RETRY, SENT, SKIPPED, Job, Outcome, lease_filter, plan

UTC = timezone.utc
NOW = datetime(2026, 10, 12, 17, 0, tzinfo=UTC)  # noon in Chicago
CFG = NotifyConfig(retry_delays=(30.0, 120.0), max_tries=3)


def delivery(**over):
    d = {"_id": "n-1", "cause_event_id": "e-1", "recipient_id": "g-1", "channel": "email", "kind": "reminder",
         "district_id": "d-1", "school_id": "s-1", "attempts": 0, "due_at": NOW - timedelta(minutes=1),
         "tz": "America/Chicago", "quiet": ["21:00", "07:00"], "status": "sending"}
    return {**d, **over}


def job(**over):
    d = delivery(**over)
    return Job(d, "tok-1", d["attempts"] + 1)


def test_every_update_is_conditional_on_the_claims_lease():
    assert lease_filter(job()) == {"_id": "n-1", "status": "sending", "lease.token": "tok-1"}


def test_sent_marks_it_sent_and_emits_notification_sent_without_contact_details():
    update, (name, data), metric = plan(Outcome(job(), SENT, ref="<n-1@x>"), CFG, NOW)
    assert update["$set"]["status"] == "sent" and update["$set"]["attempts"] == 1
    assert update["$set"]["sent_at"] == NOW and update["$unset"] == {"lease": ""}
    assert name == "NotificationSent" and metric == "sent"
    assert data == {"notification_id": "n-1", "cause_event_id": "e-1", "recipient_id": "g-1", "channel": "email",
                    "kind": "reminder"}


def test_a_transient_failure_waits_its_back_off_then_after_the_last_try_fails_for_good():
    update, event, metric = plan(Outcome(job(), RETRY, error="451"), CFG, NOW)
    assert update["$set"]["status"] == "retrying" and update["$set"]["due_at"] == NOW + timedelta(seconds=30)
    assert event is None and metric == "retry"
    update, _, _ = plan(Outcome(job(attempts=1), RETRY, error="451", retry_after=300), CFG, NOW)
    assert update["$set"]["due_at"] == NOW + timedelta(seconds=300)  # the provider's Retry-After is longer
    update, (name, data), metric = plan(Outcome(job(attempts=2), RETRY, error="451"), CFG, NOW)
    assert update["$set"]["status"] == "failed" and name == "NotificationFailed" and metric == "failed"
    assert data["reason"] == "retries_exhausted" and data["attempts"] == 3


def test_a_retry_that_would_fall_in_quiet_hours_waits_for_the_morning():
    evening = datetime(2026, 10, 13, 1, 59, 50, tzinfo=UTC)  # 20:59:50 in Chicago
    update, _, _ = plan(Outcome(job(), RETRY, error="timeout"), CFG, evening)
    assert update["$set"]["due_at"] == datetime(2026, 10, 13, 12, 0, tzinfo=UTC)  # 07:00 CDT


def test_an_unknown_outcome_counts_and_a_second_one_is_not_sent_again():
    update, event, _ = plan(Outcome(job(), RETRY, error="cut after DATA", unknown=True), CFG, NOW)
    assert update["$set"]["unknown_outcomes"] == 1 and update["$set"]["status"] == "retrying" and event is None
    second = job(attempts=1, unknown_outcomes=1)
    second.resend = True
    update, (name, data), _ = plan(Outcome(second, RETRY, error="cut again", unknown=True), CFG, NOW)
    assert update["$set"]["status"] == "failed" and update["$set"]["unknown_outcomes"] == 2
    assert update["$set"]["resent_after_unknown"] is True
    assert "outcome unknown twice" in update["$set"]["last_error"] and data["reason"] == "retries_exhausted"


def test_a_permanent_refusal_fails_at_once_with_reason_refused():
    update, (name, data), _ = plan(Outcome(job(), FAILED, error="550 no such user", code="refused"), CFG, NOW)
    assert update["$set"]["status"] == "failed" and data["reason"] == "refused" and data["attempts"] == 1


def test_skipped_records_why():
    update, event, metric = plan(Outcome(job(), SKIPPED, code="opted_out"), CFG, NOW)
    assert update["$set"]["status"] == "skipped" and update["$set"]["skip_reason"] == "opted_out"
    assert event is None and metric == "skipped"


def test_a_release_uses_no_try_and_can_only_delay():
    update, event, metric = plan(Outcome(job(), RELEASE), CFG, NOW)
    assert update["$set"]["status"] == "pending" and "attempts" not in update["$set"] and event is None
    assert metric == "released" and "due_at" not in update["$set"]
    later = NOW + timedelta(seconds=20)
    update, _, _ = plan(Outcome(job(attempts=2), RELEASE, delay_until=later), CFG, NOW)
    assert update["$set"]["status"] == "retrying" and update["$set"]["due_at"] == later
