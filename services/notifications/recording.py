"""Recording deliveries. An event handler only records: for each notice it renders the
message in the recipient's language, picks channels from their preferences, and writes
one pending delivery per channel (plus a 'deliver' timer, due now or when their quiet
hours end) in the handler's transaction. Sending happens later, in `delivery.py`."""
from __future__ import annotations

from services.common import metrics
from services.notifications import config, digest, webhooks
from services.notifications.deliveries import add_delivery, content_for, quiet_window, render_for
from services.notifications.directory import Directory
from services.notifications.domain import channels_for
from services.notifications.notices import RULES, Notice


def record_event(event, uow) -> int:
    """Handler body for every event that notifies someone; returns deliveries recorded."""
    cfg, dr = config.load(), Directory(uow)
    notices = RULES[event.name](event, dr, cfg)
    count = sum(record_notice(uow, dr, cfg, n, event.id, event.name) for n in notices)
    return count + webhooks.fan_out(uow, event, notices, cfg)


def record_notice(uow, dr: Directory, cfg, notice: Notice, cause_id: str, cause_type: str) -> int:
    r = dr.recipient(notice.recipient_id)
    if not r.active:  # left the roster: nothing to send, but say so in the metrics
        metrics.NOTIFICATIONS.labels("none", notice.kind, "skipped").inc()
        return 0
    school = dr.school(notice.school_id)
    plan = channels_for(r.preferences(), notice.kind)
    if plan.digest:
        digest.add_items(uow, r, notice, school, cfg, cause_id)
    message = render_for(r, notice, school, cfg, uow.now)
    recorded = 0
    for channel in sorted(plan.channels):
        recorded += add_delivery(uow, cause_id=cause_id, cause_type=cause_type, recipient_id=r.person_id,
                                 channel=channel, kind=notice.kind, school=school, student_id=notice.student_id,
                                 content=content_for(channel, message, r, notice.link, notice.ics),
                                 quiet=None if notice.immediate else quiet_window(r.prefs, cfg),
                                 mail_domain=cfg.mail_domain)
    return recorded
