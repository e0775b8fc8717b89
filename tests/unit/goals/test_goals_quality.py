"""Goal quality feedback (check_goal): every rule, and the seed's vague vs better goals."""
from dataclasses import replace
from datetime import date

import pytest

from services.goals.domain import (
    FEEDBACK_CODES, Focus, Goal, Measure, Plan, SchoolYear, Severity, Supports, Trackable,
    can_submit, check_goal,
)

YEAR = SchoolYear(date(2026, 8, 24), date(2027, 6, 10), "2026-27")
TODAY = date(2026, 10, 5)
ACTIONS = ("I will ask a question when I get stuck", "I will practice fractions for 10 minutes each night",
           "I will check my work with a partner")
REASONS = ("I already know halves and quarters", "My teacher meets with me on Tuesdays")


def make_goal(statement="I will ask questions when I don't understand parts of the math lesson.",
              **plan_changes) -> Goal:
    plan = Plan(statement=statement, focus=Focus("standard", "fractions", "CCSS.MATH.4.NF.A.1"),
                term="short", specific_actions=ACTIONS,
                trackable=Trackable("I will color in my fractions chart every Friday"),
                achievable_reasons=REASONS, target_date=date(2026, 11, 20),
                supports=Supports(teacher=["small group on Tuesdays"], family=["ask me about math at dinner"]))
    return Goal("g1", "s1", YEAR, "2026-fall", replace(plan, **plan_changes))


def codes(goal, today=TODAY, active=0, **kw):
    return [f.code for f in check_goal(goal, today, active, **kw)]


SEED_PAIRS = [
    ("I want to understand fractions.",
     "I will ask questions when I don't understand parts of the math lesson."),
    ("I want to write more.",
     "I will make a plan for my writing and add details about who, what, why where and when. "
     "I will use describing words."),
    ("I will be a better listener.",
     "I will sit away from students who distract me. I will make eye contact with the speaker "
     "and take notes in class."),
]


@pytest.mark.parametrize("vague, better", SEED_PAIRS)
def test_seed_vague_goal_is_too_vague_and_blocks(vague, better):
    feedback = check_goal(make_goal(vague), TODAY, 0)
    vague_items = [f for f in feedback if f.code == "too_vague"]
    assert len(vague_items) == 1
    assert vague_items[0].field == "statement" and vague_items[0].severity == Severity.ERROR
    assert "Say what you will do" in vague_items[0].message
    assert not can_submit(feedback)


@pytest.mark.parametrize("vague, better", SEED_PAIRS)
def test_seed_better_goal_with_full_plan_passes(vague, better):
    feedback = check_goal(make_goal(better), TODAY, 0)
    assert feedback == []
    assert can_submit(feedback)


def test_fully_specified_goal_has_no_feedback():
    assert check_goal(make_goal(), TODAY, 2) == []


@pytest.mark.parametrize("statement", [
    "I want to get better at math.", "I will try harder.", "I will be good.", "I want to learn more words.",
    "Be better",
])
def test_other_wishes_are_too_vague(statement):
    assert "too_vague" in codes(make_goal(statement))


@pytest.mark.parametrize("statement", [
    "I will read 20 minutes every night.", "I will raise my hand before I talk in class.",
    "I will be on time to class every day.", "I will write two sentences with describing words each day.",
])
def test_concrete_or_measured_statements_are_not_vague(statement):
    assert "too_vague" not in codes(make_goal(statement))


def test_vague_message_names_the_wish_words():
    [f] = [f for f in check_goal(make_goal("I want to understand fractions."), TODAY, 0) if f.code == "too_vague"]
    assert "“want” and “understand”" in f.message


@pytest.mark.parametrize("statement", [
    "I will always finish my homework before dinner.", "I will never make a mistake in my reading.",
    "I will get 100% on every spelling test.", "I will be the best in the class at reading.",
    "I will get every answer right on my math quiz.", "I will write perfect stories.",
])
def test_absolute_promises_are_too_grand_hint(statement):
    feedback = check_goal(make_goal(statement), TODAY, 0)
    grand = [f for f in feedback if f.code == "too_grand"]
    assert grand and grand[0].severity == Severity.HINT
    assert "smaller step" in grand[0].message


@pytest.mark.parametrize("statement", [
    "I will read 20 minutes every night.", "I will take notes every math lesson.",
    "I will practice my spelling words every Monday and Wednesday.",
])
def test_routine_every_is_not_grand(statement):
    assert "too_grand" not in codes(make_goal(statement))


def test_statement_missing_and_too_long():
    assert codes(make_goal("   "))[:1] == ["statement_missing"]
    feedback = check_goal(make_goal("I will read " + "a lot " * 100), TODAY, 0)
    assert [(f.code, f.field) for f in feedback] == [("too_long", "statement")]


def test_focus_missing():
    assert "focus_missing" in codes(make_goal(focus=Focus("learning_skill", " ")))
    assert "focus_missing" not in codes(make_goal(focus=Focus("learning_skill", "problem solving")))


def test_no_actions():
    [f] = [f for f in check_goal(make_goal(specific_actions=["", "  "]), TODAY, 0) if f.field == "specific_actions"]
    assert f.code == "no_actions" and f.severity == Severity.ERROR


