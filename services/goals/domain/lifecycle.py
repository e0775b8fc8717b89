"""Goal status state machine, who may move a goal, and revision history.

    draft --student--> submitted --teacher--> agreed --teacher--> achieved | carried_over
                           |                     |
                           +---- revise() -------+--> revised --student--> submitted
                                                          +----teacher--> agreed

Any change to the plan of a submitted / agreed / revised goal goes through ``revise``,
which keeps the previous plan with who changed it, when and why. Drafts change freely.
Guardians and service accounts never change a goal.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from services.goals.domain.models import (
    FINISHED_STATUSES, Goal, GoalNotReady, GoalStatus, InvalidTransition, Plan, Revision, Role,
    SchoolYear, StatusChange, TransitionNotAllowed, as_role, can_submit,
)
from services.goals.domain.quality import check_goal
from services.goals.domain.texts import Choices, T

S = GoalStatus
TRANSITIONS: dict[tuple[GoalStatus, GoalStatus], frozenset[Role]] = {
    (S.DRAFT, S.SUBMITTED): frozenset({Role.STUDENT}),
    (S.SUBMITTED, S.AGREED): frozenset({Role.TEACHER}),
    (S.REVISED, S.SUBMITTED): frozenset({Role.STUDENT}),
    (S.REVISED, S.AGREED): frozenset({Role.TEACHER}),
    (S.AGREED, S.ACHIEVED): frozenset({Role.TEACHER}),
    (S.AGREED, S.CARRIED_OVER): frozenset({Role.TEACHER}),
}
EDITORS = frozenset({Role.STUDENT, Role.TEACHER})  # who may change a plan (revise)
REVISABLE = frozenset({S.SUBMITTED, S.AGREED, S.REVISED})

_ROLE_WORDS = {
    Role.STUDENT: T("the student"), Role.TEACHER: T("the teacher"), Role.GUARDIAN: T("a family member"),
    Role.SCHOOL_ADMIN: T("a school admin"), Role.DISTRICT_ADMIN: T("a district admin"),
    Role.SERVICE: T("a connected system"),
}
_STATUS_WORDS = {S.DRAFT: T("a draft"), S.SUBMITTED: T("shared"), S.AGREED: T("agreed"), S.REVISED: T("revised"),
                 S.ACHIEVED: T("achieved"), S.CARRIED_OVER: T("carried over")}


def _s(status: GoalStatus) -> T:
    return _STATUS_WORDS[status]


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime (UTC)")
    return now


def allowed_moves(status: GoalStatus | str, role: Role | str) -> list[GoalStatus]:
    """Statuses ``role`` may move a goal to from ``status`` (revise() not included)."""
    status, role = GoalStatus(status), as_role(role)
    return [to for (frm, to), roles in TRANSITIONS.items() if frm == status and role in roles]


def _check_move(goal: Goal, to: GoalStatus, role: Role) -> None:
    frm = goal.status
    if to == frm:
        raise InvalidTransition(T("The goal is already %(status)s.", status=_s(frm)))
    if frm in FINISHED_STATUSES:
        raise InvalidTransition(T("This goal is %(status)s, so it is finished and cannot change.", status=_s(frm)))
    if to == S.REVISED:
        raise InvalidTransition(T("To revise a goal, change its plan and say why (use revise)."))
    roles = TRANSITIONS.get((frm, to))
    if roles is None:
        options = Choices(_s(t) for (f, t) in TRANSITIONS if f == frm)
        raise InvalidTransition(T("This goal is %(status)s and cannot become %(to)s. It can become: %(options)s.",
                                  status=_s(frm), to=_s(to), options=options))
    if role not in roles:
        raise TransitionNotAllowed(T("Only %(who)s can make this goal %(to)s, not %(role)s.",
                                     who=Choices(_ROLE_WORDS[r] for r in sorted(roles)), to=_s(to),
                                     role=_ROLE_WORDS[role]))


def transition(goal: Goal, to_status: GoalStatus | str, actor_role: Role | str, now: datetime,
               *, actor_id: str | None = None, note: str = "") -> Goal:
    """Move ``goal`` to ``to_status``; raises InvalidTransition (TransitionNotAllowed for roles).

    Use ``submit`` for student submissions: it also runs the quality checks.
    """
    to, role = GoalStatus(to_status), as_role(actor_role)
    _check_move(goal, to, role)
    change = StatusChange(_aware(now), role, actor_id, goal.status, to, note)
    return replace(goal, status=to, status_log=(*goal.status_log, change))


def submit(goal: Goal, actor_role: Role | str, now: datetime, *, today: date,
           active_goal_count: int, max_active: int = 3, actor_id: str | None = None) -> Goal:
    """draft/revised -> submitted, only when ``check_goal`` finds no errors (GoalNotReady)."""
    _check_move(goal, S.SUBMITTED, as_role(actor_role))
    feedback = check_goal(goal, today, active_goal_count, max_active)
    if not can_submit(feedback):
        raise GoalNotReady(T("Your goal needs a few fixes before you can share it."), feedback)
    return transition(goal, S.SUBMITTED, actor_role, now, actor_id=actor_id)


def revise(goal: Goal, new_plan: Plan, actor_role: Role | str, now: datetime, *,
           reason: str = "", actor_id: str | None = None) -> Goal:
    """Change the plan. Drafts change in place; a submitted, agreed or revised goal keeps
    the previous plan in ``revisions`` and becomes ``revised`` (a reason is required).
    An unchanged plan returns the goal as it is."""
    role = as_role(actor_role)
    if role not in EDITORS:
        raise TransitionNotAllowed(
            T("Only the student or the teacher can change a goal, not %(role)s.", role=_ROLE_WORDS[role]))
    if goal.status in FINISHED_STATUSES:
        raise InvalidTransition(T("This goal is %(status)s, so it is finished and cannot change.",
                                  status=_s(goal.status)))
    if new_plan == goal.plan:
        return goal
    if goal.status == S.DRAFT:
        if role != Role.STUDENT:
            raise TransitionNotAllowed(T("Only the student can change a draft goal."))
        return replace(goal, plan=new_plan)
    if not (reason or "").strip():
        raise InvalidTransition(T("Please say why you are changing this goal."))
    now = _aware(now)
    revision = Revision(now, role, actor_id, reason.strip(), goal.status, goal.plan)
    log = goal.status_log
    if goal.status != S.REVISED:
        log = (*log, StatusChange(now, role, actor_id, goal.status, S.REVISED, reason.strip()))
    return replace(goal, plan=new_plan, status=S.REVISED, revisions=(*goal.revisions, revision),
                   status_log=log)


def carry_forward(goal: Goal, new_goal_id: str, cycle: str, school_year: SchoolYear) -> Goal:
    """A new draft for the next cycle that continues a carried-over goal's plan."""
    if goal.status != S.CARRIED_OVER:
        raise InvalidTransition(T("Only a carried over goal moves to the next cycle; this one is %(status)s.",
                                  status=_s(goal.status)))
    plan = replace(goal.plan, target_date=None)  # the student picks a new date
    return Goal(new_goal_id, goal.student_id, school_year, cycle, plan, carried_from=goal.goal_id,
                set_by=goal.set_by)
