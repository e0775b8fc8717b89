"""Reflection questions (by grade band) and the self-assessment of academic behaviours.

Question ids are stable and unique across sets: stored answers and reports refer to
them. Texts come from seeds/001 (the student's self-questions, used for TK-5) and
seeds/000 (the questions teachers and families ask in middle school).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from services.goals.domain.models import DomainError, Feedback, freeze_lists, error, too_long
from services.goals.domain.texts import T


@dataclass(frozen=True)
class Question:
    id: str
    text: str


@dataclass(frozen=True)
class QuestionSet:
    id: str
    title: str
    grades: tuple[str, ...]
    questions: tuple[Question, ...]

    def ids(self) -> frozenset[str]:
        return frozenset(q.id for q in self.questions)


def _set(set_id: str, title: T, grades: str, pairs: list[tuple[str, T]]) -> QuestionSet:
    return QuestionSet(set_id, title, tuple(grades.split()),
                       tuple(Question(f"{set_id}.{key}", text) for key, text in pairs))


PRIMARY = _set("primary", T("Thinking about my goal (TK-5)"), "PK TK KG 01 02 03 04 05", [
    ("able_to_do", T("What do I want to be able to do? Why is this important?")),
    ("helps_learning", T("Why will this help my learning?")),
    ("how_succeed", T("How will I succeed in this goal?")),
    ("actions", T("What actions should I take to help achieve this goal?")),
    ("next_steps", T("What will my next steps be?")),
    ("proceed", T("How am I going to proceed with those next steps?")),
    ("know_success", T("How will I know that I achieved success? What are the signs that I should look for?")),
    ("who_helps", T("Who can help me?")),
    ("how_long", T("How long do I need to achieve this goal?")),
])
MIDDLE = _set("middle", T("Reflecting on my goal (grades 6 and up)"), "06 07 08 09 10 11 12", [
    ("meaningful", T("What makes this goal meaningful to you?")),
    ("past_performance", T("How would you describe your past performance in relation to this goal?")),
    ("personal_best", T("What represents your personal best in this context?")),
    ("helpful", T("How will accomplishing this goal be helpful to you?")),
    ("criteria", T("What criteria will you use to determine your success in achieving this goal?")),
    ("obstacles", T("What obstacles might hinder your progress toward this goal?")),
    ("support", T("What support do you think you need to reach this goal?")),
])
QUESTION_SETS = {s.id: s for s in (PRIMARY, MIDDLE)}
_BY_GRADE = {g: s for s in QUESTION_SETS.values() for g in s.grades}
_QUESTIONS = {q.id: q for s in QUESTION_SETS.values() for q in s.questions}
ANSWER_MAX = 1000


class UnknownGrade(DomainError):
    pass


def normalise_grade(grade_code: str) -> str:
    """OneRoster grade code: 'TK', 'KG', '01'..'12' (also accepts 'K', '4', ' 04 ')."""
    code = (grade_code or "").strip().upper()
    if code == "K":
        return "KG"
    if code.isdigit() and len(code) <= 2:
        return code.zfill(2)
    return code


def questions_for_grade(grade_code: str) -> QuestionSet:
    """PK/TK/KG/01-05 get the primary set; 06-12 get the middle-school set."""
    code = normalise_grade(grade_code)
    try:
        return _BY_GRADE[code]
    except KeyError:
        raise UnknownGrade(T("No reflection questions for grade %(grade)s.", grade=grade_code)) from None


def question_text(question_id: str) -> str | None:
    q = _QUESTIONS.get(question_id)
    return q.text if q else None


def validate_reflections(grade_code: str, answers: Mapping[str, str]) -> list[Feedback]:
    """Every answer must be for a question in the grade's set, not blank, not too long."""
    known = questions_for_grade(grade_code).ids()
    out: list[Feedback] = []
    if not answers:
        out.append(error("no_answers", "answers", T("Answer at least one question about your goal.")))
    for qid, text in answers.items():
        where = f"answers.{qid}"
        if qid not in known:
            out.append(error("unknown_question", where, T("This question is not on your list of questions.")))
        elif not (text or "").strip():
            out.append(error("answer_blank", where, T("Write an answer, or leave this question out.")))
        elif len(text.strip()) > ANSWER_MAX:
            out.append(too_long(where, ANSWER_MAX))
    return out


@dataclass(frozen=True)
class SelfAssessment:
    """The student's view of their academic behaviours (seeds/000, middle school)."""

    strengths: tuple[str, ...] = ()
    areas_for_growth: tuple[str, ...] = ()
    supports: tuple[str, ...] = ()
    classwork_progress: str = ""

    def __post_init__(self) -> None:
        freeze_lists(self, "strengths", "areas_for_growth", "supports")


SELF_ITEM_MAX = 300
SELF_ITEMS_MAX = 10
CLASSWORK_MAX = 2000
_EMPTY_MSG = {
    "strengths": T("Write at least one thing you are good at as a learner."),
    "areas_for_growth": T("Write at least one thing you want to grow in."),
}


def validate_self_assessment(sa: SelfAssessment) -> list[Feedback]:
    out: list[Feedback] = []
    for name in ("strengths", "areas_for_growth", "supports"):
        items = getattr(sa, name)
        filled = [i for i in items if i and i.strip()]
        if name in _EMPTY_MSG and not filled:
            out.append(error(f"no_{name}", name, _EMPTY_MSG[name]))
        if len(items) > SELF_ITEMS_MAX:
            out.append(error("too_many_items", name, T("Pick your %(n)s most important. You have %(have)s.",
                                                       n=SELF_ITEMS_MAX, have=len(items))))
        for i, item in enumerate(items):
            if not (item or "").strip():
                out.append(error("blank_item", f"{name}[{i}]", T("This line is empty. Write something or remove it.")))
            elif len(item.strip()) > SELF_ITEM_MAX:
                out.append(too_long(f"{name}[{i}]", SELF_ITEM_MAX))
    if len((sa.classwork_progress or "").strip()) > CLASSWORK_MAX:
        out.append(too_long("classwork_progress", CLASSWORK_MAX))
    return out
