"""What the benchmark (and the preview) compares between two assignments."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from services.scheduling.domain.assignment.plans import utc_ranges
from services.scheduling.domain.assignment.problem import Problem, Result


@dataclass(frozen=True)
class Measures:
    families: int
    families_assigned: int
    priority_families: int
    priority_assigned: int
    sibling_families_assigned: int  # (always back to back: a hard rule)
    preferred_conferences: int
    family_wait_minutes: int  # between a family's first and last conference, not in one
    teacher_idle_minutes: int  # between a teacher's first and last conference of a day


def measure(problem: Problem, result: Result) -> Measures:
    families = {f.family_id: f for f in problem.families}
    by_family, by_teacher_day = defaultdict(list), defaultdict(list)
    for c in result.conferences:
        by_family[c.family_id].append(c)
        day = c.start_utc.astimezone(problem.window.tz).date()
        by_teacher_day[(c.teacher_id, day)].append(c)
    preferred = 0
    for fid, confs in by_family.items():
        ranges = utc_ranges(problem.window, families[fid].preferred)
        preferred += sum(any(s <= c.start_utc and c.end_utc <= e for s, e in ranges) for c in confs)
    return Measures(
        families=len(families),
        families_assigned=len(by_family),
        priority_families=sum(f.priority > 0 for f in families.values()),
        priority_assigned=sum(families[fid].priority > 0 for fid in by_family),
        sibling_families_assigned=sum(len(families[fid].children) > 1 for fid in by_family),
        preferred_conferences=preferred,
        family_wait_minutes=sum(_gaps(confs) for confs in by_family.values()),
        teacher_idle_minutes=sum(_gaps(confs) for confs in by_teacher_day.values()),
    )


def _gaps(confs) -> int:
    confs = sorted(confs, key=lambda c: c.start_utc)
    busy = sum((c.end_utc - c.start_utc).total_seconds() for c in confs)
    return int(((confs[-1].end_utc - confs[0].start_utc).total_seconds() - busy) // 60)
