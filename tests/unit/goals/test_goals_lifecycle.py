"""Goal status machine: allowed and refused moves, roles, revision history."""
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from services.goals.domain import (
    Focus, Goal, GoalNotReady, GoalStatus, InvalidTransition, NotAllowed, Plan, Role, SchoolYear,
    Supports, Trackable, TransitionNotAllowed, allowed_moves, carry_forward, revise, submit, transition,
)

YEAR = SchoolYear(date(2026, 8, 24), date(2027, 6, 10))
NOW = datetime(2026, 10, 5, 15, 0, tzinfo=timezone.utc)
S = GoalStatus
PLAN = Plan(
    "I will ask questions when I don't understand parts of the math lesson.",
    Focus("standard", "fractions", "CCSS.MATH.4.NF.A.1"), "short",
    ("I will ask a question when I get stuck", "I will practice fractions for 10 minutes each night",
     "I will check my work with a partner"),
    Trackable("I will color in my fractions chart every Friday"),
    ("I already know halves", "My teacher meets with me on Tuesdays"), date(2026, 11, 20),
    Supports(teacher=["small group"]),
)


def goal(status=S.DRAFT, plan=PLAN) -> Goal:
    return Goal("g1", "s1", YEAR, "2026-fall", plan, status=status)


def later(minutes):
    return NOW + timedelta(minutes=minutes)


def test_happy_path_draft_to_achieved_logs_every_step():
    g = submit(goal(), "student", NOW, today=NOW.date(), active_goal_count=0, actor_id="s1")
    g = transition(g, "agreed", Role.TEACHER, later(1), actor_id="t1", note="at conference")
    g = transition(g, S.ACHIEVED, "teacher", later(2), actor_id="t1")
    assert g.status == S.ACHIEVED
    assert [(c.from_status, c.to_status, c.by_role, c.by_id) for c in g.status_log] == [
        (S.DRAFT, S.SUBMITTED, Role.STUDENT, "s1"), (S.SUBMITTED, S.AGREED, Role.TEACHER, "t1"),
        (S.AGREED, S.ACHIEVED, Role.TEACHER, "t1")]
    assert g.status_log[1].note == "at conference" and g.status_log[2].at == later(2)


def test_transition_returns_a_new_goal_and_leaves_the_old_one():
    g = goal()
    moved = transition(g, S.SUBMITTED, "student", NOW)
    assert g.status == S.DRAFT and g.status_log == () and moved.status == S.SUBMITTED


@pytest.mark.parametrize("frm, to, role", [
    (S.DRAFT, S.SUBMITTED, "student"), (S.SUBMITTED, S.AGREED, "teacher"),
    (S.AGREED, S.ACHIEVED, "teacher"), (S.AGREED, S.CARRIED_OVER, "teacher"),
    (S.REVISED, S.SUBMITTED, "student"), (S.REVISED, S.AGREED, "teacher"),
])
def test_allowed_transitions(frm, to, role):
    assert transition(goal(frm), to, role, NOW).status == to


@pytest.mark.parametrize("frm, to, role", [
    (S.DRAFT, S.SUBMITTED, "teacher"), (S.SUBMITTED, S.AGREED, "student"),
    (S.AGREED, S.ACHIEVED, "student"), (S.AGREED, S.CARRIED_OVER, "guardian"),
    (S.DRAFT, S.SUBMITTED, "guardian"), (S.SUBMITTED, S.AGREED, "school_admin"),
    (S.SUBMITTED, S.AGREED, "service"),
])
def test_wrong_role_is_refused_with_who_may(frm, to, role):
    with pytest.raises(TransitionNotAllowed) as exc:
        transition(goal(frm), to, role, NOW)
    assert isinstance(exc.value, InvalidTransition) and isinstance(exc.value, NotAllowed)
    assert "Only the" in str(exc.value)


@pytest.mark.parametrize("frm, to", [
    (S.DRAFT, S.AGREED), (S.DRAFT, S.ACHIEVED), (S.SUBMITTED, S.ACHIEVED), (S.SUBMITTED, S.DRAFT),
    (S.AGREED, S.SUBMITTED), (S.ACHIEVED, S.AGREED), (S.CARRIED_OVER, S.AGREED),
])
def test_impossible_moves_are_refused(frm, to):
    with pytest.raises(InvalidTransition) as exc:
        transition(goal(frm), to, "teacher", NOW)
    assert not isinstance(exc.value, TransitionNotAllowed)


def test_messages_explain_the_refusal():
    with pytest.raises(InvalidTransition, match="This goal is a draft and cannot become agreed. It can become: shared."):
        transition(goal(), S.AGREED, "teacher", NOW)
    with pytest.raises(InvalidTransition, match="already shared"):
        transition(goal(S.SUBMITTED), S.SUBMITTED, "student", NOW)
    with pytest.raises(InvalidTransition, match="finished"):
        transition(goal(S.ACHIEVED), S.AGREED, "teacher", NOW)
    with pytest.raises(InvalidTransition, match="use revise"):
        transition(goal(S.AGREED), S.REVISED, "student", NOW)
    with pytest.raises(TransitionNotAllowed, match="Only the teacher can make this goal agreed, not the student"):
        transition(goal(S.SUBMITTED), S.AGREED, "student", NOW)


