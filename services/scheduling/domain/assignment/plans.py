"""What each family could be given, before anyone else is considered.

A *plan* is one way to see all of a family's children: one conference per child (plus
the paired private word), inside the family's times, the siblings back to back by the
booking rule itself (``slots.follows`` / ``slots.walk_minutes``: the travel gap fits in
the slot boundary or the teachers share a room, the wait is at most
``max_idle_minutes``), so a guardian is never in two places at once. Plans ignore other
families; the solver (or first-come) then chooses at most one plan per family so that no
teacher, room or interpreter is double-booked.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import permutations

from services.scheduling.domain.assignment.problem import (
    INTERPRETER_NOT_FREE, NO_INTERPRETER, NO_OVERLAP, NO_PRIVATE_SLOT, NO_TEACHER_TIME,
    PIN_NOT_POSSIBLE, SIBLINGS_APART, Family, LocalRanges, Problem,
)
from services.scheduling.domain import slots as booking_slots
from services.scheduling.domain.model import Slot, Window, local_range_to_utc
from services.scheduling.domain.slots import (
    MAX_SIBLING_PERMUTATIONS, generate_slots, private_followup_slot,
)

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class Option:
    """One child's conference: the slot, the private word after it, the family's block."""
    student_id: str
    slot: Slot
    private: Slot | None
    room: str | None  # None when the family does not come in person

    @property
    def start(self) -> datetime:
        return self.slot.start_utc

    @property
    def end(self) -> datetime:
        return (self.private or self.slot).end_utc

    def teacher_slots(self) -> tuple[str, ...]:
        return (self.slot.id,) if self.private is None else (self.slot.id, self.private.id)


@dataclass(frozen=True)
class Plan:
    family_id: str
    options: tuple[Option, ...]  # in time order
    preferred: int  # conferences inside the family's preferred times
    wait_minutes: int  # the family's waits between conferences
    interpreters: tuple[str, ...] = ()  # who could sit with the family throughout

    @property
    def start(self) -> datetime:
        return self.options[0].start

    @property
    def end(self) -> datetime:
        return self.options[-1].end


class Grid:
    """The booking grid of every teacher, and the problem's times in UTC."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.window = problem.window
        slots = generate_slots(problem.window, problem.teachers) if problem.teachers else []
        self.by_teacher: dict[str, list[Slot]] = {}
        for s in slots:
            self.by_teacher.setdefault(s.teacher_id, []).append(s)
        self.by_id = {s.id: s for s in slots}
        self.interpreter_hours = {i.interpreter_id: utc_ranges(self.window, i.ranges)
                                  for i in problem.interpreters}

    def family_window(self, family: Family) -> Window:
        """The window as the family meets it: their modality decides the walk."""
        return replace(self.window, modality=family.modality)


def utc_ranges(window: Window, ranges: LocalRanges) -> list[Interval]:
    """Local ranges per window day as merged UTC intervals (DST-safe, like slots)."""
    days = {d.date for d in window.days}
    spans = sorted(span for on, rs in ranges.items() if on in days for r in rs if r.start < r.end
                   for span in local_range_to_utc(on, r.start, r.end, window.tz))
    merged: list[Interval] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def inside(start: datetime, end: datetime, ranges: list[Interval]) -> bool:
    return any(s <= start and end <= e for s, e in ranges)


def follows(prev: Option, nxt: Option, window: Window) -> bool:
    """The booking's back-to-back rule between two of a family's conferences, with the
    first one lasting through its private word."""
    block = replace(prev.slot, end_utc=prev.end) if prev.private else prev.slot
    return booking_slots.follows(block, prev.room, nxt.slot, nxt.room, window)


def child_options(grid: Grid, family: Family, student_id: str, teacher_id: str, *,
                  private: bool, pinned: str | None) -> list[Option]:
    free = utc_ranges(grid.window, family.free)
    teacher = grid.by_teacher.get(teacher_id, [])
    out = []
    for slot in teacher:
        if pinned is not None and slot.id != pinned:
            continue
        extra = None
        if private:
            extra = private_followup_slot(slot, teacher, buffer_minutes=grid.window.buffer_minutes)
            if extra is None:
                continue
        option = Option(student_id, slot, extra, slot.room if family.modality == "in_person" else None)
        if inside(option.start, option.end, free):
            out.append(option)
    return out


