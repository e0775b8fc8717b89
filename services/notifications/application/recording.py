"""Recording deliveries. An event handler only records: for each notice it picks channels
from the recipient's preferences and writes, in the handler's transaction, one delivery
per channel: e-mail and SMS pending (due now, or when their quiet hours end) for their
lanes to send and render; in-app rendered and delivered at once; a channel with no
provider configured recorded as skipped (not_configured). Sending is `lanes.py`."""
from __future__ import annotations

from services.common import metrics
from services.notifications import settings as config
from services.notifications.application import digest
from services.notifications.application import webhooks
from services.notifications.application.deliveries import Recorder, quiet_window, render_notice, stored_notice
from services.notifications.adapters.directory import Directory
from services.notifications.domain.rules import channels_for
from services.notifications.application.notices import RULES, Notice


def record_event(event, uow) -> int:
    """Handler body for every event that notifies someone; returns deliveries added."""
    cfg, dr = config.load(), Directory.of(uow)
    dr.prefetch_events([event.data])
    notices = RULES[event.name](event, dr, cfg)
    count = sum(record_notice(uow, dr, cfg, n, event.id, event.name) for n in notices)
    return count + webhooks.fan_out(uow, event, notices, cfg)


def prefetch(events, uow) -> None:
    """What a batch of notifying events will read, read at once (see Directory)."""
    Directory.of(uow).prefetch_events([e.data for e in events])


def record_notice(uow, dr: Directory, cfg, notice: Notice, cause_id: str, cause_type: str) -> int:
    r = dr.recipient(notice.recipient_id)
    if not r.active:  # left the roster: nothing to send, but say so in the metrics
        uow.after_commit(lambda: metrics.NOTIFICATIONS.labels("none", notice.kind, "skipped").inc())
        return 0
    school = dr.school(notice.school_id)
    plan = channels_for(r.preferences(), notice.kind)
    if plan.digest:
        digest.add_items(uow, r, notice, school, cfg, cause_id)
    stored = stored_notice(notice)
    recorder = Recorder.of(uow)
    for channel in sorted(plan.channels):
        common = dict(cause_id=cause_id, cause_type=cause_type, recipient_id=r.person_id, channel=channel,
                      kind=notice.kind, school=school, student_id=notice.student_id, notice=stored,
                      mail_domain=cfg.mail_domain)
        if channel == "inapp":  # its send time is now: rendered in their language and delivered
            recorder.add(**common, inbox=render_notice(stored, r, school, cfg, uow.now, html=False))
        elif not cfg.configured(channel):
            recorder.add(**common, skip_reason="not_configured")
        else:
            recorder.add(**common, quiet=None if notice.immediate else quiet_window(r.prefs, cfg))
    return len(plan.channels)
