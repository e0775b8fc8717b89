"""What is sent, to whom, for each event: pure-ish rules over the projections (read
through a Directory). A Notice is one message for one recipient, before channels,
language and quiet hours are applied (that is `recording.py`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from services.common import links
from services.notifications.adapters import ics
from services.notifications.settings import NotifyConfig
from services.notifications.adapters.directory import Directory, NotReady

TEACHER_UPDATE = "teacher_update"  # rendered as a one-event teacher_digest, or batched into the digest


@dataclass
class Notice:
    kind: str
    recipient_id: str
    school_id: str
    context: dict = field(default_factory=dict)
    student_id: str | None = None
    link: str | None = None  # the one link an SMS or inbox item carries
    ics: dict | None = None  # calendar inputs (ics.inputs), built at send time
    items: list[dict] = field(default_factory=list)  # teacher updates only
    # Confirms what the recipient has just done themselves: sent at once, even in quiet hours.
    immediate: bool = False


def _teacher_updates(teacher_ids, school_id, student_id, items) -> list[Notice]:
    return [Notice(TEACHER_UPDATE, t, school_id, student_id=student_id, items=items, link=items[0].get("url"))
            for t in dict.fromkeys(teacher_ids)] if items else []


def invitation(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    d = event.data
    window = dr.window(d["window_id"])
    students = d["student_ids"]
    teachers = list(dict.fromkeys(t for s in students for t in dr.teachers_of(s)))
    if not students or not teachers:
        raise NotReady(f"no students or teachers known for invitation {event.id}")
    url = cfg.url(links.book(d["window_id"]))
    children, staff = [dr.name(s, first=True) for s in students], [dr.name(t) for t in teachers]
    ctx = {"student_name": children, "teacher_name": staff, "student_count": len(children),
           "window_start": window["first_day"], "window_end": window["last_day"], "booking_url": url,
           "book_by": d["booking_closes_at"]}
    if not d.get("nudge"):
        ctx["signer_name"] = staff + children  # "Ms. Lee, Chloe and Wesley"
    if not d.get("nudge"):
        # One child: that child's form; siblings: the family page, with a form per child.
        form = links.parent_input(students[0]) if len(students) == 1 else links.family_home()
        ctx.update(slot_minutes=window.get("slot_minutes"), parent_input_url=cfg.url(form))
    if d.get("asks") == "request":
        # A request window: the family says when they can come, by the deadline; no booking yet.
        ctx.update(asks_request=True, request_by=d.get("requests_deadline"))
    kind = "nudge" if d.get("nudge") else "invitation"
    return [Notice(kind, d["guardian_id"], d["school_id"], ctx, students[0], url)]


def times_offered(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    """The assignment of a request window left the family out: the free times nearest to
    the ones they gave, and the page to book one."""
    d = event.data
    students = d["student_ids"]
    teachers = list(dict.fromkeys(o["teacher_id"] for o in d["offers"]))
    times = sorted({ics.parse_time(s["start"]) for o in d["offers"] for s in o["slots"]})
    url = cfg.url(links.book(d["window_id"]))
    ctx = {"student_name": [dr.name(s, first=True) for s in students], "student_count": len(students),
           "teacher_name": [dr.name(t) for t in teachers], "times": times, "booking_url": url}
    return [Notice("times_offered", d["guardian_id"], d["school_id"], ctx, students[0], url)]


def _meeting(d: dict, dr: Directory, cfg: NotifyConfig) -> dict:
    start, end = ics.parse_time(d["start"]), ics.parse_time(d["end"])
    ctx = {"student_name": dr.name(d["student_id"], first=True), "teacher_name": dr.name(d["teacher_id"]),
           "starts_at": start, "modality": d["modality"], "duration_minutes": int((end - start).total_seconds() // 60),
           "manage_url": cfg.url(links.booking(d["booking_id"])), "interpreter_language": d.get("interpreter_language"),
           "room": d.get("room")}
    if d["modality"] == "in_person" and not ctx["room"]:
        ctx["room"] = "—"
    if d["modality"] == "video":
        ctx["video_url"] = cfg.url(links.booking(d["booking_id"], join=True))
    return ctx


def _ics(event, dr: Directory, ctx: dict, method: str) -> dict:
    """The calendar's inputs; the e-mail lane builds the .ics when it sends (ics.build)."""
    d = event.data
    return ics.inputs(d, teacher_name=ctx["teacher_name"], student_first_name=ctx["student_name"], method=method,
                      sequence=dr.booking_sequence(d["booking_id"]), now=event.time, video_url=ctx.get("video_url"))


def _agenda_url(d: dict, dr: Directory, cfg: NotifyConfig) -> str:
    """The teacher's agenda on the conference's day (in the school's zone)."""
    zone = ZoneInfo(dr.school(d["school_id"])["time_zone"])
    return cfg.url(links.agenda(d["window_id"], ics.parse_time(d["start"]).astimezone(zone).date()))


def _booking_items(d: dict, ctx: dict, kind: str, url: str) -> list[dict]:
    base = {"student_name": ctx["student_name"], "at": ctx["starts_at"], "url": url}
    items = [dict(base, kind=kind)]
    if kind != "cancelled" and d.get("interpreter_language"):
        items.append(dict(base, kind="interpreter_requested", language=d["interpreter_language"]))
    if kind == "booked" and d.get("private_talk"):
        items.append(dict(base, kind="private_conversation_requested"))
    return items


