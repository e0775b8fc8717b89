"""Goal quality feedback: the All-STAR checks a student sees while writing a goal.

``check_goal`` never raises on odd text; every finding has a stable ``code``, the
``field`` it is about, a severity (errors block submission, hints advise) and a
message a 9-year-old can read.
"""
from __future__ import annotations

from datetime import date, timedelta

from services.goals.domain.models import Feedback, Goal, Plan, Term, error, hint, too_long
from services.goals.domain.texts import T, Tn, Words
from services.goals.domain.wording import action_vagueness, grand_phrases, statement_vagueness, words

MIN_ACTIONS = 3
MIN_REASONS = 2
MAX_ITEMS = 10
STATEMENT_MAX = 300
ITEM_MAX = 200
SHORT_TERM_WEEKS = 8
EXAMPLE_GOAL = T("I will ask questions when I don't understand part of the math lesson.")
EXAMPLE_ACTION = T("I will read my notes for 10 minutes after dinner.")

FEEDBACK_CODES = frozenset({
    "statement_missing", "too_long", "too_vague", "too_grand", "focus_missing",
    "no_actions", "too_few_actions", "too_many_items", "duplicate_action", "vague_action",
    "unmeasurable", "measure_invalid", "too_few_reasons", "date_missing", "date_in_past",
    "date_outside_year", "date_too_far", "too_many_active_goals", "no_supports",
})


def _quoted(found: tuple[str, ...] | list[str]) -> Words:
    return Words(list(found)[:2])


def _filled(items: tuple[str, ...]) -> list[str]:
    return [i.strip() for i in items if i and i.strip()]


def check_statement(plan: Plan) -> list[Feedback]:
    text = (plan.statement or "").strip()
    if not text:
        return [error("statement_missing", "statement",
                      T('Write your goal in one or two sentences. Start with "I will ...".'))]
    if len(text) > STATEMENT_MAX:
        return [too_long("statement", STATEMENT_MAX)]
    out: list[Feedback] = []
    v = statement_vagueness(text)
    if v.vague:
        if v.too_short:
            msg = T("Your goal is very short. Say what you will do, so someone could see you do it.")
        elif v.fuzzy:
            msg = T('Words like %(words)s are a wish, not a plan. Say what you will do, so someone could '
                    'see you do it. For example: "%(example)s"', words=_quoted(v.fuzzy), example=EXAMPLE_GOAL)
        else:
            msg = T('Say what you will do, so someone could see you do it. For example: "%(example)s"',
                    example=EXAMPLE_GOAL)
        out.append(error("too_vague", "statement", msg))
    grand = grand_phrases(text)
    if grand:
        out.append(hint("too_grand", "statement",
                        T('"%(words)s" makes a goal very hard to reach. Pick a smaller step you can really do.',
                          words=grand[0].capitalize())))
    return out


def check_focus(plan: Plan) -> list[Feedback]:
    focus = plan.focus
    if focus is None or not ((focus.label or "").strip() or (focus.code or "").strip()):
        return [error("focus_missing", "focus", T("Choose what your goal is about: a standard, "
                                                  "a learning skill, how you act in class, or something personal."))]
    return []


def check_actions(plan: Plan) -> list[Feedback]:
    actions = _filled(plan.specific_actions)
    distinct = list(dict.fromkeys(a.lower() for a in actions))
    if not distinct:
        return [error("no_actions", "specific_actions",
                      Tn("Your goal needs at least %(n)s thing you will do. You have none yet.",
                         "Your goal needs at least %(n)s things you will do. You have none yet.", MIN_ACTIONS))]
    out: list[Feedback] = []
    if len(distinct) < MIN_ACTIONS:
        out.append(error("too_few_actions", "specific_actions",
                         Tn("Your goal needs at least %(n)s things you will do. You have %(have)s.",
                            "Your goal needs at least %(n)s things you will do. You have %(have)s.",
                            MIN_ACTIONS, have=len(distinct))))
    if len(actions) > MAX_ITEMS:
        out.append(error("too_many_items", "specific_actions",
                         T("Pick your best %(n)s things to do. You have %(have)s.", n=MAX_ITEMS, have=len(actions))))
    if len(distinct) < len(actions):
        out.append(hint("duplicate_action", "specific_actions",
                        T("You wrote the same thing more than once. Each thing you do should be different.")))
    for i, raw in enumerate(plan.specific_actions):
        action = (raw or "").strip()
        where = f"specific_actions[{i}]"
        if not action:
            continue
        if len(action) > ITEM_MAX:
            out.append(too_long(where, ITEM_MAX))
            continue
        v = action_vagueness(action)
        if v.vague:
            msg = (T('"%(action)s" is too short to show what you will do. Say it so someone could see you do it, '
                     'like "%(example)s"', action=action, example=EXAMPLE_ACTION) if v.too_short else
                   T('"%(action)s" does not say what you will do. Say it so someone could see you do it, '
                     'like "%(example)s"', action=action, example=EXAMPLE_ACTION))
            out.append(error("vague_action", where, msg))
    return out


