"""Check-ins on a goal all year, and the progress summary reports chart."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Iterable

from services.goals.domain.texts import T
from services.goals.domain.models import FINISHED_STATUSES, Feedback, Goal, GoalStatus, Role, error, too_long


class CheckinStatus(StrEnum):
    ON_TRACK = "on_track"
    NEEDS_SUPPORT = "needs_support"
    ACHIEVED = "achieved"


CHECKIN_ROLES = frozenset({Role.STUDENT, Role.TEACHER, Role.GUARDIAN})
NOTE_MAX = 1000


@dataclass(frozen=True)
class Checkin:
    goal_id: str
    on: date
    status: CheckinStatus
    by_role: Role
    note: str = ""
    measure_value: float | None = None
    by_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", CheckinStatus(self.status))
        if self.by_role in Role.__members__.values():
            object.__setattr__(self, "by_role", Role(self.by_role))  # unknown roles: validate_checkin


def validate_checkin(checkin: Checkin, goal: Goal, today: date) -> list[Feedback]:
    """Not in the future, inside the goal's school year, by student/teacher/guardian,
    on a goal that has been shared and is not finished."""
    out: list[Feedback] = []
    if checkin.goal_id != goal.goal_id:
        out.append(error("wrong_goal", "goal_id", T("This check-in is for a different goal.")))
    if checkin.by_role not in CHECKIN_ROLES:
        out.append(error("role_not_allowed", "by_role",
                         T("Only the student, the teacher or the family can check in on a goal.")))
    if goal.status == GoalStatus.DRAFT:
        out.append(error("goal_not_active", "goal_id", T("You cannot check in on this goal: it has not been "
                                                         "shared yet.")))
    elif goal.status in FINISHED_STATUSES:
        out.append(error("goal_not_active", "goal_id", T("You cannot check in on this goal: it is already finished.")))
    if checkin.on > today:
        out.append(error("date_in_future", "on", T("A check-in date cannot be after today.")))
    elif not goal.school_year.contains(checkin.on):
        out.append(error("date_outside_year", "on", T("Pick a date during this school year.")))
    if len((checkin.note or "").strip()) > NOTE_MAX:
        out.append(too_long("note", NOTE_MAX))
    if checkin.measure_value is not None and goal.plan.trackable.measure is None:
        out.append(error("no_measure", "measure_value", T("This goal has no number to track, so leave the number out.")))
    return out


@dataclass(frozen=True)
class ProgressSummary:
    goal_id: str
    checkin_count: int
    latest_status: CheckinStatus | None
    latest_on: date | None
    latest_value: float | None
    points: tuple[tuple[date, float], ...]  # (date, measure value) oldest first, for charts
    trend: str | None  # 'up' | 'down' | 'flat'; None with fewer than 2 values
    toward_target: bool | None  # is the trend heading to the target?
    percent_toward_target: float | None  # 0..100 from baseline to target


def _slope(points: tuple[tuple[date, float], ...]) -> float:
    xs = [d.toordinal() for d, _ in points]
    ys = [v for _, v in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    if den == 0:  # all on one day: compare last with first
        return ys[-1] - ys[0]
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den


def progress_summary(goal: Goal, checkins: Iterable[Checkin]) -> ProgressSummary:
    """Latest status, measure trend (least-squares slope) and percent toward target.
    Check-ins for other goals are ignored; same-day check-ins keep their given order."""
    mine = sorted((c for c in checkins if c.goal_id == goal.goal_id), key=lambda c: c.on)
    latest = mine[-1] if mine else None
    points = tuple((c.on, float(c.measure_value)) for c in mine if c.measure_value is not None)
    measure = goal.plan.trackable.measure
    trend = toward = percent = None
    if len(points) >= 2:
        slope = _slope(points)
        trend = "up" if slope > 1e-9 else "down" if slope < -1e-9 else "flat"
        if measure is not None and measure.target != measure.baseline:
            wanted = "up" if measure.target > measure.baseline else "down"
            toward = trend == wanted
    if measure is not None and points and measure.target != measure.baseline:
        done = (points[-1][1] - measure.baseline) / (measure.target - measure.baseline)
        percent = round(min(max(done, 0.0), 1.0) * 100, 1)
    return ProgressSummary(
        goal_id=goal.goal_id, checkin_count=len(mine),
        latest_status=latest.status if latest else None, latest_on=latest.on if latest else None,
        latest_value=points[-1][1] if points else None, points=points, trend=trend,
        toward_target=toward, percent_toward_target=percent,
    )
