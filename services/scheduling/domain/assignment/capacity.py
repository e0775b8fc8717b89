"""Capacity warnings the school can read before the window opens.

Counts only, no solving: a teacher with fewer slots than the conferences asked of them
("40 slots for 100 students"), a language with fewer interpreter hours than its
conferences need. Before requests come in, the demand is the roster (every student of
the teacher); afterwards, what the families asked for.
"""
from __future__ import annotations

from collections import Counter
from typing import Mapping

from services.scheduling.domain.assignment.plans import Grid, utc_ranges
from services.scheduling.domain.assignment.problem import CapacityWarning, Interpreter, Problem
from services.scheduling.domain.model import Availability, Window
from services.scheduling.domain.slots import generate_slots


def teacher_warnings(slots_by_teacher: Mapping[str, int], demand_by_teacher: Mapping[str, int]) -> list[CapacityWarning]:
    """``demand_by_teacher``: conferences wanted (a private word takes a second slot)."""
    out = []
    for teacher, wanted in sorted(demand_by_teacher.items()):
        have = slots_by_teacher.get(teacher, 0)
        if wanted > have:
            out.append(CapacityWarning("teacher", teacher, have, wanted,
                                       f"{teacher}: {have} slots for {wanted} conferences"))
    return out


def interpreter_warnings(window: Window, interpreters: list[Interpreter],
                         demand_by_language: Mapping[str, int]) -> list[CapacityWarning]:
    """``demand_by_language``: conferences needing an interpreter. An interpreter's
    capacity is their working minutes over the slot length (an interpreter who speaks
    two languages is counted for each: the warning is an upper bound, never a false alarm)."""
    out = []
    for language, wanted in sorted(demand_by_language.items()):
        minutes = sum((e - s).total_seconds() // 60 for i in interpreters if language in i.languages
                      for s, e in utc_ranges(window, i.ranges))
        have = int(minutes // window.slot_minutes)
        if wanted > have:
            people = sum(language in i.languages for i in interpreters)
            out.append(CapacityWarning("interpreter", language, have, wanted,
                                       f"{language}: {people} interpreter(s), room for {have} conferences, "
                                       f"{wanted} requested"))
    return out


def window_warnings(window: Window, teachers: list[Availability], students_by_teacher: Mapping[str, int],
                    interpreters: list[Interpreter] = (),
                    expected_by_language: Mapping[str, int] | None = None) -> list[CapacityWarning]:
    """Before the window opens: the roster's students per teacher against the teacher's
    slots, and the interpreter conferences the school expects (e.g. last time's)."""
    slots = Counter(s.teacher_id for s in generate_slots(window, teachers)) if teachers else Counter()
    return (teacher_warnings(slots, students_by_teacher)
            + interpreter_warnings(window, list(interpreters), expected_by_language or {}))


def capacity_warnings(problem: Problem, grid: Grid | None = None) -> list[CapacityWarning]:
    """The warnings for the families' requests in ``problem``."""
    grid = grid or Grid(problem)
    slots = {t: len(s) for t, s in grid.by_teacher.items()}
    per_child = lambda f: 2 if f.private_talk else 1  # noqa: E731
    teachers = Counter()
    languages = Counter()
    for f in problem.families:
        for c in f.children:
            teachers[c.teacher_id] += per_child(f)
        if f.interpreter_language:
            languages[f.interpreter_language] += len(f.children) * per_child(f)
    return (teacher_warnings(slots, teachers)
            + interpreter_warnings(problem.window, problem.interpreters, languages))