def check_trackable(plan: Plan) -> list[Feedback]:
    track = plan.trackable
    method = (track.method or "").strip() if track else ""
    out: list[Feedback] = []
    if len(method) > ITEM_MAX:
        out.append(too_long("trackable.method", ITEM_MAX))
    elif len(words(method)) < 3:
        out.append(error("unmeasurable", "trackable.method",
                         T('Tell how you will track your progress, like "I will color in my reading chart '
                           'every Friday."')))
    measure = track.measure if track else None
    if measure is not None:
        if not (measure.unit or "").strip():
            out.append(error("measure_invalid", "trackable.measure.unit",
                             T('Say what you are counting, like "words per minute".')))
        if measure.target == measure.baseline:
            out.append(error("measure_invalid", "trackable.measure.target",
                             T("Your goal number is the same as your starting number. "
                               "Pick a goal number you are working toward.")))
    return out


def check_reasons(plan: Plan) -> list[Feedback]:
    reasons = list(dict.fromkeys(r.lower() for r in _filled(plan.achievable_reasons)))
    out: list[Feedback] = []
    if len(reasons) < MIN_REASONS:
        out.append(error("too_few_reasons", "achievable_reasons",
                         Tn("Write at least %(n)s reason you know you can do this. You have %(have)s.",
                            "Write at least %(n)s reasons you know you can do this. You have %(have)s.",
                            MIN_REASONS, have=len(reasons))))
    if len(plan.achievable_reasons) > MAX_ITEMS:
        out.append(error("too_many_items", "achievable_reasons",
                         T("Pick your best %(n)s reasons. You have %(have)s.", n=MAX_ITEMS,
                           have=len(plan.achievable_reasons))))
    for i, reason in enumerate(plan.achievable_reasons):
        if reason and len(reason.strip()) > ITEM_MAX:
            out.append(too_long(f"achievable_reasons[{i}]", ITEM_MAX))
    return out


def check_date(goal: Goal, today: date) -> list[Feedback]:
    target, year = goal.plan.target_date, goal.school_year
    if target is None:
        return [error("date_missing", "target_date", T("Pick the date when you plan to meet your goal."))]
    if target < today:
        return [error("date_in_past", "target_date", T("That date has already passed. Pick a date after today."))]
    if not year.contains(target):
        return [error("date_outside_year", "target_date",
                      T("Pick a date during this school year, between %(start)s and %(end)s.",
                        start=year.start, end=year.end))]
    latest = today + timedelta(weeks=SHORT_TERM_WEEKS)
    if goal.plan.term == Term.SHORT and target > latest:
        return [hint("date_too_far", "target_date",
                     Tn("A short-term goal should be done within %(n)s week, by %(latest)s. Pick a date on or "
                        "before then, or make it a long-term goal.",
                        "A short-term goal should be done within %(n)s weeks, by %(latest)s. Pick a date on or "
                        "before then, or make it a long-term goal.", SHORT_TERM_WEEKS, latest=latest))]
    return []


def check_supports(plan: Plan) -> list[Feedback]:
    out: list[Feedback] = []
    supports = plan.supports
    if supports is None or supports.is_empty():
        return [hint("no_supports", "supports", T("Write who will help you: what your teacher, "
                                                  "your family and you will do to reach this goal."))]
    for party in ("teacher", "family", "student"):
        items = getattr(supports, party)
        if len(items) > MAX_ITEMS:
            out.append(error("too_many_items", f"supports.{party}",
                             T("Pick the best %(n)s ways to help. There are %(have)s.", n=MAX_ITEMS, have=len(items))))
        out += [too_long(f"supports.{party}[{i}]", ITEM_MAX)
                for i, s in enumerate(items) if s and len(s.strip()) > ITEM_MAX]
    return out


def check_goal(goal: Goal, today: date, active_goal_count: int, max_active: int = 3) -> list[Feedback]:
    """All findings for ``goal`` as of ``today``.

    ``active_goal_count`` counts the student's *other* goals that are submitted,
    agreed or revised; this goal may not make it more than ``max_active``.
    """
    plan = goal.plan
    out: list[Feedback] = []
    if active_goal_count >= max_active:
        out.append(error("too_many_active_goals", "goal",
                         Tn("You already have %(n)s goal you are working on. Finish it, or talk with your teacher, "
                            "before adding another.",
                            "You already have %(n)s goals you are working on. Finish one, or talk with your "
                            "teacher, before adding another.", active_goal_count)))
    out += check_statement(plan)
    out += check_focus(plan)
    out += check_actions(plan)
    out += check_trackable(plan)
    out += check_reasons(plan)
    out += check_date(goal, today)
    out += check_supports(plan)
    return out