def test_unknown_role_and_naive_clock_are_rejected():
    with pytest.raises(NotAllowed):
        transition(goal(), S.SUBMITTED, "principal", NOW)
    with pytest.raises(ValueError):
        transition(goal(), S.SUBMITTED, "student", datetime(2026, 10, 5, 15, 0))


def test_allowed_moves():
    assert allowed_moves("agreed", "teacher") == [S.ACHIEVED, S.CARRIED_OVER]
    assert allowed_moves("draft", "student") == [S.SUBMITTED]
    assert allowed_moves("agreed", "guardian") == []


def test_submit_runs_quality_checks():
    vague = replace(PLAN, statement="I want to understand fractions.")
    with pytest.raises(GoalNotReady) as exc:
        submit(goal(plan=vague), "student", NOW, today=NOW.date(), active_goal_count=0)
    assert [f.code for f in exc.value.feedback] == ["too_vague"]
    with pytest.raises(GoalNotReady):
        submit(goal(), "student", NOW, today=NOW.date(), active_goal_count=3)
    with pytest.raises(TransitionNotAllowed):
        submit(goal(), "teacher", NOW, today=NOW.date(), active_goal_count=0)


def test_revising_an_agreed_goal_keeps_history_and_goes_back_through_agreement():
    agreed = goal(S.AGREED)
    new_plan = replace(PLAN, target_date=date(2026, 12, 4))
    g = revise(agreed, new_plan, "student", later(5), reason="I need two more weeks", actor_id="s1")
    assert g.status == S.REVISED and g.plan == new_plan
    [rev] = g.revisions
    assert (rev.previous, rev.by_role, rev.by_id, rev.at, rev.reason, rev.status_before) == (
        PLAN, Role.STUDENT, "s1", later(5), "I need two more weeks", S.AGREED)
    assert g.status_log[-1].to_status == S.REVISED
    # a second change keeps both previous plans, status stays revised
    newer = replace(new_plan, achievable_reasons=(*new_plan.achievable_reasons, "I practised all week"))
    g2 = revise(g, newer, "teacher", later(6), reason="added a reason at conference", actor_id="t1")
    assert [r.previous for r in g2.revisions] == [PLAN, new_plan]
    assert len(g2.status_log) == len(g.status_log)
    assert transition(g2, S.AGREED, "teacher", later(7)).status == S.AGREED
    resubmitted = submit(g2, "student", later(7), today=NOW.date(), active_goal_count=0)
    assert resubmitted.status == S.SUBMITTED


def test_revising_a_submitted_goal_creates_a_revision():
    g = revise(goal(S.SUBMITTED), replace(PLAN, statement=PLAN.statement + " I will use my notes."),
               "student", NOW, reason="clearer")
    assert g.status == S.REVISED and g.revisions[0].status_before == S.SUBMITTED


def test_revision_rules():
    new_plan = replace(PLAN, target_date=date(2026, 12, 4))
    with pytest.raises(InvalidTransition, match="say why"):
        revise(goal(S.AGREED), new_plan, "student", NOW, reason="  ")
    with pytest.raises(TransitionNotAllowed, match="not a family member"):
        revise(goal(S.AGREED), new_plan, "guardian", NOW, reason="I want reading")
    with pytest.raises(TransitionNotAllowed):
        revise(goal(S.AGREED), new_plan, "district_admin", NOW, reason="x")
    with pytest.raises(InvalidTransition, match="finished"):
        revise(goal(S.ACHIEVED), new_plan, "teacher", NOW, reason="x")
    same = goal(S.AGREED)
    assert revise(same, PLAN, "student", NOW, reason="nothing") is same


def test_drafts_change_freely_but_only_by_the_student():
    new_plan = replace(PLAN, target_date=date(2026, 12, 4))
    g = revise(goal(), new_plan, "student", NOW)
    assert g.plan == new_plan and g.status == S.DRAFT and g.revisions == ()
    with pytest.raises(TransitionNotAllowed):
        revise(goal(), new_plan, "teacher", NOW)


def test_carry_forward_starts_a_new_draft():
    next_year = SchoolYear(date(2027, 8, 23), date(2028, 6, 9))
    g = carry_forward(goal(S.CARRIED_OVER), "g2", "2027-fall", next_year)
    assert (g.goal_id, g.status, g.carried_from, g.cycle, g.plan.target_date) == (
        "g2", S.DRAFT, "g1", "2027-fall", None)
    assert g.plan.specific_actions == PLAN.specific_actions
    with pytest.raises(InvalidTransition):
        carry_forward(goal(S.AGREED), "g2", "2027-fall", next_year)


def test_a_conference_agrees_the_goals_of_its_cycle_and_earlier_cycles_of_its_school_year():
    """A December window is the winter cycle (scheduling names it); goals written in the
    fall of the same school year are agreed at its conference, last year's are not."""
    from services.goals.entrypoints.handlers import agreed_at

    assert agreed_at("2027-winter", "2027-winter")
    assert agreed_at("2026-fall", "2027-winter")        # fall goals, December conference
    assert not agreed_at("2027-spring", "2027-winter")  # a later cycle
    assert not agreed_at("2025-fall", "2027-winter")    # last school year
    assert not agreed_at("2026-fall", "e2e") and agreed_at("e2e", "e2e")