def test_too_few_actions_counts_in_the_message():
    [f] = [f for f in check_goal(make_goal(specific_actions=ACTIONS[:1]), TODAY, 0) if f.code == "too_few_actions"]
    assert f.message == "Your goal needs at least 3 things you will do. You have 1."


def test_duplicate_actions_count_once_and_get_a_hint():
    actions = [ACTIONS[0], ACTIONS[0].upper(), ACTIONS[1]]
    assert {"too_few_actions", "duplicate_action"} <= set(codes(make_goal(specific_actions=actions)))


@pytest.mark.parametrize("action", ["study", "Try harder", "I will try harder", "I will do my best",
                                    "I will study harder for my tests", "I will pay more attention"])
def test_vague_actions_flagged_with_index(action):
    feedback = check_goal(make_goal(specific_actions=[*ACTIONS, action]), TODAY, 0)
    [f] = [f for f in feedback if f.code == "vague_action"]
    assert f.field == "specific_actions[3]" and f.severity == Severity.ERROR
    assert action in f.message


def test_too_many_actions():
    actions = [f"I will read book number {i}" for i in range(11)]
    assert "too_many_items" in codes(make_goal(specific_actions=actions))


def test_unmeasurable_without_tracking_method():
    assert "unmeasurable" in codes(make_goal(trackable=Trackable("")))
    assert "unmeasurable" in codes(make_goal(trackable=Trackable("chart")))


def test_measure_rules():
    ok = Trackable("I will count words read in one minute", Measure("words per minute", 60, 90))
    assert codes(make_goal(trackable=ok)) == []
    down = Trackable("I will count missing homework each week", Measure("missing assignments", 5, 0))
    assert codes(make_goal(trackable=down)) == []
    same = Trackable("I will count words read in one minute", Measure("words per minute", 60, 60))
    no_unit = Trackable("I will count words read in one minute", Measure(" ", 60, 90))
    assert [f.field for f in check_goal(make_goal(trackable=same), TODAY, 0)] == ["trackable.measure.target"]
    assert [f.code for f in check_goal(make_goal(trackable=no_unit), TODAY, 0)] == ["measure_invalid"]


def test_too_few_reasons():
    [f] = [f for f in check_goal(make_goal(achievable_reasons=REASONS[:1]), TODAY, 0) if f.code == "too_few_reasons"]
    assert f.message.endswith("You have 1.")
    assert "too_few_reasons" in codes(make_goal(achievable_reasons=[REASONS[0], REASONS[0]]))


def test_date_missing_in_past_outside_year():
    assert "date_missing" in codes(make_goal(target_date=None))
    assert "date_in_past" in codes(make_goal(target_date=date(2026, 10, 4)))
    assert "date_in_past" not in codes(make_goal(target_date=TODAY))
    outside = [f for f in check_goal(make_goal(term="long", target_date=date(2027, 7, 1)), TODAY, 0)]
    assert [f.code for f in outside] == ["date_outside_year"]
    assert "August 24, 2026" in outside[0].message and "June 10, 2027" in outside[0].message


def test_short_term_goal_far_away_gets_hint_long_term_does_not():
    far = date(2027, 1, 15)
    [f] = check_goal(make_goal(target_date=far), TODAY, 0)
    assert (f.code, f.severity) == ("date_too_far", Severity.HINT)
    assert "within 8 weeks, by November 30, 2026" in f.message and "weeks away" not in f.message
    assert check_goal(make_goal(term="long", target_date=far), TODAY, 0) == []


def test_too_many_active_goals():
    [f] = check_goal(make_goal(), TODAY, 3)
    assert (f.code, f.field, f.severity) == ("too_many_active_goals", "goal", Severity.ERROR)
    assert codes(make_goal(), active=2) == []
    assert codes(make_goal(), active=4, max_active=5) == []


def test_no_supports_is_a_hint_only():
    feedback = check_goal(make_goal(supports=Supports()), TODAY, 0)
    assert [(f.code, f.severity) for f in feedback] == [("no_supports", Severity.HINT)]
    assert can_submit(feedback)


def test_every_code_emitted_is_catalogued_and_messages_are_short():
    bad = make_goal("I want to be perfect", specific_actions=["study"], achievable_reasons=[],
                    trackable=Trackable(""), target_date=None, supports=Supports(), focus=Focus("personal", ""))
    feedback = check_goal(bad, TODAY, 5)
    assert {f.code for f in feedback} <= FEEDBACK_CODES
    assert {"too_vague", "too_grand", "too_few_actions", "vague_action", "unmeasurable",
            "too_few_reasons", "date_missing", "too_many_active_goals", "no_supports",
            "focus_missing"} <= {f.code for f in feedback}
    assert all(0 < len(f.message) < 250 for f in feedback)


def test_can_submit_ignores_hints():
    assert can_submit([])
    assert can_submit(check_goal(make_goal("I will always raise my hand in class."), TODAY, 0))
    assert not can_submit(check_goal(make_goal(target_date=None), TODAY, 0))
