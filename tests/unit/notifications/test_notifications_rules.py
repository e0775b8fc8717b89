"""Who hears what for each event (with a fake directory), settings from the environment,
the digest time, and the stable ids that make delivery exactly-once."""
from datetime import date, datetime, timedelta, timezone

import icalendar
import pytest

from services.notifications.adapters import ics
from services.notifications.application import notices
from services.notifications.settings import DEFAULT_RETRY_DELAYS, NotifyConfig, load
from services.notifications.application.deliveries import delivery_id
from services.notifications.adapters.directory import NotReady
from services.notifications.domain.rules import next_digest_time
from services.notifications.application.notices import TEACHER_UPDATE

UTC = timezone.utc
START = datetime(2026, 10, 20, 21, 30, tzinfo=UTC)
CFG = NotifyConfig(public_url="https://confer.test/")


class FakeDirectory:
    names = {"st-1": ("Mateo", "Mateo García"), "st-2": ("Lin", "Lin García"), "t-1": ("Laura", "Laura Lee"),
             "t-2": ("Sam", "Sam Park")}

    def __init__(self, windows=None, goals=None):
        self.windows = windows if windows is not None else {
            "w-1": {"first_day": "2026-10-19", "last_day": "2026-10-23", "slot_minutes": 20}}
        self.goals = goals or {}

    def name(self, pid, first=False):
        if pid not in self.names:
            raise NotReady(pid)
        return self.names[pid][0 if first else 1]

    def teachers_of(self, sid):
        return {"st-1": ["t-1"], "st-2": ["t-2"]}.get(sid, [])

    def guardians_of(self, sid):
        return ["g-1", "g-2"] if sid == "st-1" else []

    def window(self, wid):
        if wid not in self.windows:
            raise NotReady(wid)
        return self.windows[wid]

    def school(self, sid):
        return {"_id": sid, "name": "Lincoln", "time_zone": "America/Chicago"}

    def booking_sequence(self, bid):
        return 2

    def language(self, pid):
        return "es" if pid == "g-1" else "en"

    def goal(self, gid):
        if gid not in self.goals:
            raise NotReady(gid)
        return self.goals[gid]

    def open_goals(self, sid):
        return [g["statement"] for g in self.goals.values()]


class Ev:
    def __init__(self, name, data, id="e-1"):
        self.name, self.data, self.id, self.time = name, data, id, "2026-10-01T12:00:00Z"
        self.type = f"org.confer.x.{name}.v1"


def booking(**over):
    return {"booking_id": "b-1", "window_id": "w-1", "school_id": "s-1", "student_id": "st-1", "teacher_id": "t-1",
            "guardian_id": "g-1", "start": START.isoformat(), "end": (START + timedelta(minutes=20)).isoformat(),
            "modality": "in_person", "room": None, "interpreter_language": None, "private_talk": False, **over}


def plan(name, data):
    return notices.RULES[name](Ev(name, data), FakeDirectory(), CFG)


def test_booking_confirms_with_ics_asks_for_parent_input_and_tells_the_teacher():
    got = plan("ConferenceBooked", booking(interpreter_language="es", private_talk=True, booked_by_role="guardian"))
    assert [(n.kind, n.recipient_id) for n in got] == [
        ("booking_confirmation", "g-1"), ("parent_input_request", "g-1"), (TEACHER_UPDATE, "t-1")]
    confirm, ask, teacher = got
    assert confirm.context["duration_minutes"] == 20 and confirm.context["room"] == "—"
    assert confirm.context["manage_url"] == "https://confer.test/family/bookings/b-1"
    # the notice carries the calendar's inputs; the e-mail lane builds the file when it sends
    built = ics.build(confirm.ics, school_name="Lincoln", tz="America/Chicago", lang="es")
    [event] = icalendar.Calendar.from_ical(built).walk("VEVENT")
    assert event.decoded("dtstart") == START and int(event["sequence"]) == 2
    assert str(event["summary"]) == "Conferencia dirigida por Mateo con Laura Lee"  # built for a Spanish reader
    assert "TZID=America/Chicago" in built
    assert ask.context["due_by"] == date(2026, 10, 19) and ask.link == "https://confer.test/family/children/st-1/input"
    assert [i["kind"] for i in teacher.items] == ["booked", "interpreter_requested", "private_conversation_requested"]
    # the teacher's agenda on the conference's day in the school's zone (16:30 in Chicago)
    assert teacher.link == "https://confer.test/teacher/windows/w-1/agenda?date=2026-10-20"
    assert confirm.immediate and not ask.immediate and not teacher.immediate  # she just booked: confirm at once
    by_teacher = plan("ConferenceBooked", booking(booked_by_role="teacher"))
    assert not by_teacher[0].immediate


