"""Slot rules: generation (DST-safe), siblings back to back, private talk, snow day.

DST policy: a local range means every real instant at which the school's wall clock
reads within it (``domain.local_range_to_utc``). Slots are cut from those UTC intervals,
each exactly ``slot_minutes`` of elapsed time. So no slot starts in a skipped hour, a
fall-back night's repeated hour is used once per real instant (two slots may both read
'01:00' locally but never share a UTC instant), and breaks in the repeated hour cover
both occurrences.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from itertools import permutations
from typing import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from services.scheduling.domain.model import (
    BOOKED, Availability, Booking, InvalidWindow, Slot, TimeRange, Window, WindowDay,
    as_utc, local_range_to_utc,
)
from services.scheduling.domain.policy import validate_window

Interval = tuple[datetime, datetime]
SiblingRequest = tuple[str, str, "str | None"]  # (student_id, teacher_id, room)
MAX_SIBLING_PERMUTATIONS = 6  # above this many children only the given order is tried


def generate_slots(window: Window, availability: Availability | Iterable[Availability]) -> list[Slot]:
    """All bookable slots for one or many teachers, sorted by (start, teacher).

    Raises ``InvalidWindow`` (with field errors) for an invalid window.
    """
    errors = validate_window(window)
    if errors:
        raise InvalidWindow(errors)
    teachers = [availability] if isinstance(availability, Availability) else list(availability)
    tz = window.tz
    slots = [s for av in teachers for day in window.days for s in _teacher_day(window, day, av, tz)]
    return sorted(slots, key=lambda s: (s.start_utc, s.teacher_id))


def _teacher_day(window: Window, day: WindowDay, av: Availability, tz: ZoneInfo) -> list[Slot]:
    length = timedelta(minutes=window.slot_minutes)
    buffer = timedelta(minutes=window.buffer_minutes)
    pause = max(length, buffer)  # the automatic break replaces the buffer
    breaks = _intervals(day.date, window.breaks.get(day.date, []) + av.breaks.get(day.date, []), tz)
    inside_day = [TimeRange(max(r.start, day.start), min(r.end, day.end))
                  for r in av.ranges.get(day.date, [])]
    out: list[Slot] = []
    for cursor, end in _merge(_intervals(day.date, inside_day, tz)):
        run = 0
        while cursor + length <= end:
            clash = next((b for b in breaks if b[0] < cursor + length and cursor < b[1]), None)
            if clash:
                cursor, run = clash[1], 0
                continue
            out.append(_slot(window, day, av, cursor, cursor + length, tz))
            run += 1
            if window.auto_break_after and run >= window.auto_break_after:
                cursor, run = cursor + length + pause, 0
            else:
                cursor = cursor + length + buffer
    return out


def _slot(window: Window, day: WindowDay, av: Availability, start: datetime, end: datetime,
          tz: ZoneInfo) -> Slot:
    video = (av.video_link or window.video_link) if window.modality == "video" else None
    return Slot(teacher_id=av.teacher_id, start_utc=start, end_utc=end, local_date=day.date,
                local_start=f"{start.astimezone(tz):%H:%M}", evening=day.evening, room=av.room,
                modality=window.modality, local_end=f"{end.astimezone(tz):%H:%M}",
                video_link=video)


def _intervals(on: date, ranges: Iterable[TimeRange], tz: ZoneInfo) -> list[Interval]:
    return sorted(span for r in ranges if r.start < r.end
                  for span in local_range_to_utc(on, r.start, r.end, tz))


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for s, e in intervals:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def plan_sibling_slots(requests: Sequence[SiblingRequest], free_slots_by_teacher: Mapping[str, list[Slot]],
                       window: Window, *, now: datetime | None = None) -> list[Slot] | None:
    """Back-to-back slots for siblings, all or nothing; ``None`` when impossible.

    The result is in the order of ``requests``. Each next conference starts on the same
    day at or after the previous end plus the walk between rooms (see ``walk_minutes``)
    and at most ``max_idle_minutes`` after the previous end plus the whole travel gap.
    Every order of the children is tried; the plan that starts earliest (then ends
    earliest, then follows the given order) wins.
    """
    if not requests:
        return []
    free = _future_free(free_slots_by_teacher, now)
    orders = permutations(range(len(requests))) if len(requests) <= MAX_SIBLING_PERMUTATIONS \
        else [tuple(range(len(requests)))]
    best: tuple[tuple, dict[int, Slot]] | None = None
    for order in orders:
        chain = _chain([(i, requests[i]) for i in order], free, window, None, None, set())
        if chain is None:
            continue
        key = (chain[0][1].start_utc, chain[-1][1].end_utc)
        if best is None or key < best[0]:
            best = (key, dict(chain))
    return None if best is None else [best[1][i] for i in range(len(requests))]


def sibling_shortfall(requests: Sequence[SiblingRequest], free_slots_by_teacher: Mapping[str, list[Slot]],
                      *, now: datetime | None = None) -> list[str]:
    """Why no plan exists, for the family: the student ids whose teacher has no free slot
    left (in what was offered). Empty when every teacher has some: then the free times
    are simply too far apart to follow each other."""
    free = _future_free(free_slots_by_teacher, now)
    return [student for student, teacher, _room in requests if not free.get(teacher)]


def _future_free(free_slots_by_teacher: Mapping[str, list[Slot]], now: datetime | None) -> dict[str, list[Slot]]:
    cut = as_utc(now, "now") if now is not None else None
    return {t: sorted((s for s in slots if cut is None or s.start_utc > cut), key=lambda s: s.start_utc)
            for t, slots in free_slots_by_teacher.items()}


def walk_minutes(window: Window, prev_room, room) -> int:
    """Minutes to leave free between two siblings' conferences. No walk for video or
    phone conferences or when both teachers share a room. A conference seldom uses its
    slot to the last minute: a walk of up to a quarter of the slot (5 minutes of a 20- or
    30-minute slot) is taken from the end of the first conference, so on a grid without
    gaps the very next slot counts as back to back. A longer walk needs a later slot."""
    if window.modality != "in_person" or prev_room == room:
        return 0
    walk = window.travel_gap_minutes
    return 0 if walk * 4 <= window.slot_minutes else walk


def _chain(todo, free, window, prev: Slot | None, prev_room, used: set[str]):
    if not todo:
        return []
    (index, (_student, teacher, room)), rest = todo[0], todo[1:]
    for slot in free.get(teacher, []):
        if prev is not None and slot.start_utc > prev.end_utc + timedelta(
                minutes=window.travel_gap_minutes + window.max_idle_minutes):
            break  # sorted by start: nothing later can fit either
        here = room or slot.room
        if slot.id in used or (prev is not None and not follows(prev, prev_room, slot, here, window)):
            continue
        tail = _chain(rest, free, window, slot, here, used | {slot.id})
        if tail is not None:
            return [(index, slot)] + tail
    return None


def follows(prev: Slot, prev_room, nxt: Slot, room, window: Window) -> bool:
    """The back-to-back rule between two of a family's conferences: ``nxt`` (in ``room``)
    starts on the same day after the walk from ``prev_room`` and within the longest wait
    allowed. Booking siblings and the fair assignment both use it."""
    earliest = prev.end_utc + timedelta(minutes=walk_minutes(window, prev_room, room))
    moving = window.modality == "in_person" and prev_room != room
    latest = prev.end_utc + timedelta(minutes=(window.travel_gap_minutes if moving else 0) + window.max_idle_minutes)
    return nxt.local_date == prev.local_date and earliest <= nxt.start_utc <= latest


def private_followup_slot(slot: Slot, free_slots_of_same_teacher: Iterable[Slot], *,
                          buffer_minutes: int = 0) -> Slot | None:
    """The free slot right after ``slot`` (same teacher, starting between its end and
    end + buffer) for a family's private word; ``None`` if that slot is taken."""
    latest = slot.end_utc + timedelta(minutes=buffer_minutes)
    fits = [s for s in free_slots_of_same_teacher
            if s.teacher_id == slot.teacher_id and slot.end_utc <= s.start_utc <= latest]
    return min(fits, key=lambda s: s.start_utc, default=None)


