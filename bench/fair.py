"""Fair scheduling: the CP-SAT assignment against first-come-first-served, same school,
same run.

A generated school (``services.scheduling.domain.assignment.sample``): by default 600 students,
25 teachers, two days of 30-minute slots (15:00-20:00), 30 % of families with siblings,
10 % needing an interpreter (three interpreters), 10 % marked by the school, families
available in 1-3 random ranges. First-come: the families arrive in a random order and
each takes its preferred, then earliest, fitting times. Both results are validated by the
independent checker. No servers: pure CPU.

    .venv/bin/python bench/fair.py [--students 600] [--teachers 25] [--scale 1,2,4]
                                   [--stage-seconds 10] [--workers 2] [--seed 0]

``--scale 1,2,4`` repeats the run with 2x and 4x the students and teachers (1,200 and
2,400 students) to show how the solve time grows.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.scheduling.domain.assignment import check, first_come, measure, solve  # noqa: E402
from services.scheduling.domain.assignment.firstcome import all_plans  # noqa: E402
from services.scheduling.domain.assignment.sample import arrival_order, school  # noqa: E402


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "-"


def run(students: int, teachers: int, args) -> None:
    problem = school(args.seed, students=students, teachers=teachers, days=args.days,
                     slot_minutes=args.slot_minutes, hours=args.hours, interpreters=args.interpreters)
    _, plans, _ = all_plans(problem)
    feasible_alone = sum(bool(p) for p in plans.values())  # families with any fitting time at all

    started = time.monotonic()
    baseline = first_come(problem, arrival_order(problem, args.seed))
    fc_seconds = time.monotonic() - started
    load_before = os.getloadavg()
    started, cpu = time.monotonic(), time.process_time()
    result = solve(problem, stage_seconds=args.stage_seconds, workers=args.workers, seed=args.seed)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    load_after = os.getloadavg()

    broken = check(problem, result) + check(problem, baseline)
    ours, theirs = measure(problem, result), measure(problem, baseline)
    print(f"\n== {students} students, {teachers} teachers, {ours.families} families "
          f"({ours.priority_families} marked), {len(problem.interpreters)} interpreters; "
          f"{feasible_alone} families have some fitting time ==")
    print(f"{'':32}{'solver':>10}{'first-come':>12}{'ratio':>8}")
    rows = [("families assigned", ours.families_assigned, theirs.families_assigned),
            ("marked families assigned", ours.priority_assigned, theirs.priority_assigned),
            ("sibling families (back to back)", ours.sibling_families_assigned, theirs.sibling_families_assigned),
            ("conferences at preferred times", ours.preferred_conferences, theirs.preferred_conferences)]
    for name, a, b in rows:
        print(f"{name:32}{a:>10}{b:>12}{ratio(a, b):>8}")
    avg = lambda m: m.family_wait_minutes / max(1, m.families_assigned)  # noqa: E731
    print(f"{'avg family wait (min)':32}{avg(ours):>10.1f}{avg(theirs):>12.1f}")
    print(f"{'teacher idle gaps (min)':32}{ours.teacher_idle_minutes:>10}{theirs.teacher_idle_minutes:>12}"
          f"{ratio(ours.teacher_idle_minutes, theirs.teacher_idle_minutes):>8}")
    print(f"fitting families left out: solver {feasible_alone - ours.families_assigned}, "
          f"first-come {feasible_alone - theirs.families_assigned} (some may be left out by capacity)")
    print(f"solve {seconds:.1f} s wall, {cpu:.1f} s CPU (first-come {fc_seconds:.2f} s); stages: "
          + "; ".join(f"{s.name} {s.status} {s.value} in {s.seconds:.1f} s" for s in result.stages))
    print(f"capacity warnings: {len(result.warnings)}; rule violations: {len(broken)}"
          + (f" e.g. {broken[:3]}" if broken else ""))
    print(f"machine: {os.cpu_count()} cores, load {load_before[0]:.1f} -> {load_after[0]:.1f}; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=600)
    ap.add_argument("--teachers", type=int, default=25)
    ap.add_argument("--days", type=int, default=2)
    ap.add_argument("--hours", type=int, default=5, help="hours per day (from 15:00)")
    ap.add_argument("--slot-minutes", type=int, default=30)
    ap.add_argument("--interpreters", type=int, default=3)
    ap.add_argument("--scale", default="1", help="comma-separated multipliers of students and teachers")
    ap.add_argument("--stage-seconds", type=float, default=10.0, help="time limit per objective stage")
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT search workers")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    for factor in (int(f) for f in args.scale.split(",")):
        run(args.students * factor, args.teachers * factor, args)


if __name__ == "__main__":
    main()
