"""What the outcome of one try at a delivery does to it: the update of its document and
the event it causes. Pure apart from reading the settings: `outcomes.OutcomeWriter`
applies these in short batched transactions, never around a send.

  sent     -> status sent, NotificationSent
  failed   -> status failed, NotificationFailed (a permanent refusal: reason "refused")
  retry    -> a transient failure: back-off (NOTIFY_RETRY_DELAYS, out of quiet hours);
              after NOTIFY_MAX_TRIES tries -> failed, reason "retries_exhausted". A try
              whose outcome is unknown (connection cut after the message was handed over)
              counts as a try and is resent at most once; unknown twice -> failed.
  skipped  -> opted out since, no address any more, or no provider configured
  release  -> not tried after all (the provider's breaker opened, it throttled us, the
              worker is stopping): back to the queue, no try used.

Every update is conditional on the lease of the claim that made the try, so a worker
whose lease lapsed (and whose deliveries another took over) changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.notifications.adapters import repository as repo
from services.notifications.application.deliveries import QUIET_CHANNELS, event_data
from services.notifications.domain.rules import next_allowed_time

SENT, FAILED, RETRY, SKIPPED, RELEASE = "sent", "failed", "retry", "skipped", "release"


@dataclass
class Job:
    """One claimed delivery on its way through a lane."""
    d: dict
    token: str
    attempt: int  # the number of this try
    resend: bool = False  # an earlier try's outcome is unknown: this send may repeat it
    probe: bool = False
    extra: dict = field(default_factory=dict)  # what the claim loaded to send it (recipient, school, webhook)

    @property
    def id(self) -> str:
        return self.d["_id"]


@dataclass
class Outcome:
    job: Job
    kind: str
    ref: str | None = None
    error: str | None = None
    code: str | None = None  # NotificationFailed reason, or the skip reason
    retry_after: float | None = None
    unknown: bool = False  # this try's outcome is unknown
    delay_until: datetime | None = None  # release: not before


def lease_filter(job: Job) -> dict:
    return {"_id": job.id, "status": repo.SENDING, "lease.token": job.token}


def plan(outcome: Outcome, cfg, now: datetime) -> tuple[dict, tuple[str, dict] | None, str]:
    """(update, (event name, event data) or None, metrics outcome) for one outcome."""
    job, d = outcome.job, outcome.job.d
    unknown = int(d.get("unknown_outcomes", 0))
    base = {"updated_at": now, "unknown_outcomes": unknown}
    if job.resend:
        base["resent_after_unknown"] = True
    kind = outcome.kind
    if kind == RETRY:
        if outcome.unknown:
            unknown += 1
            base["unknown_outcomes"] = unknown
        if job.attempt >= cfg.max_tries or unknown >= 2:
            why = "outcome unknown twice; not sent again" if unknown >= 2 else outcome.error
            kind, outcome = FAILED, Outcome(job, FAILED, error=why, code="retries_exhausted")
    if kind == SENT:
        update = {"$set": {**base, "status": repo.SENT, "attempts": job.attempt, "sent_at": now,
                           "provider_ref": outcome.ref}, "$unset": {"lease": ""}}
        return update, ("NotificationSent", event_data(d)), "sent"
    if kind == FAILED:
        update = {"$set": {**base, "status": repo.FAILED, "attempts": job.attempt, "failed_at": now,
                           "last_error": (outcome.error or "")[:500]}, "$unset": {"lease": ""}}
        # The provider's words may name an address: they stay in this service's database
        # and log; the public event carries only a reason code.
        data = dict(event_data(d), reason=outcome.code or "refused", attempts=job.attempt)
        return update, ("NotificationFailed", data), "failed"
    if kind == RETRY:
        delay = max(cfg.retry_delay(job.attempt), outcome.retry_after or 0)
        due = now + timedelta(seconds=delay)
        if d["channel"] in QUIET_CHANNELS and d.get("quiet"):
            due = next_allowed_time(due, d["tz"], *d["quiet"])
        update = {"$set": {**base, "status": repo.RETRYING, "attempts": job.attempt, "due_at": due,
                           "last_error": (outcome.error or "")[:500]}, "$unset": {"lease": ""}}
        return update, None, "retry"
    if kind == SKIPPED:
        update = {"$set": {**base, "status": repo.SKIPPED, "skip_reason": outcome.code, "skipped_at": now},
                  "$unset": {"lease": ""}}
        return update, None, "skipped"
    # RELEASE: not tried; the try is not counted.
    fields = {"updated_at": now, "status": repo.RETRYING if d.get("attempts") else repo.PENDING}
    if outcome.delay_until is not None:
        fields["due_at"] = max(d["due_at"], outcome.delay_until)
    return {"$set": fields, "$unset": {"lease": ""}}, None, "released"


def deliver(uow, timer: dict) -> None:
    """Timer callback of deliveries recorded before the lanes existed (one 'deliver'
    timer each): the timer only makes its delivery due, and the lane sends it."""
    uow.db[repo.DELIVERIES].update_one({"_id": timer["payload"]["delivery_id"], "status": {"$in": list(repo.OPEN)}},
                                       {"$set": {"due_at": uow.now}}, session=uow.session)
    uow.after_commit(lambda: uow.store.signal("deliveries:email").set())