def family_plans(grid: Grid, family: Family) -> tuple[list[Plan], tuple[str, dict] | None]:
    """Every plan for the family, or none and why (a reason code and its details)."""
    pins = {p.student_id: p.slot_id for p in grid.problem.pins}
    mine = {c.student_id: pins[c.student_id] for c in family.children if c.student_id in pins}
    plans, reason = _plans(grid, family, mine)
    if not plans and mine and reason[0] != NO_TEACHER_TIME:
        unpinned, _ = _plans(grid, family, {})
        if unpinned:
            return [], (PIN_NOT_POSSIBLE, {"student_ids": sorted(mine)})
    return plans, reason


def _plans(grid: Grid, family: Family, pins: dict[str, str]):
    kids = family.children
    if not kids:
        return [], (NO_OVERLAP, {"student_ids": []})
    missing = [c.student_id for c in kids if not grid.by_teacher.get(c.teacher_id)]
    if missing:
        return [], (NO_TEACHER_TIME, {"student_ids": missing})
    options = {c.student_id: child_options(grid, family, c.student_id, c.teacher_id,
                                           private=family.private_talk, pinned=pins.get(c.student_id))
               for c in kids}
    stuck = [c for c in kids if not options[c.student_id]]
    if stuck:
        empty = [c.student_id for c in stuck]
        if family.private_talk and all(child_options(grid, family, c.student_id, c.teacher_id, private=False,
                                                     pinned=pins.get(c.student_id)) for c in stuck):
            return [], (NO_PRIVATE_SLOT, {"student_ids": empty})
        return [], (NO_OVERLAP, {"student_ids": empty})
    chains = _chains(grid.family_window(family), [c.student_id for c in kids], options)
    if not chains:
        return [], (SIBLINGS_APART, {"student_ids": [c.student_id for c in kids]})
    preferred = utc_ranges(grid.window, family.preferred)
    plans = [Plan(family.family_id, chain, sum(inside(o.start, o.end, preferred) for o in chain),
                  sum(int((b.start - a.end) / timedelta(minutes=1)) for a, b in zip(chain, chain[1:])))
             for chain in chains]
    if family.interpreter_language:
        speakers = [i.interpreter_id for i in grid.problem.interpreters
                    if family.interpreter_language in i.languages]
        if not speakers:
            return [], (NO_INTERPRETER, {"language": family.interpreter_language})
        plans = [replace(p, interpreters=tuple(i for i in speakers
                                               if inside(p.start, p.end, grid.interpreter_hours[i])))
                 for p in plans]
        plans = [p for p in plans if p.interpreters]
        if not plans:
            return [], (INTERPRETER_NOT_FREE, {"language": family.interpreter_language})
    return plans, None


def _chains(window: Window, students: list[str], options: dict[str, list[Option]]) -> list[tuple[Option, ...]]:
    """Every back-to-back sequence covering all the children (each set once: a chain's
    order is its time order). Above ``MAX_SIBLING_PERMUTATIONS`` children only the given
    order is tried, as in booking."""
    if len(students) == 1:
        return [(o,) for o in options[students[0]]]
    orders = permutations(students) if len(students) <= MAX_SIBLING_PERMUTATIONS else [tuple(students)]
    reach = timedelta(minutes=window.travel_gap_minutes + window.max_idle_minutes)
    out: list[tuple[Option, ...]] = []

    def extend(chain: tuple[Option, ...], rest: tuple[str, ...]):
        if not rest:
            out.append(chain)
            return
        prev = chain[-1]
        for o in options[rest[0]]:
            if o.start < prev.end:
                continue
            if o.start > prev.end + reach:
                break  # options are in start order
            if follows(prev, o, window):
                extend(chain + (o,), rest[1:])

    for order in orders:
        for first in options[order[0]]:
            extend((first,), tuple(order[1:]))
    return out