def test_cancel_by_the_school_does_not_tell_the_teacher_the_family_cancelled():
    by_school = plan("ConferenceCancelled", booking(reason="school"))
    assert [n.kind for n in by_school] == ["cancel_confirmation"]
    assert "METHOD:CANCEL" in ics.build(by_school[0].ics, school_name="Lincoln", tz="America/Chicago")
    by_family = plan("ConferenceCancelled", booking(reason="family"))
    assert [n.kind for n in by_family] == ["cancel_confirmation", TEACHER_UPDATE]


def test_invitation_and_nudge_for_siblings_use_the_window():
    data = {"window_id": "w-1", "school_id": "s-1", "guardian_id": "g-1", "student_ids": ["st-1", "st-2"],
            "nudge": False, "booking_closes_at": "2026-10-16T23:00:00Z"}
    [invite] = plan("InvitationDue", data)
    assert invite.kind == "invitation" and invite.context["student_name"] == ["Mateo", "Lin"]
    assert invite.context["teacher_name"] == ["Laura Lee", "Sam Park"]
    assert (invite.context["window_start"], invite.context["slot_minutes"]) == ("2026-10-19", 20)
    [nudge] = plan("InvitationDue", dict(data, nudge=True))
    assert nudge.kind == "nudge" and "slot_minutes" not in nudge.context
    with pytest.raises(NotReady):
        notices.invitation(Ev("InvitationDue", dict(data, window_id="w-9")), FakeDirectory(), CFG)


def test_a_family_left_out_by_the_assignment_is_offered_the_free_times():
    data = {"window_id": "w-1", "school_id": "s-1", "guardian_id": "g-1", "student_ids": ["st-1"],
            "reason": "teacher_full", "offers": [{"student_id": "st-1", "teacher_id": "t-1", "slots": [
                {"slot_id": "t-1:20261020T2200Z", "start": "2026-10-20T22:00:00Z"},
                {"slot_id": "t-1:20261020T2120Z", "start": "2026-10-20T21:20:00Z"}]}]}
    [notice] = plan("ConferenceTimesOffered", data)
    assert notice.kind == "times_offered" and notice.recipient_id == "g-1"
    assert notice.context["teacher_name"] == ["Laura Lee"] and notice.context["student_name"] == ["Mateo"]
    assert [t.hour for t in notice.context["times"]] == [21, 22]
    assert notice.link.endswith("/family/windows/w-1/book")


def test_a_request_window_invitation_asks_for_times_by_the_deadline():
    data = {"window_id": "w-1", "school_id": "s-1", "guardian_id": "g-1", "student_ids": ["st-1"],
            "nudge": False, "booking_closes_at": "2026-10-16T23:00:00Z", "asks": "request",
            "requests_deadline": "2026-10-09T23:00:00Z"}
    for nudge in (False, True):
        [notice] = plan("InvitationDue", dict(data, nudge=nudge))
        assert notice.context["asks_request"] is True and notice.context["request_by"] == "2026-10-09T23:00:00Z"
    [booking] = plan("InvitationDue", dict(data, asks="booking"))
    assert "asks_request" not in booking.context


