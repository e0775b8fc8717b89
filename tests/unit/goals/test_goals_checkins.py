"""Check-in rules and progress summaries."""
from datetime import date

import pytest

from services.goals.domain import (
    Checkin, CheckinStatus, Focus, Goal, GoalStatus, Measure, Plan, SchoolYear, Trackable,
    progress_summary, validate_checkin,
)

YEAR = SchoolYear(date(2026, 8, 24), date(2027, 6, 10))
TODAY = date(2026, 11, 2)


def goal(measure=Measure("words per minute", 60, 90), status=GoalStatus.AGREED) -> Goal:
    plan = Plan("I will read aloud for 10 minutes every night.", Focus("standard", "reading fluency"),
                "short", trackable=Trackable("I will time my reading on Fridays", measure))
    return Goal("g1", "s1", YEAR, "2026-fall", plan, status=status)


def ci(on, status="on_track", value=None, role="student", goal_id="g1", note=""):
    return Checkin(goal_id, on, status, role, note, value)


def test_valid_checkin_by_each_allowed_role():
    for role in ("student", "teacher", "guardian"):
        assert validate_checkin(ci(TODAY, value=70, role=role), goal(), TODAY) == []


def test_checkin_date_rules():
    [f] = validate_checkin(ci(date(2026, 11, 3)), goal(), TODAY)
    assert (f.code, f.field) == ("date_in_future", "on")
    [f] = validate_checkin(ci(date(2026, 8, 1)), goal(), TODAY)
    assert f.code == "date_outside_year"


def test_checkin_role_note_measure_goal_rules():
    assert [f.code for f in validate_checkin(ci(TODAY, role="service"), goal(), TODAY)] == ["role_not_allowed"]
    assert [f.code for f in validate_checkin(ci(TODAY, role="principal"), goal(), TODAY)] == ["role_not_allowed"]
    assert [f.code for f in validate_checkin(ci(TODAY, note="n" * 1001), goal(), TODAY)] == ["too_long"]
    assert [f.code for f in validate_checkin(ci(TODAY, value=3), goal(measure=None), TODAY)] == ["no_measure"]
    assert [f.code for f in validate_checkin(ci(TODAY, goal_id="g9"), goal(), TODAY)] == ["wrong_goal"]
    for status in (GoalStatus.DRAFT, GoalStatus.ACHIEVED):
        assert [f.code for f in validate_checkin(ci(TODAY), goal(status=status), TODAY)] == ["goal_not_active"]


def test_unknown_status_is_rejected_at_construction():
    with pytest.raises(ValueError):
        ci(TODAY, status="great")


def test_progress_summary_with_a_measure():
    checkins = [ci(date(2026, 10, 16), value=66), ci(date(2026, 10, 9), value=62),
                ci(date(2026, 10, 23), "needs_support", value=75, role="teacher"),
                ci(date(2026, 10, 20), value=99, goal_id="other")]
    s = progress_summary(goal(), checkins)
    assert s.checkin_count == 3
    assert s.latest_status == CheckinStatus.NEEDS_SUPPORT and s.latest_on == date(2026, 10, 23)
    assert s.points == ((date(2026, 10, 9), 62.0), (date(2026, 10, 16), 66.0), (date(2026, 10, 23), 75.0))
    assert s.trend == "up" and s.toward_target is True
    assert s.latest_value == 75 and s.percent_toward_target == 50.0


def test_progress_summary_for_a_falling_target_and_clamping():
    g = goal(Measure("missing assignments", 6, 0))
    s = progress_summary(g, [ci(date(2026, 10, 1), value=5), ci(date(2026, 10, 8), value=2)])
    assert (s.trend, s.toward_target, s.percent_toward_target) == ("down", True, 66.7)
    over = progress_summary(g, [ci(date(2026, 10, 1), value=8)])
    assert over.percent_toward_target == 0.0 and over.trend is None
    past = progress_summary(goal(), [ci(date(2026, 10, 1), value=120)])
    assert past.percent_toward_target == 100.0


def test_progress_summary_flat_and_away_from_target():
    s = progress_summary(goal(), [ci(date(2026, 10, 1), value=70), ci(date(2026, 10, 8), value=70)])
    assert s.trend == "flat" and s.toward_target is False
    s = progress_summary(goal(), [ci(date(2026, 10, 1), value=70), ci(date(2026, 10, 8), value=64)])
    assert s.trend == "down" and s.toward_target is False


def test_progress_summary_without_measure_or_checkins():
    s = progress_summary(goal(measure=None), [ci(date(2026, 10, 1), "achieved")])
    assert s.latest_status == CheckinStatus.ACHIEVED
    assert (s.points, s.trend, s.percent_toward_target, s.toward_target) == ((), None, None, None)
    empty = progress_summary(goal(), [])
    assert (empty.checkin_count, empty.latest_status, empty.latest_on) == (0, None, None)
