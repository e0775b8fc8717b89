"""Recording deliveries, and rendering them.

A delivery stores what its message is made of (the notice: kind, context, link, digest
items, calendar inputs), not the finished message: e-mail and SMS are rendered by their
lane at send time, in the language and with the contact details the recipient has then
(a family that switched to Spanish after the window opened gets Spanish). In-app
deliveries are rendered when they are recorded, which is their send time, and written as
delivered (inbox item + NotificationSent) in that same unit of work.

`Recorder.of(uow)` collects every delivery one unit of work records (a consumer batch
may hold many events) and writes them just before it commits: one read of the ids that
exist already (a replayed event records nothing twice) and one insert each for the
deliveries and the inbox items.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.lists import format_list

from services.common import links, metrics
from services.notifications import settings as config
from services.notifications.adapters import ics as ics_module
from services.notifications.adapters import repository as repo
from services.notifications.adapters.content import Message, render
from services.notifications.adapters.directory import Recipient
from services.notifications.domain.rules import next_allowed_time
from services.notifications.application.notices import TEACHER_UPDATE, Notice

QUIET_CHANNELS = frozenset({"email", "sms"})  # in-app and webhooks make no sound
DELIVER = "deliver"  # timer kind of deliveries recorded before the lanes (see delivery.deliver)
DIGEST_KIND = "teacher_digest"


def delivery_id(cause_event_id: str, recipient_id: str, channel: str, kind: str) -> str:
    key = f"{cause_event_id}|{recipient_id}|{channel}|{kind}"
    return "n-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def quiet_window(recipient_prefs: dict, cfg: config.NotifyConfig) -> tuple[str, str]:
    return recipient_prefs.get("quiet_start") or cfg.quiet_start, recipient_prefs.get("quiet_end") or cfg.quiet_end


def provider_for(channel: str, content: dict | None = None) -> str:
    """The provider a delivery goes through: its rate limit and circuit breaker."""
    if channel == "webhook":
        return f"webhook:{(content or {}).get('webhook_id')}"
    return {"email": "smtp", "sms": "sms"}.get(channel, channel)


# -- what a notice is made of, stored -------------------------------------------------
def _bson_safe(value):
    """Dates (not datetimes) become ISO strings, which render() reads back as dates."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _bson_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_bson_safe(v) for v in value]
    return value


def stored_notice(notice: Notice) -> dict:
    return {"kind": notice.kind, "context": _bson_safe(notice.context), "link": notice.link,
            "items": _bson_safe(notice.items), "ics": _bson_safe(notice.ics)}


def _localise_lists(context: dict, lang: str) -> dict:
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("en")
    return {k: format_list(v, locale=locale) if k.endswith("_name") and isinstance(v, list) else v
            for k, v in context.items()}


def render_notice(n: dict, r: Recipient, school: dict, cfg, now: datetime, *, html: bool = True) -> Message:
    """The message of a stored notice for `r` as they are now (language, name)."""
    ctx = {**(n.get("context") or {}), "recipient_name": r.name, "school_name": school["name"],
           "preferences_url": cfg.url(links.preferences())}
    kind = n["kind"]
    if kind in (TEACHER_UPDATE, DIGEST_KIND):
        kind = DIGEST_KIND
        ctx.update(items=n.get("items") or [], digest_date=now.astimezone(ZoneInfo(school["time_zone"])).date(),
                   dashboard_url=cfg.url(links.teacher_home()))
    message = render(kind, r.lang, _localise_lists(ctx, r.lang), school["time_zone"], html=html)
    if message.fallback:
        metrics.TRANSLATION_FALLBACKS.labels(r.lang).inc()
    return message


def render_for(r: Recipient, notice: Notice, school: dict, cfg, now: datetime) -> Message:
    return render_notice(stored_notice(notice), r, school, cfg, now)


def calendar_for(n: dict, school: dict, lang: str = "en") -> bytes | None:
    """The .ics attachment of a stored notice, built with the school as it is now and in
    the recipient's language at send time."""
    inputs = n.get("ics")
    if not inputs:
        return None
    if isinstance(inputs, str):  # a delivery recorded with its calendar already built
        return inputs.encode()
    return ics_module.build(inputs, school_name=school["name"], tz=school["time_zone"], lang=lang).encode()


def sms_body(message: Message, link: str | None) -> str:
    return " ".join(p for p in (message.subject, link) if p)


