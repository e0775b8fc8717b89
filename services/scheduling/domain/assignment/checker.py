"""An independent check of any assignment against the hard rules.

It does not trust the solver's model: it re-reads the problem and the conferences and
says what is wrong, in words, for tests, the benchmark and the admin's preview (a moved
conference is checked the same way). Empty list = every hard rule holds.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

from services.scheduling.domain.assignment.plans import Grid, utc_ranges
from services.scheduling.domain.assignment.problem import PIN_NOT_POSSIBLE, Conference, Problem, Result
from services.scheduling.domain.model import Slot
from services.scheduling.domain.slots import follows


def check(problem: Problem, result: Result) -> list[str]:
    grid = Grid(problem)
    w = problem.window
    families = {f.family_id: f for f in problem.families}
    errors: list[str] = []
    mine = defaultdict(list)
    for c in result.conferences:
        mine[c.family_id].append(c)
    unassigned = [u.family_id for u in result.unassigned]
    for fid in families:
        if (fid in mine) + unassigned.count(fid) != 1:
            errors.append(f"family {fid} must be either assigned or unassigned, once")
    teacher_busy, room_busy, interpreter_busy = defaultdict(list), defaultdict(list), defaultdict(list)
    for fid, confs in mine.items():
        f = families.get(fid)
        if f is None:
            errors.append(f"conference for unknown family {fid}")
            continue
        children = {ch.student_id: ch.teacher_id for ch in f.children}
        seen = sorted(c.student_id for c in confs)
        if seen != sorted(children):
            errors.append(f"family {fid}: all children or none, got {seen}")
        free = utc_ranges(w, f.free)
        for c in confs:
            slot = grid.by_id.get(c.slot_id)
            if slot is None:
                errors.append(f"{c.student_id}: slot {c.slot_id} is not in the grid")
                continue
            if slot.teacher_id != c.teacher_id or children.get(c.student_id) != c.teacher_id:
                errors.append(f"{c.student_id}: slot {c.slot_id} is not with the child's teacher")
            errors += _check_private(c, slot, f.private_talk, grid, w.buffer_minutes)
            end = grid.by_id[c.private_slot_id].end_utc if c.private_slot_id in grid.by_id else slot.end_utc
            if (c.start_utc, c.end_utc) != (slot.start_utc, end):
                errors.append(f"{c.student_id}: times do not match the slot")
            if c.modality != f.modality or c.room != (slot.room if f.modality == "in_person" else None):
                errors.append(f"{c.student_id}: wrong modality or room")
            if not any(s <= c.start_utc and c.end_utc <= e for s, e in free):
                errors.append(f"{c.student_id}: outside the family's times")
            for s in filter(None, (slot, grid.by_id.get(c.private_slot_id or ""))):
                teacher_busy[s.teacher_id].append((s.start_utc, s.end_utc, c.student_id))
            if c.room is not None:
                room_busy[c.room].append((c.start_utc, c.end_utc, c.student_id))
        errors += _check_family_day(f, sorted(confs, key=lambda c: c.start_utc), grid)
        errors += _check_interpreter(problem, grid, f, confs, interpreter_busy)
    errors += _check_teacher_hours(problem, grid, teacher_busy)
    for kind, busy in (("teacher", teacher_busy), ("room", room_busy), ("interpreter", interpreter_busy)):
        for who, spans in busy.items():
            spans.sort()
            for (s1, e1, a), (s2, e2, b) in zip(spans, spans[1:]):
                if s2 < e1:
                    errors.append(f"{kind} {who} holds two conferences at once ({a}, {b})")
    errors += _check_pins(problem, result)
    return errors


def _check_private(c: Conference, slot: Slot, wanted: bool, grid: Grid, buffer_minutes: int) -> list[str]:
    if not wanted:
        return [] if c.private_slot_id is None else [f"{c.student_id}: private word nobody asked for"]
    private = grid.by_id.get(c.private_slot_id or "")
    if private is None:
        return [f"{c.student_id}: private talk asked for but not paired"]
    if private.teacher_id != slot.teacher_id or not (
            slot.end_utc <= private.start_utc <= slot.end_utc + timedelta(minutes=buffer_minutes)):
        return [f"{c.student_id}: the private word is not right after the conference"]
    return []


def _check_family_day(f, confs: list[Conference], grid: Grid) -> list[str]:
    """A guardian is in one place at a time, and siblings follow each other by the
    booking rule."""
    out = []
    window = grid.family_window(f)
    for a, b in zip(confs, confs[1:]):
        if b.start_utc < a.end_utc:
            out.append(f"family {f.family_id}: two conferences at once ({a.student_id}, {b.student_id})")
            continue
        prev = grid.by_id.get(a.slot_id)
        nxt = grid.by_id.get(b.slot_id)
        if prev and nxt and not follows(_block(prev, a.end_utc), a.room, nxt, b.room, window):
            out.append(f"family {f.family_id}: {a.student_id} and {b.student_id} are not back to back")
    return out


def _block(slot: Slot, end) -> Slot:
    return replace(slot, end_utc=end)


def _check_interpreter(problem: Problem, grid: Grid, f, confs, busy) -> list[str]:
    if not f.interpreter_language:
        return [f"family {f.family_id}: an interpreter nobody asked for"] if any(c.interpreter_id for c in confs) else []
    people = {i.interpreter_id: i for i in problem.interpreters}
    ids = {c.interpreter_id for c in confs}
    if len(ids) != 1 or None in ids:
        return [f"family {f.family_id}: one interpreter must sit with the family throughout"]
    who = ids.pop()
    person = people.get(who)
    if person is None or f.interpreter_language not in person.languages:
        return [f"family {f.family_id}: interpreter {who} does not speak {f.interpreter_language}"]
    start, end = min(c.start_utc for c in confs), max(c.end_utc for c in confs)
    busy[who].append((start, end, f.family_id))
    if not any(s <= start and end <= e for s, e in grid.interpreter_hours[who]):
        return [f"family {f.family_id}: interpreter {who} is not working then"]
    return []


def _check_teacher_hours(problem: Problem, grid: Grid, busy) -> list[str]:
    """Availability and breaks, read from the school's data rather than from the grid."""
    w = problem.window
    out = []
    for av in problem.teachers:
        hours = utc_ranges(w, av.ranges)
        breaks = utc_ranges(w, {d.date: w.breaks.get(d.date, []) + av.breaks.get(d.date, []) for d in w.days})
        for s, e, student in busy.get(av.teacher_id, []):
            if not any(a <= s and e <= b for a, b in hours):
                out.append(f"teacher {av.teacher_id}: {student} outside their hours")
            if any(a < e and s < b for a, b in breaks):
                out.append(f"teacher {av.teacher_id}: {student} during a break")
    return out


def _check_pins(problem: Problem, result: Result) -> list[str]:
    at = {c.student_id: c.slot_id for c in result.conferences}
    excused = {u.family_id for u in result.unassigned if u.reason == PIN_NOT_POSSIBLE}
    family_of = {ch.student_id: f.family_id for f in problem.families for ch in f.children}
    return [f"{p.student_id}: pinned to {p.slot_id}, got {at.get(p.student_id)}" for p in problem.pins
            if at.get(p.student_id) != p.slot_id and family_of.get(p.student_id) not in excused]
