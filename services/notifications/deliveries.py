"""Primitives for recording a delivery: its stable id, rendering a notice for a
recipient, and writing one pending delivery with its 'deliver' timer (due now, or when
the recipient's quiet hours end)."""
from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.lists import format_list

from services.common import links, metrics, timers
from services.notifications import config, repository as repo
from services.notifications.content import render
from services.notifications.directory import Recipient
from services.notifications.domain import next_allowed_time
from services.notifications.notices import TEACHER_UPDATE, Notice

QUIET_CHANNELS = frozenset({"email", "sms"})  # in-app and webhooks make no sound
DELIVER = "deliver"


def delivery_id(cause_event_id: str, recipient_id: str, channel: str, kind: str) -> str:
    key = f"{cause_event_id}|{recipient_id}|{channel}|{kind}"
    return "n-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def quiet_window(recipient_prefs: dict, cfg: config.NotifyConfig) -> tuple[str, str]:
    return recipient_prefs.get("quiet_start") or cfg.quiet_start, recipient_prefs.get("quiet_end") or cfg.quiet_end


def _localise_lists(context: dict, lang: str) -> dict:
    try:
        locale = Locale.parse(lang.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        locale = Locale.parse("en")
    return {k: format_list(v, locale=locale) if k.endswith("_name") and isinstance(v, list) else v
            for k, v in context.items()}


def render_for(r: Recipient, notice: Notice, school: dict, cfg, now: datetime):
    ctx = {**notice.context, "recipient_name": r.name, "school_name": school["name"],
           "preferences_url": cfg.url(links.preferences())}
    kind = notice.kind
    if kind in (TEACHER_UPDATE, "teacher_digest"):
        kind = "teacher_digest"
        ctx.update(items=notice.items, digest_date=now.astimezone(ZoneInfo(school["time_zone"])).date(),
                   dashboard_url=cfg.url(links.teacher_home()))
    message = render(kind, r.lang, _localise_lists(ctx, r.lang), school["time_zone"])
    if message.fallback:
        metrics.TRANSLATION_FALLBACKS.labels(r.lang).inc()
    return message


def content_for(channel: str, message, r: Recipient, link: str | None = None, ics: str | None = None) -> dict:
    """What a delivery on `channel` carries, frozen at recording time."""
    content = {"subject": message.subject, "text": message.text, "lang": message.lang_used}
    if channel == "email":
        content.update(to=r.email, html=message.html, ics=ics)
    elif channel == "sms":
        content.update(to=r.phone, body=" ".join(p for p in (message.subject, link) if p))
    else:
        content.update(link=link)
    return content


def add_delivery(uow, *, cause_id: str, cause_type: str, recipient_id: str, channel: str, kind: str, school: dict,
                 content: dict, student_id: str | None = None, quiet: tuple[str, str] | None = None,
                 mail_domain: str = "confer.localhost") -> int:
    """Write one pending delivery and its timer; 0 if this (event, recipient, channel,
    kind) was recorded before (a redelivered or replayed event)."""
    did = delivery_id(cause_id, recipient_id, channel, kind)
    now, tz = uow.now, school["time_zone"]
    due = next_allowed_time(now, tz, *quiet) if channel in QUIET_CHANNELS and quiet else now
    district_id = school.get("district_id") or uow.district_id
    doc = {"district_id": district_id, "school_id": school["_id"], "cause_event_id": cause_id,
           "cause_type": cause_type, "recipient_id": recipient_id, "channel": channel, "kind": kind,
           "student_id": student_id, "status": repo.PENDING, "attempts": 0, "created_at": now, "due_at": due,
           "tz": tz, "quiet": list(quiet) if quiet else None, "content": content,
           "message_id": f"<{did}@{mail_domain}>", "correlation_id": uow.correlation_id}
    res = uow.db[repo.DELIVERIES].update_one({"_id": did}, {"$setOnInsert": doc}, upsert=True, session=uow.session)
    if res.upserted_id is None:
        return 0
    timers.schedule(uow, f"{DELIVER}:{did}", DELIVER, due, {"delivery_id": did},
                    district_id=district_id, school_id=school["_id"])
    metrics.NOTIFICATIONS.labels(channel, kind, "deferred" if due > now else "queued").inc()
    return 1
