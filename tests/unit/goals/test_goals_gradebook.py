"""Pure rules of goals from data: which goals a gradebook result measures, and the
check-in it makes."""
from datetime import date

from services.goals.domain import (
    Focus, Goal, GoalStatus, Measure, Plan, SchoolYear, Trackable, gradebook_checkin, measures_result)

YEAR = SchoolYear(date(2026, 8, 15), date(2027, 6, 10), "2026-2027")


def goal(measure: Measure | None, status=GoalStatus.AGREED) -> Goal:
    plan = Plan("I will read more smoothly.", Focus("standard", "fluency", "RF.3.4"), "short",
                trackable=Trackable("fluency checks", measure))
    return Goal("g-1", "st-1", YEAR, "2026-fall", plan, status)


def test_a_result_measures_goals_linked_to_its_standard_or_line_item():
    assert measures_result(goal(Measure("level", 1, 3, "RF.3.4")), "RF.3.4", "li-1")
    assert not measures_result(goal(Measure("level", 1, 3, "RF.3.4")), "NF.A.1", "li-1")
    assert measures_result(goal(Measure("level", 1, 3, "RF.3.4", "li-1")), "RF.3.4", "li-1")
    assert not measures_result(goal(Measure("level", 1, 3, "RF.3.4", "li-1")), "RF.3.4", "li-2")
    assert measures_result(goal(Measure("level", 1, 3, None, "li-1")), None, "li-1")
    assert not measures_result(goal(Measure("level", 1, 3)), "RF.3.4", "li-1")  # not linked
    assert not measures_result(goal(None), "RF.3.4", "li-1")


def test_the_checkin_is_on_track_toward_the_target_and_only_on_open_goals():
    up = goal(Measure("level", 2, 4, "RF.3.4"))
    made = gradebook_checkin(up, date(2026, 10, 1), 2.0)
    assert (made.status.value, made.measure_value, made.source, made.by_role.value) == (
        "on_track", 2.0, "gradebook", "service")
    assert gradebook_checkin(up, date(2026, 10, 1), 1.0).status.value == "needs_support"
    down = goal(Measure("errors", 10, 2, "RF.3.4"))  # fewer is better
    assert gradebook_checkin(down, date(2026, 10, 1), 8.0).status.value == "on_track"
    assert gradebook_checkin(down, date(2026, 10, 1), 12.0).status.value == "needs_support"
    assert gradebook_checkin(goal(Measure("level", 2, 4, "RF.3.4"), GoalStatus.DRAFT), date(2026, 10, 1), 3) is None
    assert gradebook_checkin(goal(Measure("level", 2, 4, "RF.3.4"), GoalStatus.ACHIEVED), date(2026, 10, 1),
                             3) is None
    assert gradebook_checkin(up, date(2027, 7, 1), 3.0) is None  # outside the school year
