"""Sending one delivery on its channel. In-app writes the inbox inside the delivery's
transaction. Email, SMS and webhooks leave the building, so each try is journalled
*outside* the transaction (`send_journal`): "sending" before, "accepted" once the server
took it. If the process dies, or the commit fails, after the server accepted a message
but before the delivery was marked sent, the next try finds "accepted" and marks it sent
without sending again; a "sending" left behind means a send of unknown outcome, and the
retry reuses the same Message-ID / delivery id so the receiver can tell."""
from __future__ import annotations

from services.common import logs
from services.notifications import repository as repo
from services.notifications.channels import HttpSmsProvider, PermanentSendError, TransientSendError, WebhookSender
from services.notifications.config import NotifyConfig
from services.notifications.content import Message
from services.notifications.email import SmtpSender, build_email

log = logs.get("confer.notifications")


def previously_accepted(db, delivery_id: str) -> dict | None:
    return db[repo.JOURNAL].find_one({"delivery_id": delivery_id, "state": "accepted"})


def send(uow, d: dict, attempt: int, cfg: NotifyConfig, now) -> str | None:
    """Deliver `d`; returns the provider's reference. Raises Transient/PermanentSendError."""
    if d["channel"] == "inapp":
        return _inbox(uow, d, now)
    db, jid = uow.db, f"{d['_id']}:{attempt}"
    if db[repo.JOURNAL].find_one({"delivery_id": d["_id"], "state": "sending"}):
        log.warning("retrying a send of unknown outcome", delivery_id=d["_id"], message_id=d["message_id"])
    db[repo.JOURNAL].update_one({"_id": jid}, {"$set": {"delivery_id": d["_id"], "attempt": attempt, "state": "sending",
                                                        "message_id": d["message_id"], "started_at": now}}, upsert=True)
    try:
        ref = SENDERS[d["channel"]](uow, d, cfg)
    except Exception as exc:
        db[repo.JOURNAL].update_one({"_id": jid}, {"$set": {"state": "error", "error": str(exc)[:500]}})
        raise
    db[repo.JOURNAL].update_one({"_id": jid}, {"$set": {"state": "accepted", "ref": ref}})
    return ref


def _inbox(uow, d: dict, now) -> None:
    c = d["content"]
    uow.db[repo.INBOX].update_one(
        {"_id": d["_id"]},
        {"$setOnInsert": {"district_id": d["district_id"], "school_id": d["school_id"],
                          "recipient_id": d["recipient_id"], "kind": d["kind"], "subject": c["subject"],
                          "text": c["text"], "link": c.get("link"), "lang": c.get("lang"),
                          "student_id": d.get("student_id"), "created_at": now, "read_at": None}},
        upsert=True, session=uow.session)
    return None


def _email(uow, d: dict, cfg: NotifyConfig) -> str:
    if not cfg.smtp_host:
        raise TransientSendError("SMTP_HOST is not configured")
    c = d["content"]
    msg = build_email(Message(c["subject"], c["text"], c["html"], c.get("lang", "en"), False), c["to"],
                      from_addr=cfg.smtp_from, ics=c["ics"].encode() if c.get("ics") else None,
                      message_id=d["message_id"])
    sender = SmtpSender(cfg.smtp_host, cfg.smtp_port, cfg.smtp_username, cfg.smtp_password,
                        starttls=cfg.smtp_starttls, timeout=cfg.send_timeout, from_addr=cfg.smtp_from)
    return sender.send(msg)


def _sms(uow, d: dict, cfg: NotifyConfig) -> str | None:
    if not (cfg.sms_url and cfg.sms_api_key):
        raise TransientSendError("SMS_URL / SMS_API_KEY are not configured")
    c = d["content"]
    return HttpSmsProvider(cfg.sms_url, cfg.sms_api_key, timeout=cfg.send_timeout).send(
        c["to"], c["body"], idempotency_key=d["_id"])


def _webhook(uow, d: dict, cfg: NotifyConfig) -> str:
    sub = uow.db[repo.WEBHOOKS].find_one({"_id": d["content"]["webhook_id"]}, session=uow.session)
    if not sub or not sub.get("active"):
        raise PermanentSendError("the webhook subscription was removed")
    status = WebhookSender(sub["url"], sub["secret"], timeout=cfg.send_timeout).send(
        d["content"]["payload"], delivery_id=d["_id"])
    return str(status)


SENDERS = {"email": _email, "sms": _sms, "webhook": _webhook}