def move_day(window: Window, from_date: date, to_date: date) -> Window:
    """A copy of the window with one day (hours, evening flag, breaks) moved."""
    days = [replace(d, date=to_date) if d.date == from_date else d for d in window.days]
    breaks = {(to_date if d == from_date else d): r for d, r in window.breaks.items()}
    return replace(window, days=sorted(days, key=lambda d: d.date), breaks=breaks)


def shift_day(window: Window, from_date: date, to_date: date, bookings: Iterable[Booking],
              free_slots: Iterable[Slot]) -> tuple[list[tuple[Booking, Slot]], list[Booking]]:
    """Snow day: move each booked conference on ``from_date`` to the same teacher's free
    slot at the same local clock time on ``to_date``, else release it.

    ``free_slots`` are the unbooked slots (only those on ``to_date`` are considered).
    Bookings on other days, or not in status booked, are left out of both lists.
    """
    tz = window.tz
    options: dict[tuple[str, str], list[Slot]] = {}
    for s in sorted(free_slots, key=lambda s: s.start_utc):
        if s.local_date == to_date:
            options.setdefault((s.teacher_id, s.local_start), []).append(s)
    moved: list[tuple[Booking, Slot]] = []
    released: list[Booking] = []
    for b in sorted(bookings, key=lambda b: (b.start_utc, b.booking_id)):
        local = b.start_utc.astimezone(tz)
        if b.status != BOOKED or local.date() != from_date:
            continue
        choices = options.get((b.teacher_id, f"{local:%H:%M}"))
        if choices:
            moved.append((b, choices.pop(0)))
        else:
            released.append(b)
    return moved, released
