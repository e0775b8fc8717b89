"""The teacher digest: a teacher who chose it gets updates in the inbox as they happen
and one email a day (NOTIFY_DIGEST_TIME in their school's zone) listing them. Items wait
in `digest_items`; a durable 'digest' timer per teacher turns them into a delivery that
goes through the same exactly-once, retrying path as every other message: the e-mail
lane renders it when it sends."""
from __future__ import annotations

from services.common import links, timers
from services.notifications import settings as config
from services.notifications.adapters import repository as repo
from services.notifications.application.deliveries import DIGEST_KIND, Recorder, quiet_window
from services.notifications.adapters.directory import Directory, Recipient
from services.notifications.domain.rules import channels_for, next_digest_time
from services.notifications.application.notices import Notice

DIGEST = "digest"
KIND = DIGEST_KIND


def add_items(uow, r: Recipient, notice: Notice, school: dict, cfg, cause_id: str) -> None:
    for i, item in enumerate(notice.items):
        uow.db[repo.DIGEST_ITEMS].update_one(
            {"_id": f"{cause_id}:{r.person_id}:{i}"},
            {"$setOnInsert": {"district_id": school.get("district_id"), "school_id": school["_id"],
                              "recipient_id": r.person_id, "item": item, "status": "pending",
                              "created_at": uow.now}},
            upsert=True, session=uow.session)
    due = next_digest_time(uow.now, school["time_zone"], cfg.digest_time, *quiet_window(r.prefs, cfg))
    key = f"{DIGEST}:{r.person_id}"
    current = uow.db[timers.TIMERS].find_one({"_id": key}, session=uow.session)
    if current and current["status"] == "pending" and current["due_at"] <= due:
        return  # the next digest is already booked
    timers.schedule(uow, key, DIGEST, due, {"recipient_id": r.person_id},
                    district_id=school.get("district_id"), school_id=school["_id"])


def send_digest(uow, timer: dict) -> None:
    """Timer callback: record today's digest delivery for one teacher."""
    rid = timer["payload"]["recipient_id"]
    pending = list(uow.db[repo.DIGEST_ITEMS].find({"recipient_id": rid, "status": "pending"}, session=uow.session)
                   .sort("created_at", 1))
    if not pending:
        return
    cfg, dr = config.load(), Directory(uow)
    r, school = dr.recipient(rid), dr.school(timer["school_id"])
    cause_id = f"digest:{rid}:{timer['due_at'].isoformat()}"
    notice = Notice(KIND, rid, school["_id"], items=[p["item"] for p in pending], link=cfg.url(links.teacher_home()))
    stored = {"kind": KIND, "context": {}, "link": notice.link, "items": notice.items, "ics": None}
    recorder = Recorder.of(uow)
    for channel in sorted(channels_for(r.preferences(), KIND).channels - {"inapp"}):  # items are in the inbox
        recorder.add(cause_id=cause_id, cause_type="TeacherDigest", recipient_id=rid, channel=channel, kind=KIND,
                     school=school, notice=stored, quiet=quiet_window(r.prefs, cfg), mail_domain=cfg.mail_domain,
                     skip_reason=None if cfg.configured(channel) else "not_configured")
    uow.db[repo.DIGEST_ITEMS].update_many({"_id": {"$in": [p["_id"] for p in pending]}},
                                          {"$set": {"status": "included", "digest": cause_id}}, session=uow.session)
