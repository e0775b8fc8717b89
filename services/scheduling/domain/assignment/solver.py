"""The whole school at once, with OR-Tools CP-SAT, objectives in order.

One boolean per (family, plan, interpreter): at most one per family; a teacher's slot,
a room at any instant and an interpreter at any instant hold at most one. The stages,
each solved with its own time limit and then fixed as a constraint before the next:

1. families marked by the school, highest mark first (as many as possible);
2. families assigned in all;
3. conferences inside the families' preferred times;
4. compact days: the families' waits plus the teachers' idle minutes between their
   first and last conference of a day, as few as possible.

A stage that stops at its time limit keeps its best value (a bound, not the optimum).
The plan first-come would make (marked and hardest families first) is the starting hint,
and the answer if CP-SAT finds nothing in time.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from datetime import datetime

from ortools.sat.python import cp_model

from services.scheduling.domain.assignment.capacity import capacity_warnings
from services.scheduling.domain.assignment.firstcome import all_plans, conferences, explain, first_come
from services.scheduling.domain.assignment.plans import Plan
from services.scheduling.domain.assignment.problem import Problem, Result, Stage
from services.scheduling.domain.model import DomainError

Choice = tuple[str, int, "str | None"]  # (family id, plan index, interpreter id)


def solve(problem: Problem, *, stage_seconds: float = 10.0, workers: int = 2, seed: int = 0) -> Result:
    prepared = all_plans(problem)
    grid, plans, reasons = prepared
    families = {f.family_id: f for f in problem.families}
    hint = first_come(problem, _hardest_first(problem, plans), prepared=prepared)
    origin = min((s.start_utc for s in grid.by_id.values()), default=None)

    model = cp_model.CpModel()
    x: dict[Choice, cp_model.IntVar] = {}
    for fid, fplans in plans.items():
        for k, plan in enumerate(fplans):
            for who in plan.interpreters or (None,):
                x[(fid, k, who)] = model.NewBoolVar(f"x_{fid}_{k}_{who}")
    by_family = defaultdict(list)
    for key, var in x.items():
        by_family[key[0]].append(var)
    assigned = {fid: sum(vs) for fid, vs in by_family.items()}
    pinned = {p.student_id for p in problem.pins}
    for fid, vs in by_family.items():
        if any(c.student_id in pinned for c in families[fid].children):
            model.AddExactlyOne(vs)  # the admin placed it: not negotiable
        else:
            model.AddAtMostOne(vs)

    used = _one_holder_each(model, x, plans, problem)

    # Each objective is built when its stage comes (the compact one adds variables the
    # earlier stages need not carry).
    stages: list[tuple[str, object]] = []
    for mark in sorted({f.priority for f in problem.families if f.priority > 0}, reverse=True):
        stages.append((f"priority {mark}", lambda mark=mark: sum(
            assigned.get(f.family_id, 0) for f in problem.families if f.priority == mark)))
    stages.append(("families", lambda: sum(assigned.values())))
    stages.append(("preferences", lambda: sum(plans[fid][k].preferred * v for (fid, k, _), v in x.items())))
    stages.append(("compact", lambda: -_waiting(model, x, plans, grid, used, origin)))

    _hint(model, x, plans, hint)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = stage_seconds
    values, done = _in_order(model, solver, x, stages)
    if values is None:
        hint.warnings = capacity_warnings(problem, grid)
        hint.stages = done + [Stage("fallback first-come", "FALLBACK", len(hint.assigned_families()), 0.0)]
        return hint
    chosen = [c for (fid, k, who), on in values.items() if on
              for c in conferences(families[fid], plans[fid][k], who)]
    chosen.sort(key=lambda c: (c.start_utc, c.teacher_id))
    return Result(chosen, explain(problem, chosen, plans, reasons), capacity_warnings(problem, grid), done)


def _one_holder_each(model: cp_model.CpModel, x: dict[Choice, object], plans: dict[str, list[Plan]],
                     problem: Problem) -> dict[str, object]:
    """A teacher's slot, a shared room and an interpreter each hold one conference at a
    time. Returns, per teacher slot, the boolean "someone holds it"."""
    occupancy = defaultdict(list)  # teacher slot id -> choices holding it
    rooms, helpers = defaultdict(list), defaultdict(list)
    for (fid, k, who), var in x.items():
        plan = plans[fid][k]
        for o in plan.options:
            for sid in o.teacher_slots():
                occupancy[sid].append(var)
            if o.room is not None:
                rooms[o.room].append((o.start, o.end, var))
        if who is not None:
            helpers[who].append((plan.start, plan.end, var))
    used = {}
    for sid, vs in occupancy.items():
        used[sid] = model.NewBoolVar(f"used_{sid}")
        model.AddExactlyOne([used[sid].Not()] + vs)  # one conference per teacher slot
    # A room of one teacher is already kept by the teacher's slots (a teacher's slots never
    # overlap): only shared rooms need their own rule.
    shared = {r for r, n in Counter(av.room for av in problem.teachers).items() if n > 1}
    for spans in [spans for room, spans in rooms.items() if room in shared] + list(helpers.values()):
        _one_at_a_time(model, spans)
    return used


def _in_order(model, solver, x, stages) -> tuple[dict | None, list[Stage]]:
    """Solve each objective in turn, then hold it at the value reached (the optimum, or
    the best found in the time limit) while the next one is solved from that answer."""
    done: list[Stage] = []
    values = None
    for name, objective in stages:
        expr = objective()
        model.Maximize(expr)
        started = time.monotonic()
        status = solver.Solve(model)
        seconds = time.monotonic() - started
        if status == cp_model.INFEASIBLE:
            raise DomainError("pins_conflict", "the pinned conferences cannot all hold at once")
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            done.append(Stage(name, solver.StatusName(status), 0, seconds))
            break  # keep the last stage's answer (or the fallback)
        value = round(solver.ObjectiveValue())
        done.append(Stage(name, solver.StatusName(status), value, seconds))
        model.Add(expr >= value)
        values = {key: solver.BooleanValue(var) for key, var in x.items()}
        model.ClearHints()
        for key, var in x.items():
            model.AddHint(var, values[key])
    return values, done


def _hardest_first(problem: Problem, plans: dict[str, list[Plan]]) -> list[str]:
    """How staff did it by hand: marked families, interpreter conferences, the most
    children, the fewest possible times, first."""
    return [f.family_id for f in sorted(problem.families, key=lambda f: (
        -f.priority, not f.interpreter_language, -len(f.children), len(plans[f.family_id])))]


def _one_at_a_time(model: cp_model.CpModel, spans: list[tuple[datetime, datetime, object]]) -> None:
    """No two chosen intervals overlap. Two intervals overlap exactly when one's start
    lies inside the other, so it is enough to cap every start instant."""
    for point in sorted({s for s, _, _ in spans}):
        covering = [v for s, e, v in spans if s <= point < e]
        if len(covering) > 1:
            model.AddAtMostOne(covering)


def _waiting(model, x, plans, grid, used, origin) -> object:
    """Family waits between conferences plus each teacher's idle minutes between the
    first and the last conference of a day."""
    family_wait = sum(plans[fid][k].wait_minutes * v for (fid, k, _), v in x.items())
    if origin is None:
        return family_wait
    idle = []
    days = defaultdict(list)
    for sid, flag in used.items():
        slot = grid.by_id[sid]
        days[(slot.teacher_id, slot.local_date)].append((_minutes(slot.start_utc, origin),
                                                          _minutes(slot.end_utc, origin), flag))
    for key, slots in days.items():
        lo, hi = min(s for s, _, _ in slots), max(e for _, e, _ in slots)
        first, last = model.NewIntVar(lo, hi, f"first_{key}"), model.NewIntVar(lo, hi, f"last_{key}")
        model.Add(last >= first)
        for s, e, flag in slots:
            model.Add(first <= s).OnlyEnforceIf(flag)
            model.Add(last >= e).OnlyEnforceIf(flag)
        idle.append(last - first - sum((e - s) * flag for s, e, flag in slots))
    return family_wait + sum(idle)


def _minutes(at: datetime, origin: datetime) -> int:
    return int((at - origin).total_seconds() // 60)


def _hint(model, x, plans, result: Result) -> None:
    held = defaultdict(set)
    for c in result.conferences:
        held[c.family_id].add((c.student_id, c.slot_id, c.interpreter_id))
    for (fid, k, who), var in x.items():
        mine = {(o.student_id, o.slot.id, who) for o in plans[fid][k].options}
        model.AddHint(var, mine == held.get(fid))