def test_follow_up_goal_and_report_go_to_every_guardian():
    follow = plan("FollowUpDue", {"booking_id": "b-1", "school_id": "s-1", "student_id": "st-1", "teacher_id": "t-1",
                                  "guardian_ids": ["g-1", "g-3"], "cycle": "c", "due_at": "2026-11-03T15:00:00Z"})
    assert [(n.kind, n.recipient_id) for n in follow] == [
        ("follow_up_prompt", "g-1"), ("follow_up_prompt", "g-3"), ("checkin_prompt", "st-1"), (TEACHER_UPDATE, "t-1")]
    # each straight to its check-in form; the teacher to the follow-ups due
    assert [n.link for n in follow] == ["https://confer.test/family/children/st-1/check-in"] * 2 + [
        "https://confer.test/student/check-in", "https://confer.test/teacher/follow-ups"]
    report = plan("ReportReady", {"report_id": "r-1", "student_id": "st-1", "school_id": "s-1", "period": "Nov",
                                  "formats": ["pdf"]})
    assert [n.recipient_id for n in report] == ["g-1", "g-2"]
    assert report[0].link == "https://confer.test/family/children/st-1/report?period=Nov"
    goal = notices.goal_achieved(Ev("GoalAchieved", {"goal_id": "go-1", "student_id": "st-1", "school_id": "s-1",
                                                     "achieved_on": "2026-11-30"}),
                                 FakeDirectory(goals={"go-1": {"statement": "Read 20 minutes a night"}}), CFG)
    assert [n.kind for n in goal] == ["goal_achieved", "goal_achieved", TEACHER_UPDATE]
    assert goal[0].context["goal_title"] == "Read 20 minutes a night"


def test_unknown_people_are_not_ready_rather_than_silently_skipped():
    with pytest.raises(NotReady):
        plan("ConferenceReminderDue", booking(student_id="st-404"))


def test_delivery_ids_are_stable_and_distinct():
    assert delivery_id("e-1", "g-1", "email", "reminder") == delivery_id("e-1", "g-1", "email", "reminder")
    ids = {delivery_id("e-1", "g-1", c, k) for c in ("email", "sms", "inapp") for k in ("reminder", "nudge")}
    assert len(ids) == 6


def test_settings_from_the_environment(monkeypatch):
    for name in ("SMTP_HOST", "SMTP_STARTTLS", "NOTIFY_RETRY_DELAYS", "NOTIFY_MAX_TRIES", "SMTP_FROM"):
        monkeypatch.delenv(name, raising=False)
    cfg = load()
    assert cfg.smtp_host is None and cfg.retry_delays == DEFAULT_RETRY_DELAYS and cfg.max_tries == 5
    assert [cfg.retry_delay(n) for n in (1, 2, 3, 4, 5, 9)] == [30, 120, 600, 1800, 1800, 1800]
    monkeypatch.setenv("SMTP_HOST", "mail.test")
    monkeypatch.setenv("SMTP_PORT", "2525")
    monkeypatch.setenv("SMTP_STARTTLS", "1")
    monkeypatch.setenv("SMTP_FROM", "Lincoln <no-reply@lincoln.test>")
    monkeypatch.setenv("NOTIFY_RETRY_DELAYS", "1,2")
    monkeypatch.setenv("NOTIFY_QUIET_HOURS", "20:00-06:30")
    cfg = load()
    assert (cfg.smtp_host, cfg.smtp_port, cfg.smtp_starttls) == ("mail.test", 2525, True)
    assert cfg.mail_domain == "lincoln.test"
    assert cfg.retry_delays == (1.0, 2.0) and (cfg.quiet_start, cfg.quiet_end) == ("20:00", "06:30")


@pytest.mark.parametrize("now, expected", [
    (datetime(2026, 10, 20, 15, 0, tzinfo=UTC), datetime(2026, 10, 20, 21, 0, tzinfo=UTC)),  # 10:00 -> 16:00 today
    (datetime(2026, 10, 20, 21, 0, tzinfo=UTC), datetime(2026, 10, 21, 21, 0, tzinfo=UTC)),  # 16:00 -> tomorrow
    (datetime(2026, 11, 1, 3, 0, tzinfo=UTC), datetime(2026, 11, 1, 22, 0, tzinfo=UTC)),     # over the DST change
])
def test_next_digest_time_in_the_teachers_zone(now, expected):
    assert next_digest_time(now, "America/Chicago") == expected


def test_digest_time_inside_quiet_hours_moves_to_their_end():
    now = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
    assert next_digest_time(now, "America/Chicago", "22:00") == datetime(2026, 10, 21, 12, 0, tzinfo=UTC)
