"""The 'deliver' timer callback: one try at one delivery, inside the timer's transaction.

Sent -> marked sent, NotificationSent emitted. A transient failure -> the same timer is
moved to now + back-off (NOTIFY_RETRY_DELAYS, out of quiet hours); after
NOTIFY_MAX_TRIES tries, or on a permanent failure -> marked failed, NotificationFailed
emitted. Either way a metric is counted, and nothing is dropped silently.
"""
from __future__ import annotations

from datetime import timedelta

from pymongo.errors import PyMongoError

from services.common import logs, metrics, timers
from services.notifications import config, repository as repo, sending
from services.notifications.channels import PermanentSendError, SendError
from services.notifications.deliveries import DELIVER, QUIET_CHANNELS
from services.notifications.domain import OPTIONAL_CHANNELS, next_allowed_time

log = logs.get("confer.notifications")


def deliver(uow, timer: dict) -> None:
    d = uow.db[repo.DELIVERIES].find_one({"_id": timer["payload"]["delivery_id"]}, session=uow.session)
    if d is None or d["status"] not in repo.OPEN:
        return
    uow.correlation_id = d.get("correlation_id") or uow.correlation_id  # NotificationSent traces to its cause
    if _opted_out_since(uow, d):
        _finish(uow, d, repo.SKIPPED, d["attempts"], outcome="skipped")
        return
    cfg, attempt = config.load(), d["attempts"] + 1
    if d["channel"] != "inapp" and (prior := sending.previously_accepted(uow.db, d["_id"])):
        # Accepted by the server on an earlier try whose "sent" mark was lost: do not resend.
        _sent(uow, d, prior.get("attempt", attempt), prior.get("ref"))
        return
    try:
        ref = sending.send(uow, d, attempt, cfg, uow.now)
    except PermanentSendError as exc:
        _failed(uow, d, attempt, str(exc), code="refused")
    except Exception as exc:  # noqa: BLE001 - transient errors and surprises both retry, within the budget
        if isinstance(exc, PyMongoError):
            raise  # the transaction is lost anyway; the timer fires again
        if attempt >= cfg.max_tries:
            _failed(uow, d, attempt, str(exc), code="retries_exhausted")
        else:
            _retry(uow, d, timer, attempt, exc, cfg)
    else:
        _sent(uow, d, attempt, ref)


def _opted_out_since(uow, d: dict) -> bool:
    if d["channel"] not in OPTIONAL_CHANNELS:
        return False
    prefs = uow.db[repo.PREFERENCES].find_one({"_id": d["recipient_id"]}, session=uow.session) or {}
    return d["channel"] in prefs.get("opted_out", ())


def _retry(uow, d: dict, timer: dict, attempt: int, exc: Exception, cfg) -> None:
    delay = max(cfg.retry_delay(attempt), getattr(exc, "retry_after", None) or 0)
    due = uow.now + timedelta(seconds=delay)
    if d["channel"] in QUIET_CHANNELS and d.get("quiet"):
        due = next_allowed_time(due, d["tz"], *d["quiet"])
    uow.db[repo.DELIVERIES].update_one(
        {"_id": d["_id"]}, {"$set": {"status": repo.RETRYING, "attempts": attempt, "due_at": due,
                                     "last_error": str(exc)[:500], "updated_at": uow.now}}, session=uow.session)
    timers.schedule(uow, timer["_id"], DELIVER, due, timer["payload"], district_id=d["district_id"],
                    school_id=d["school_id"])
    metrics.NOTIFICATIONS.labels(d["channel"], d["kind"], "retry").inc()
    log.warning("delivery failed; will retry", delivery_id=d["_id"], attempt=attempt, retry_in=delay,
                error=str(exc)[:200], transient=isinstance(exc, SendError))


def _finish(uow, d: dict, status: str, attempts: int, *, outcome: str, **fields) -> None:
    uow.db[repo.DELIVERIES].update_one(
        {"_id": d["_id"]}, {"$set": {"status": status, "attempts": attempts, "updated_at": uow.now, **fields}},
        session=uow.session)
    metrics.NOTIFICATIONS.labels(d["channel"], d["kind"], outcome).inc()


def _event_data(d: dict) -> dict:
    return {"notification_id": d["_id"], "cause_event_id": d["cause_event_id"], "recipient_id": d["recipient_id"],
            "channel": d["channel"], "kind": d["kind"]}


def _sent(uow, d: dict, attempts: int, ref: str | None) -> None:
    _finish(uow, d, repo.SENT, attempts, outcome="sent", sent_at=uow.now, provider_ref=ref)
    uow.emit("NotificationSent", _event_data(d), subject=d["_id"], district_id=d["district_id"],
             school_id=d["school_id"])


def _failed(uow, d: dict, attempts: int, reason: str, *, code: str) -> None:
    # The provider's words may name an address: they stay in this service's log; the
    # public event carries only a reason code.
    _finish(uow, d, repo.FAILED, attempts, outcome="failed", failed_at=uow.now, last_error=reason[:500])
    uow.emit("NotificationFailed", dict(_event_data(d), reason=code, attempts=attempts),
             subject=d["_id"], district_id=d["district_id"], school_id=d["school_id"])
    log.error("delivery failed for good", delivery_id=d["_id"], channel=d["channel"], attempts=attempts,
              reason=reason[:200])