# -- recording ------------------------------------------------------------------------
class Recorder:
    """The deliveries one unit of work records, written together before it commits."""

    def __init__(self, uow):
        self.uow = uow
        self.docs: dict[str, dict] = {}
        self.inbox: dict[str, dict] = {}
        uow.before_commit(self.write)

    @classmethod
    def of(cls, uow) -> "Recorder":
        recorder = getattr(uow, "_delivery_recorder", None)
        if recorder is None:
            recorder = uow._delivery_recorder = cls(uow)
        return recorder

    def add(self, *, cause_id: str, cause_type: str, recipient_id: str, channel: str, kind: str, school: dict,
            notice: dict | None = None, content: dict | None = None, student_id: str | None = None,
            quiet: tuple[str, str] | None = None, mail_domain: str = "confer.localhost",
            skip_reason: str | None = None, inbox: Message | None = None) -> dict:
        """Add one delivery: pending (due now, or when the recipient's quiet hours end),
        skipped (`skip_reason`), or, for in-app (`inbox` = its rendered message), sent."""
        uow = self.uow
        did = delivery_id(cause_id, recipient_id, channel, kind)
        now, tz = uow.now, school["time_zone"]
        due = next_allowed_time(now, tz, *quiet) if channel in QUIET_CHANNELS and quiet else now
        district_id = school.get("district_id") or uow.district_id
        doc = {"_id": did, "district_id": district_id, "school_id": school["_id"], "cause_event_id": cause_id,
               "cause_type": cause_type, "recipient_id": recipient_id, "channel": channel, "kind": kind,
               "student_id": student_id, "status": repo.PENDING, "attempts": 0, "created_at": now, "due_at": due,
               "tz": tz, "quiet": list(quiet) if quiet else None, "provider": provider_for(channel, content),
               "notice": notice, "content": content, "link": (notice or {}).get("link"),
               "message_id": f"<{did}@{mail_domain}>", "correlation_id": uow.correlation_id}
        if skip_reason:
            doc.update(status=repo.SKIPPED, skip_reason=skip_reason)
        elif inbox is not None:
            doc.update(status=repo.SENT, attempts=1, sent_at=now, lang=inbox.lang_used)
            self.inbox[did] = {"_id": did, "district_id": district_id, "school_id": school["_id"],
                               "recipient_id": recipient_id, "kind": kind, "subject": inbox.subject,
                               "text": inbox.text, "link": doc["link"], "lang": inbox.lang_used,
                               "student_id": student_id, "created_at": now, "read_at": None}
        self.docs.setdefault(did, doc)
        return doc

    def write(self, uow=None) -> int:
        if not self.docs:
            return 0
        uow = self.uow
        db, session = uow.db, uow.session
        ids = list(self.docs)
        existing = {d["_id"] for d in db[repo.DELIVERIES].find({"_id": {"$in": ids}}, {"_id": 1}, session=session)}
        new = [d for i, d in self.docs.items() if i not in existing]
        self.docs = {}
        if not new:
            return 0
        db[repo.DELIVERIES].insert_many(new, ordered=True, session=session)
        inbox = [self.inbox[d["_id"]] for d in new if d["_id"] in self.inbox]
        if inbox:
            db[repo.INBOX].insert_many(inbox, ordered=True, session=session)
        for d in new:
            if d["status"] == repo.SENT:
                uow.emit("NotificationSent", event_data(d), subject=d["_id"], district_id=d["district_id"],
                         school_id=d["school_id"])
        lanes = {d["channel"] for d in new if d["status"] == repo.PENDING}
        uow.after_commit(lambda: _recorded(uow.store, new, lanes))
        return len(new)


def _recorded(store, docs: list[dict], lanes: set) -> None:
    now = store.clock()
    for d in docs:
        if d["status"] == repo.SKIPPED:
            metrics.NOTIFICATIONS.labels(d["channel"], d["kind"], "skipped").inc()
            metrics.NOTIFICATIONS_SKIPPED.labels(d["channel"], d["skip_reason"]).inc()
        elif d["status"] == repo.SENT:
            metrics.NOTIFICATIONS.labels(d["channel"], d["kind"], "sent").inc()
        else:
            metrics.NOTIFICATIONS.labels(d["channel"], d["kind"], "deferred" if d["due_at"] > now else "queued").inc()
    for channel in lanes:  # a lane in this process claims at once instead of at its next poll
        store.signal(f"deliveries:{channel}").set()


def event_data(d: dict) -> dict:
    """NotificationSent / NotificationFailed data: ids and kinds, never contact details."""
    return {"notification_id": d["_id"], "cause_event_id": d["cause_event_id"], "recipient_id": d["recipient_id"],
            "channel": d["channel"], "kind": d["kind"]}
