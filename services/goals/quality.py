"""Goal quality feedback: the All-STAR checks a student sees while writing a goal.

``check_goal`` never raises on odd text; every finding has a stable ``code``, the
``field`` it is about, a severity (errors block submission, hints advise) and a
message a 9-year-old can read.
"""
from __future__ import annotations

from datetime import date, timedelta

from .models import Feedback, Goal, Plan, Term, error, hint, too_long
from .wording import action_vagueness, grand_phrases, statement_vagueness, words

MIN_ACTIONS = 3
MIN_REASONS = 2
MAX_ITEMS = 10
STATEMENT_MAX = 300
ITEM_MAX = 200
SHORT_TERM_WEEKS = 8
EXAMPLE_GOAL = "I will ask questions when I don't understand part of the math lesson."
EXAMPLE_ACTION = "I will read my notes for 10 minutes after dinner."

FEEDBACK_CODES = frozenset({
    "statement_missing", "too_long", "too_vague", "too_grand", "focus_missing",
    "no_actions", "too_few_actions", "too_many_items", "duplicate_action", "vague_action",
    "unmeasurable", "measure_invalid", "too_few_reasons", "date_missing", "date_in_past",
    "date_outside_year", "date_too_far", "too_many_active_goals", "no_supports",
})


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _quote_words(found: tuple[str, ...] | list[str]) -> str:
    shown = [f'"{w}"' for w in list(found)[:2]]
    return " and ".join(shown)


