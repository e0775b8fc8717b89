"""A generated school for the benchmark and the property tests (seeded, reproducible).

Every student has one conference with their homeroom teacher; a family shows up with
one to three children; families give one to three ranges of at least an hour on the
window's days, and would rather have the first one.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

from services.scheduling.domain.assignment.problem import Child, Family, Interpreter, Problem
from services.scheduling.domain.model import Availability, TimeRange, Window, WindowDay

FIRST_DAY = date(2026, 10, 20)
LANGUAGES = ("es", "vi", "ar")


def school(seed: int = 0, *, students: int = 600, teachers: int = 25, days: int = 2,
           slot_minutes: int = 30, start_hour: int = 15, hours: int = 5, sibling_share: float = 0.3,
           interpreter_share: float = 0.1, interpreters: int = 3, priority_share: float = 0.1,
           private_share: float = 0.05, shared_rooms: int = 0, max_idle_minutes: int = 15) -> Problem:
    """``shared_rooms``: how many pairs of teachers share a room (one conference at a
    time in it)."""
    rng = random.Random(seed)
    dates = [FIRST_DAY + timedelta(days=i) for i in range(days)]
    end_hour = start_hour + hours
    window = Window(school_id="bench", time_zone="America/Los_Angeles",
                    days=[WindowDay(d, time(start_hour), time(end_hour), evening=True) for d in dates],
                    slot_minutes=slot_minutes, booking_opens_at=datetime(2026, 10, 1, tzinfo=timezone.utc),
                    booking_closes_at=datetime(2026, 10, 19, tzinfo=timezone.utc),
                    max_idle_minutes=max_idle_minutes)
    staff = []
    for i in range(teachers):
        room = f"R{i // 2}" if i < 2 * shared_rooms else f"R{i}"
        breaks = {}
        if i % 3 == 0:  # a third of the teachers take a dinner break
            breaks = {d: [TimeRange(time(start_hour + hours // 2), time(start_hour + hours // 2, 30))] for d in dates}
        staff.append(Availability(f"t{i:03}", room, {d: [TimeRange(time(start_hour), time(end_hour))] for d in dates},
                                  breaks))
    families, n, k = [], 0, 0
    while n < students:
        size = 1 if rng.random() >= sibling_share else rng.choice((2, 2, 2, 3))
        size = min(size, students - n)
        kids = [Child(f"s{n + j:05}", staff[rng.randrange(teachers)].teacher_id) for j in range(size)]
        n += size
        ranges = _ranges(rng, dates, start_hour, end_hour)
        language = rng.choice(LANGUAGES) if rng.random() < interpreter_share else None
        families.append(Family(
            family_id=f"f{k:05}", children=kids, free=ranges,
            modality=rng.choices(("in_person", "video", "phone"), (85, 10, 5))[0],
            interpreter_language=language, private_talk=rng.random() < private_share,
            priority=1 if rng.random() < priority_share else 0,
            preferred={d: rs[:1] for d, rs in list(ranges.items())[:1]}))
        k += 1
    people = [Interpreter(f"i{j}", frozenset({LANGUAGES[j % len(LANGUAGES)]}),
                          {d: [TimeRange(time(start_hour), time(end_hour))] for d in dates})
              for j in range(interpreters)]
    return Problem(window, staff, families, people)


def _ranges(rng: random.Random, dates: list[date], start_hour: int, end_hour: int) -> dict[date, list[TimeRange]]:
    out: dict[date, list[TimeRange]] = {}
    for _ in range(rng.randint(1, 3)):
        on = rng.choice(dates)
        begin = rng.randrange(start_hour * 2, end_hour * 2 - 1)  # half hours
        length = rng.randint(2, 6)
        stop = min(begin + length, end_hour * 2)
        out.setdefault(on, []).append(TimeRange(time(begin // 2, 30 * (begin % 2)),
                                                time(stop // 2, 30 * (stop % 2)) if stop < 48 else time(23, 59)))
    return out


def arrival_order(problem: Problem, seed: int = 0) -> list[str]:
    """First-come: the families in a random order (who read the e-mail first)."""
    ids = [f.family_id for f in problem.families]
    random.Random(seed).shuffle(ids)
    return ids
