"""Reflection question sets by grade, answer validation, self-assessment."""
import pytest

from services.goals.domain import (
    MIDDLE, PRIMARY, QUESTION_SETS, SelfAssessment, UnknownGrade, question_text,
    questions_for_grade, validate_reflections, validate_self_assessment,
)


@pytest.mark.parametrize("grade", ["TK", "KG", "01", "03", "05", "PK", "k", "4", " 02 "])
def test_primary_grades_get_the_primary_set(grade):
    assert questions_for_grade(grade) is PRIMARY


@pytest.mark.parametrize("grade", ["06", "07", "08", "6", "09", "12"])
def test_grades_six_and_up_get_the_middle_set(grade):
    assert questions_for_grade(grade) is MIDDLE


@pytest.mark.parametrize("grade", ["", "13", "UG", "Other", "100"])
def test_unknown_grades_are_refused(grade):
    with pytest.raises(UnknownGrade):
        questions_for_grade(grade)


def test_sets_carry_the_seed_questions_with_stable_unique_ids():
    assert [q.text for q in MIDDLE.questions][0] == "What makes this goal meaningful to you?"
    assert "What support do you think you need to reach this goal?" in [q.text for q in MIDDLE.questions]
    assert PRIMARY.questions[0].text == "What do I want to be able to do? Why is this important?"
    assert "Who can help me?" in [q.text for q in PRIMARY.questions]
    assert len(MIDDLE.questions) == 7 and len(PRIMARY.questions) == 9
    ids = [q.id for s in QUESTION_SETS.values() for q in s.questions]
    assert len(ids) == len(set(ids))
    assert all(i.startswith(("primary.", "middle.")) for i in ids)
    assert question_text("middle.meaningful") == "What makes this goal meaningful to you?"
    assert question_text("nope") is None


def test_valid_answers_pass():
    assert validate_reflections("04", {"primary.who_helps": "My teacher and my mom."}) == []


def test_answers_must_belong_to_the_grade_set():
    feedback = validate_reflections("04", {"middle.meaningful": "It matters to me", "primary.how_long": "6 weeks"})
    assert [(f.code, f.field) for f in feedback] == [("unknown_question", "answers.middle.meaningful")]
    assert [f.code for f in validate_reflections("07", {"made.up": "x"})] == ["unknown_question"]


def test_blank_long_and_missing_answers():
    assert [f.code for f in validate_reflections("07", {})] == ["no_answers"]
    assert [f.code for f in validate_reflections("07", {"middle.obstacles": "  "})] == ["answer_blank"]
    assert [f.code for f in validate_reflections("07", {"middle.obstacles": "x" * 1001})] == ["too_long"]
    assert validate_reflections("07", {"middle.obstacles": "x" * 1000}) == []


def test_self_assessment_needs_a_strength_and_an_area_for_growth():
    ok = SelfAssessment(["I ask good questions"], ["finishing classwork"], ["a quiet seat"], "Most work done")
    assert validate_self_assessment(ok) == []
    assert isinstance(ok.strengths, tuple)
    feedback = validate_self_assessment(SelfAssessment([], ["  "]))
    assert {f.code for f in feedback} == {"no_strengths", "no_areas_for_growth", "blank_item"}
    assert [f.field for f in feedback if f.code == "blank_item"] == ["areas_for_growth[0]"]


def test_self_assessment_length_limits():
    long_item = SelfAssessment(["x" * 301], ["reading"])
    assert [(f.code, f.field) for f in validate_self_assessment(long_item)] == [("too_long", "strengths[0]")]
    many = SelfAssessment([f"strength {i}" for i in range(11)], ["reading"])
    assert [f.code for f in validate_self_assessment(many)] == ["too_many_items"]
    progress = SelfAssessment(["math"], ["reading"], classwork_progress="y" * 2001)
    assert [f.field for f in validate_self_assessment(progress)] == ["classwork_progress"]