def booked(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    d = event.data
    ctx = _meeting(d, dr, cfg)
    form = cfg.url(links.parent_input(d["student_id"]))
    family = [Notice("booking_confirmation", d["guardian_id"], d["school_id"], ctx, d["student_id"],
                     ctx["manage_url"], _ics(event, dr, ctx, "REQUEST"),
                     immediate=d.get("booked_by_role") == "guardian"),
              # Parent input request: asked once a slot is booked, due the day before.
              Notice("parent_input_request", d["guardian_id"], d["school_id"],
                     {"student_name": ctx["student_name"], "teacher_name": ctx["teacher_name"], "form_url": form,
                      "starts_at": ctx["starts_at"], "due_by": (ctx["starts_at"] - timedelta(days=1)).date()},
                     d["student_id"], form)]
    return family + _teacher_updates([d["teacher_id"]], d["school_id"], d["student_id"],
                                     _booking_items(d, ctx, "booked", _agenda_url(d, dr, cfg)))


def rescheduled(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    d = event.data
    ctx = dict(_meeting(d, dr, cfg), previous_starts_at=d["previous_start"])
    return [Notice("reschedule_confirmation", d["guardian_id"], d["school_id"], ctx, d["student_id"],
                   ctx["manage_url"], _ics(event, dr, ctx, "REQUEST"))] + _teacher_updates(
        [d["teacher_id"]], d["school_id"], d["student_id"],
        _booking_items(d, ctx, "rescheduled", _agenda_url(d, dr, cfg)))


def cancelled(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    d = event.data
    meeting = _meeting(d, dr, cfg)
    ctx = {k: meeting[k] for k in ("student_name", "teacher_name", "starts_at")}
    ctx["booking_url"] = cfg.url(links.book(d["window_id"]))
    notices = [Notice("cancel_confirmation", d["guardian_id"], d["school_id"], ctx, d["student_id"],
                      ctx["booking_url"], _ics(event, dr, meeting, "CANCEL"), immediate=d["reason"] == "family")]
    if d["reason"] == "family":
        notices += _teacher_updates([d["teacher_id"]], d["school_id"], d["student_id"],
                                    _booking_items(d, meeting, "cancelled", _agenda_url(d, dr, cfg)))
    return notices


def reminder(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    d = event.data
    ctx = _meeting(d, dr, cfg)
    return [Notice("reminder", d["guardian_id"], d["school_id"], ctx, d["student_id"], ctx["manage_url"])]


def follow_up(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    """The family and the student are asked to check in (each straight to the check-in
    form); the teacher hears it is due."""
    d = event.data
    name, goals = dr.name(d["student_id"], first=True), dr.open_goals(d["student_id"])
    url = cfg.url(links.family_checkin(d["student_id"]))
    ctx = {"student_name": name, "followup_url": url, "goals": goals, "teacher_name": dr.name(d["teacher_id"])}
    family = [Notice("follow_up_prompt", g, d["school_id"], ctx, d["student_id"], url) for g in d["guardian_ids"]]
    mine = cfg.url(links.student_checkin())
    student = Notice("checkin_prompt", d["student_id"], d["school_id"],
                     {"student_name": name, "checkin_url": mine, "goals": goals}, d["student_id"], mine)
    return family + [student] + _teacher_updates(
        [d["teacher_id"]], d["school_id"], d["student_id"],
        [{"kind": "follow_up_due", "student_name": name, "url": cfg.url(links.follow_ups())}])


def goal_achieved(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    d = event.data
    url = cfg.url(links.family_goals(d["student_id"], d["goal_id"]))
    name = dr.name(d["student_id"], first=True)
    ctx = {"student_name": name, "goal_title": dr.goal(d["goal_id"])["statement"], "achieved_on": d["achieved_on"],
           "goal_url": url}
    notices = [Notice("goal_achieved", g, d["school_id"], ctx, d["student_id"], url)
               for g in dr.guardians_of(d["student_id"])]
    packet = cfg.url(links.packet(d["student_id"], "goals"))
    return notices + _teacher_updates(dr.teachers_of(d["student_id"]), d["school_id"], d["student_id"],
                                      [{"kind": "goal_achieved", "student_name": name, "url": packet}])


def report_ready(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    d = event.data
    url = cfg.url(links.family_report(d["student_id"], d["period"]))
    ctx = {"student_name": dr.name(d["student_id"], first=True), "report_url": url, "period": d["period"]}
    return [Notice("report_ready", g, d["school_id"], ctx, d["student_id"], url)
            for g in dr.guardians_of(d["student_id"])]


def parent_input(event, dr: Directory, cfg: NotifyConfig) -> list[Notice]:
    d = event.data
    name = dr.name(d["student_id"], first=True)
    url = cfg.url(links.packet(d["student_id"], "parent-input"))
    items = [{"kind": "parent_input", "student_name": name, "url": url}]
    if d["private_talk_requested"]:
        items.append({"kind": "private_conversation_requested", "student_name": name, "url": url})
    return _teacher_updates(dr.teachers_of(d["student_id"]), d["school_id"], d["student_id"], items)


RULES = {
    "InvitationDue": invitation, "ConferenceBooked": booked, "ConferenceRescheduled": rescheduled,
    "ConferenceCancelled": cancelled, "ConferenceReminderDue": reminder, "FollowUpDue": follow_up,
    "GoalAchieved": goal_achieved, "ReportReady": report_ready, "ParentInputSubmitted": parent_input,
    "ConferenceTimesOffered": times_offered,
}