def _long_date(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def _filled(items: tuple[str, ...]) -> list[str]:
    return [i.strip() for i in items if i and i.strip()]


def check_statement(plan: Plan) -> list[Feedback]:
    text = (plan.statement or "").strip()
    if not text:
        return [error("statement_missing", "statement",
                      'Write your goal in one or two sentences. Start with "I will ...".')]
    if len(text) > STATEMENT_MAX:
        return [too_long("statement", STATEMENT_MAX)]
    out: list[Feedback] = []
    v = statement_vagueness(text)
    if v.vague:
        if v.too_short:
            msg = "Your goal is very short. Say what you will do, so someone could see you do it."
        elif v.fuzzy:
            msg = (f"Words like {_quote_words(v.fuzzy)} are a wish, not a plan. Say what you will "
                   f'do, so someone could see you do it. For example: "{EXAMPLE_GOAL}"')
        else:
            msg = f'Say what you will do, so someone could see you do it. For example: "{EXAMPLE_GOAL}"'
        out.append(error("too_vague", "statement", msg))
    grand = grand_phrases(text)
    if grand:
        out.append(hint("too_grand", "statement",
                        f'"{grand[0].capitalize()}" makes a goal very hard to reach. '
                        "Pick a smaller step you can really do."))
    return out


def check_focus(plan: Plan) -> list[Feedback]:
    focus = plan.focus
    if focus is None or not ((focus.label or "").strip() or (focus.code or "").strip()):
        return [error("focus_missing", "focus", "Choose what your goal is about: a standard, "
                      "a learning skill, how you act in class, or something personal.")]
    return []


def check_actions(plan: Plan) -> list[Feedback]:
    actions = _filled(plan.specific_actions)
    distinct = list(dict.fromkeys(a.lower() for a in actions))
    if not distinct:
        return [error("no_actions", "specific_actions",
                      f"Your goal needs at least {MIN_ACTIONS} things you will do. You have none yet.")]
    out: list[Feedback] = []
    if len(distinct) < MIN_ACTIONS:
        out.append(error("too_few_actions", "specific_actions",
                         f"Your goal needs at least {MIN_ACTIONS} things you will do. You have {len(distinct)}."))
    if len(actions) > MAX_ITEMS:
        out.append(error("too_many_items", "specific_actions",
                         f"Pick your best {MAX_ITEMS} things to do. You have {len(actions)}."))
    if len(distinct) < len(actions):
        out.append(hint("duplicate_action", "specific_actions",
                        "You wrote the same thing more than once. Each thing you do should be different."))
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
            why = "is too short to show" if v.too_short else "does not say"
            out.append(error("vague_action", where,
                             f'"{action}" {why} what you will do. Say it so someone could see you '
                             f'do it, like "{EXAMPLE_ACTION}"'))
    return out


def check_trackable(plan: Plan) -> list[Feedback]:
    track = plan.trackable
    method = (track.method or "").strip() if track else ""
    out: list[Feedback] = []
    if len(method) > ITEM_MAX:
        out.append(too_long("trackable.method", ITEM_MAX))
    elif len(words(method)) < 3:
        out.append(error("unmeasurable", "trackable.method",
                         "Tell how you will track your progress, like "
                         '"I will color in my reading chart every Friday."'))
    measure = track.measure if track else None
    if measure is not None:
        if not (measure.unit or "").strip():
            out.append(error("measure_invalid", "trackable.measure.unit",
                             'Say what you are counting, like "words per minute".'))
        if measure.target == measure.baseline:
            out.append(error("measure_invalid", "trackable.measure.target",
                             "Your goal number is the same as your starting number. "
                             "Pick a goal number you are working toward."))
    return out


def check_reasons(plan: Plan) -> list[Feedback]:
    reasons = list(dict.fromkeys(r.lower() for r in _filled(plan.achievable_reasons)))
    out: list[Feedback] = []
    if len(reasons) < MIN_REASONS:
        out.append(error("too_few_reasons", "achievable_reasons",
                         f"Write at least {MIN_REASONS} reasons you know you can do this. You have {len(reasons)}."))
    if len(plan.achievable_reasons) > MAX_ITEMS:
        out.append(error("too_many_items", "achievable_reasons",
                         f"Pick your best {MAX_ITEMS} reasons. You have {len(plan.achievable_reasons)}."))
    for i, reason in enumerate(plan.achievable_reasons):
        if reason and len(reason.strip()) > ITEM_MAX:
            out.append(too_long(f"achievable_reasons[{i}]", ITEM_MAX))
    return out


def check_date(goal: Goal, today: date) -> list[Feedback]:
    target, year = goal.plan.target_date, goal.school_year
    if target is None:
        return [error("date_missing", "target_date", "Pick the date when you plan to meet your goal.")]
    if target < today:
        return [error("date_in_past", "target_date", "That date has already passed. Pick a date after today.")]
    if not year.contains(target):
        return [error("date_outside_year", "target_date",
                      f"Pick a date during this school year, between {_long_date(year.start)} "
                      f"and {_long_date(year.end)}.")]
    weeks = (target - today).days / 7
    if goal.plan.term == Term.SHORT and target - today > timedelta(weeks=SHORT_TERM_WEEKS):
        return [hint("date_too_far", "target_date",
                     f"A short-term goal should be done in about {SHORT_TERM_WEEKS} weeks. Your date is "
                     f"{_plural(round(weeks), 'week')} away. Pick a closer date, or make it a long-term goal.")]
    return []


def check_supports(plan: Plan) -> list[Feedback]:
    out: list[Feedback] = []
    supports = plan.supports
    if supports is None or supports.is_empty():
        return [hint("no_supports", "supports", "Write who will help you: what your teacher, "
                     "your family and you will do to reach this goal.")]
    for party in ("teacher", "family", "student"):
        items = getattr(supports, party)
        if len(items) > MAX_ITEMS:
            out.append(error("too_many_items", f"supports.{party}",
                             f"Pick the best {MAX_ITEMS} ways to help. There are {len(items)}."))
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
                         f"You already have {_plural(active_goal_count, 'goal')} you are working on. "
                         "Finish one, or talk with your teacher, before adding another."))
    out += check_statement(plan)
    out += check_focus(plan)
    out += check_actions(plan)
    out += check_trackable(plan)
    out += check_reasons(plan)
    out += check_date(goal, today)
    out += check_supports(plan)
    return out
