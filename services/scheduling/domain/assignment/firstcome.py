"""Who holds what, first-come-first-served, and why a family was left out.

``first_come`` is the baseline the solver is measured against (and its fallback): the
families arrive in some order and each takes the first fitting plan still free, its
preferred times first (as a family clicking would), then the earliest.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Iterable, Sequence

from services.scheduling.domain.assignment.plans import Grid, Plan, family_plans
from services.scheduling.domain.assignment.problem import (
    INTERPRETER_BUSY, NOT_REACHED, ROOM_BUSY, TEACHER_FULL, Conference, Family, Problem,
    Result, Unassigned,
)


class Ledger:
    """The teachers' slots, rooms and interpreters already given to someone."""

    def __init__(self):
        self.slots: set[str] = set()
        self.rooms: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
        self.interpreters: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)

    def blockers(self, plan: Plan) -> tuple[set[str], set[str], bool]:
        """(teachers whose slot is taken, rooms taken, every fitting interpreter busy)."""
        teachers = {o.slot.teacher_id for o in plan.options if set(o.teacher_slots()) & self.slots}
        rooms = {o.room for o in plan.options if o.room is not None
                 and _overlaps(o.start, o.end, self.rooms[o.room])}
        busy = bool(plan.interpreters) and self.free_interpreter(plan) is None
        return teachers, rooms, busy

    def free_interpreter(self, plan: Plan) -> str | None:
        return next((i for i in plan.interpreters
                     if not _overlaps(plan.start, plan.end, self.interpreters[i])), None)

    def fits(self, plan: Plan) -> bool:
        teachers, rooms, busy = self.blockers(plan)
        return not (teachers or rooms or busy)

    def take(self, plan: Plan, interpreter: str | None) -> None:
        for o in plan.options:
            self.slots.update(o.teacher_slots())
            if o.room is not None:
                self.rooms[o.room].append((o.start, o.end))
        if interpreter is not None:
            self.interpreters[interpreter].append((plan.start, plan.end))


def _overlaps(start: datetime, end: datetime, spans: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def conferences(family: Family, plan: Plan, interpreter: str | None) -> list[Conference]:
    return [Conference(family.family_id, o.student_id, o.slot.teacher_id, o.slot.id, o.start, o.end,
                       o.room, family.modality, o.private.id if o.private else None, interpreter)
            for o in plan.options]


def all_plans(problem: Problem, grid: Grid | None = None) -> tuple[Grid, dict[str, list[Plan]], dict[str, tuple]]:
    grid = grid or Grid(problem)
    plans, reasons = {}, {}
    for f in problem.families:
        plans[f.family_id], reason = family_plans(grid, f)
        if reason is not None:
            reasons[f.family_id] = reason
    return grid, plans, reasons


def first_come(problem: Problem, order: Sequence[str] | None = None, *, prepared=None) -> Result:
    """Families in ``order`` (default: as listed) each take the first fitting free plan.
    Pinned families go first: the admin has already placed them."""
    grid, plans, reasons = prepared or all_plans(problem)
    families = {f.family_id: f for f in problem.families}
    order = list(order if order is not None else families)
    pinned = {p.student_id for p in problem.pins}
    has_pin = {fid for fid, f in families.items() if any(c.student_id in pinned for c in f.children)}
    order = [fid for fid in order if fid in has_pin] + [fid for fid in order if fid not in has_pin]
    ledger, out = Ledger(), []
    for fid in order:
        for plan in sorted(plans[fid], key=lambda p: (-p.preferred, p.start, p.end)):
            if ledger.fits(plan):
                interpreter = ledger.free_interpreter(plan) if plan.interpreters else None
                ledger.take(plan, interpreter)
                out += conferences(families[fid], plan, interpreter)
                break
    return Result(out, explain(problem, out, plans, reasons))


def explain(problem: Problem, chosen: list[Conference], plans: dict[str, list[Plan]],
            reasons: dict[str, tuple]) -> list[Unassigned]:
    """Why each family left out has no time, given what the others hold."""
    ledger = Ledger()
    assigned = set()
    by_family = defaultdict(list)
    for c in chosen:
        by_family[c.family_id].append(c)
    for fid, confs in by_family.items():
        assigned.add(fid)
        for c in confs:
            ledger.slots.update(filter(None, (c.slot_id, c.private_slot_id)))
            if c.room is not None:
                ledger.rooms[c.room].append((c.start_utc, c.end_utc))
        who = confs[0].interpreter_id
        if who is not None:
            ledger.interpreters[who].append((min(c.start_utc for c in confs), max(c.end_utc for c in confs)))
    out = []
    for f in problem.families:
        if f.family_id in assigned:
            continue
        if f.family_id in reasons:
            code, details = reasons[f.family_id]
            out.append(Unassigned(f.family_id, code, details))
            continue
        out.append(_resource_reason(f.family_id, plans[f.family_id], ledger))
    return out


def _resource_reason(fid: str, plans: list[Plan], ledger: Ledger) -> Unassigned:
    teachers_full: set[str] = set()
    only_interpreter = only_room = False
    for plan in plans:
        teachers, rooms, busy = ledger.blockers(plan)
        if not (teachers or rooms or busy):
            return Unassigned(fid, NOT_REACHED, {})
        only_interpreter |= busy and not teachers and not rooms
        only_room |= bool(rooms) and not teachers and not busy
        teachers_full |= teachers
    if only_interpreter:
        return Unassigned(fid, INTERPRETER_BUSY, {"interpreters": sorted({i for p in plans for i in p.interpreters})})
    if only_room:
        return Unassigned(fid, ROOM_BUSY, {})
    return Unassigned(fid, TEACHER_FULL, {"teacher_ids": sorted(teachers_full)})
