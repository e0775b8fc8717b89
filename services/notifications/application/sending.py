"""Sending one claimed delivery on its channel: outside any transaction, by a lane's
sender thread, each thread with its own sender (so an SMTP session or an HTTP
connection is reused from one message to the next, never shared between threads).

`prepare` turns the stored notice into what goes out, rendered now in the language the
recipient has now, or says why it will not go out (`Skip`: opted out since, no address
any more, no provider configured). `send` hands it to the provider and returns the
provider's reference, or raises a `channels.SendError`.

Every e-mail keeps the Message-ID fixed when it was recorded, every SMS and webhook call
carries the delivery id (Idempotency-Key / X-Confer-Delivery): a resend after an
unknown outcome is recognisable as the same message by whoever receives it.
"""
from __future__ import annotations

from datetime import datetime

import requests

from services.notifications.adapters.channels import HttpSmsProvider, PermanentSendError, WebhookSender
from services.notifications.settings import NotifyConfig
from services.notifications.adapters.content import Message
from services.notifications.application.deliveries import calendar_for, render_notice, sms_body
from services.notifications.application.attempts import Job
from services.notifications.adapters.email import SmtpSender, build_email


class Skip(Exception):
    """Not sent, and not to be tried again; `reason` is recorded on the delivery."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _person(job: Job, channel: str):
    r = job.extra.get("recipient")
    if r is None or not r.active:
        raise Skip("inactive")
    if channel in r.prefs.get("opted_out", ()):
        raise Skip("opted_out")
    return r


def _message(job: Job, cfg: NotifyConfig, now: datetime, r, *, html: bool = True) -> tuple[Message, bytes | None]:
    n, school = job.d["notice"], job.extra.get("school")
    if school is None:
        raise Skip("school_unknown")
    return render_notice(n, r, school, cfg, now, html=html), (calendar_for(n, school, r.lang) if html else None)


class EmailSender:
    channel = "email"

    def __init__(self, cfg: NotifyConfig):
        self.cfg = cfg
        self.smtp = SmtpSender(cfg.smtp_host, cfg.smtp_port, cfg.smtp_username, cfg.smtp_password,
                               starttls=cfg.smtp_starttls, timeout=cfg.send_timeout, from_addr=cfg.smtp_from,
                               keep_open=True) if cfg.smtp_host else None

    def prepare(self, job: Job, now: datetime):
        if self.smtp is None:
            raise Skip("not_configured")
        d = job.d
        if not d.get("notice"):  # recorded before rendering moved to send time: as it was frozen then
            c = d["content"]
            message = Message(c["subject"], c["text"], c["html"], c.get("lang", "en"), False)
            return build_email(message, c["to"], from_addr=self.cfg.smtp_from,
                               ics=c["ics"].encode() if c.get("ics") else None, message_id=d["message_id"])
        r = _person(job, "email")
        if not r.email:
            raise Skip("no_address")
        message, ics = _message(job, self.cfg, now, r)
        return build_email(message, r.email, from_addr=self.cfg.smtp_from, ics=ics, message_id=d["message_id"])

    def send(self, prepared, job: Job) -> str:
        return self.smtp.send(prepared)

    def close(self) -> None:
        if self.smtp:
            self.smtp.close()


class SmsSender:
    channel = "sms"

    def __init__(self, cfg: NotifyConfig):
        self.cfg = cfg
        self.provider = HttpSmsProvider(cfg.sms_url, cfg.sms_api_key, timeout=cfg.send_timeout,
                                        session=requests.Session()) if cfg.configured("sms") else None

    def prepare(self, job: Job, now: datetime):
        if self.provider is None:
            raise Skip("not_configured")
        d = job.d
        if not d.get("notice"):
            return d["content"]["to"], d["content"]["body"]
        r = _person(job, "sms")
        if not r.phone:
            raise Skip("no_address")
        message, _ = _message(job, self.cfg, now, r, html=False)  # an SMS is its subject and link
        return r.phone, sms_body(message, d["notice"].get("link"))

    def send(self, prepared, job: Job) -> str | None:
        to, body = prepared
        return self.provider.send(to, body, idempotency_key=job.id)

    def close(self) -> None:
        if self.provider:
            self.provider.session.close()


class WebhookChannel:
    channel = "webhook"

    def __init__(self, cfg: NotifyConfig):
        self.cfg = cfg
        self.session = requests.Session()

    def prepare(self, job: Job, now: datetime):
        sub = job.extra.get("webhook")
        if not sub or not sub.get("active"):
            return None  # sent as a permanent failure: the subscription was removed
        return sub

    def send(self, sub, job: Job) -> str:
        if sub is None:
            raise PermanentSendError("the webhook subscription was removed")
        status = WebhookSender(sub["url"], sub["secret"], timeout=self.cfg.send_timeout).send(
            job.d["content"]["payload"], delivery_id=job.id)
        return str(status)

    def close(self) -> None:
        self.session.close()


SENDERS = {"email": EmailSender, "sms": SmsSender, "webhook": WebhookChannel}
