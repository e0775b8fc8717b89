"""Properties over arbitrary input: rules never crash, students never see adult sections."""
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from services.goals.domain import (
    FEEDBACK_CODES, Feedback, Focus, Goal, ParentInput, Plan, SchoolYear, Severity, Supports,
    Trackable, build_packet, can_submit, check_goal, check_upload, validate_reflections,
)
from services.goals.domain.wording import action_vagueness, grand_phrases, statement_vagueness

YEAR = SchoolYear(date(2026, 8, 24), date(2027, 6, 10))
texts = st.text(max_size=400)
text_lists = st.lists(st.text(max_size=250), max_size=12)


@settings(max_examples=300, deadline=None)
@given(statement=texts, actions=text_lists, reasons=text_lists, method=texts, label=texts,
       target=st.none() | st.dates(date(2025, 1, 1), date(2028, 12, 31)),
       today=st.dates(date(2026, 8, 1), date(2027, 7, 1)), active=st.integers(-3, 10),
       term=st.sampled_from(["short", "long"]), support=text_lists)
def test_check_goal_never_raises_and_returns_catalogued_feedback(statement, actions, reasons, method, label,
                                                                 target, today, active, term, support):
    plan = Plan(statement, Focus("personal", label), term, actions, Trackable(method), reasons, target,
                Supports(student=support))
    feedback = check_goal(Goal("g", "s", YEAR, "2026-fall", plan), today, active)
    assert all(isinstance(f, Feedback) and f.code in FEEDBACK_CODES and f.message for f in feedback)
    assert can_submit(feedback) == all(f.severity == Severity.HINT for f in feedback)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_word_heuristics_never_raise(text):
    statement_vagueness(text)
    action_vagueness(text)
    assert isinstance(grand_phrases(text), list)


@given(st.text(max_size=60) | st.none(), st.integers(-10, 2**40), st.integers(1, 2**40))
def test_check_upload_never_raises(ctype, size, max_bytes):
    result = check_upload(ctype, size, max_bytes)
    assert result is None or result.severity == Severity.ERROR


@given(st.dictionaries(st.text(max_size=30), st.text(max_size=1200), max_size=5))
def test_reflection_validation_never_raises(answers):
    feedback = validate_reflections("05", answers)
    assert len(feedback) >= (0 if answers else 1)


@settings(max_examples=100, deadline=None)
@given(secret=st.text(min_size=8, max_size=40).map(lambda s: "ZQX" + s), wants=st.booleans())
def test_student_packet_never_contains_parent_text(secret, wants):
    plan = Plan("I will read for 10 minutes every night.", Focus("standard", "reading"), "short",
                target_date=date(2026, 11, 1))
    pi = ParentInput("p1", "s1", hopes=secret, concerns=secret, goals_for_child=[secret],
                     wants_private_talk=wants, private_concerns=secret)
    p = build_packet("student", {"id": "s1"}, [Goal("g1", "s1", YEAR, "2026-fall", plan)], None, {}, [],
                     [pi], [], [])
    assert secret not in repr(p)
    assert "ZQX" not in repr(p)
