"""Request windows: the rules of a family's request and of the window's mode, turning
stored requests into the assignment problem, and the nearest free times offered to a
family left out. Pure: the clock and the data are passed in.

A window's ``booking_mode``: ``first_come`` (families book slots themselves, the
default), ``requests`` (families say when they can come until ``requests_deadline``;
the school assigns and publishes), ``requests_then_first_come`` (the same, then
first-come booking opens on what is left until ``booking_closes_at``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Iterable, Mapping, Sequence

from services.scheduling.domain.assignment.plans import utc_ranges
from services.scheduling.domain.assignment.problem import Child, Family, Interpreter, LocalRanges, Pin, Problem
from services.scheduling.domain.model import (
    MODALITIES, Availability, InvalidRequest, Slot, StateConflict, TimeRange, Window, as_utc, local_to_utc,
)

FIRST_COME, REQUESTS, REQUESTS_THEN_FIRST_COME = "first_come", "requests", "requests_then_first_come"
BOOKING_MODES = (FIRST_COME, REQUESTS, REQUESTS_THEN_FIRST_COME)
PRIORITY_REASONS = ("missed_last_time", "needs_interpreter", "new_family", "other")
MAX_RANGES = 12
OFFERS_PER_CHILD = 3


def validate_mode(window: Window, mode: str, deadline: datetime | None) -> dict[str, list[str]]:
    """Field-by-field problems with a window's mode and deadline; empty when valid. The
    deadline falls while the window takes bookings and before the first conference, so
    the assignment can be published before anyone is due to come."""
    errors: dict[str, list[str]] = {}
    if mode not in BOOKING_MODES:
        errors["booking_mode"] = [f"must be one of {', '.join(BOOKING_MODES)}"]
        return errors
    if mode == FIRST_COME:
        if deadline is not None:
            errors["requests_deadline"] = ["only a request window has a deadline for requests"]
        return errors
    if deadline is None:
        return {"requests_deadline": ["a request window needs a deadline for requests"]}
    deadline = as_utc(deadline, "requests_deadline")
    if deadline <= as_utc(window.booking_opens_at):
        errors.setdefault("requests_deadline", []).append("must be after booking opens")
    if window.days:
        first = min(window.days, key=lambda d: d.date)
        if deadline >= local_to_utc(first.date, first.start, window.tz):
            errors.setdefault("requests_deadline", []).append("must be before the first conference day starts")
    if deadline >= as_utc(window.booking_closes_at):
        # Publishing books the families under the booking rules, which end when booking closes.
        errors.setdefault("requests_deadline", []).append("must be before booking closes")
    return errors


def check_requests_open(mode: str, deadline: datetime | None, now: datetime, *, window_open: bool) -> None:
    """A family makes, changes or withdraws a request only in a request window that is
    open, before its deadline."""
    if mode == FIRST_COME or deadline is None:
        raise StateConflict("not_a_request_window", "This window takes bookings, not requests.")
    if not window_open:
        raise StateConflict("window_not_open", "This conference window is not open yet.")
    if as_utc(now, "now") >= as_utc(deadline):
        raise StateConflict("requests_closed", "The deadline for requests has passed.",
                            deadline=as_utc(deadline))


def check_first_come_open(mode: str, first_come_open: bool) -> None:
    """In a request window families book first-come only once the assignment is
    published and the window continues first-come (``requests_then_first_come``)."""
    if mode != FIRST_COME and not first_come_open:
        raise StateConflict("requests_only", "This window takes requests: tell the school when you can come "
                                             "instead of booking a time.")


def validate_request(window: Window, student_ids: Sequence[str], ranges: Sequence[tuple[date, TimeRange]],
                     preferred: Sequence[tuple[date, TimeRange]], modality: str) -> dict[str, list[str]]:
    """Field-by-field problems with a family's request; empty when valid. Each range is
    on a day of the window and overlaps that day's hours; preferred times lie inside the
    family's ranges."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not student_ids:
        err("students", "name at least one child")
    if len(set(student_ids)) != len(student_ids):
        err("students", "a child is named twice")
    if modality not in MODALITIES:
        err("modality", f"must be one of {', '.join(MODALITIES)}")
    if not ranges:
        err("ranges", "give at least one time you can come")
    if len(ranges) > MAX_RANGES:
        err("ranges", f"give at most {MAX_RANGES} ranges")
    for i, (on, r) in enumerate(ranges):
        day = window.day(on)
        if day is None:
            err(f"ranges.{i}.date", f"{on.isoformat()} is not a day of this window")
        elif r.start >= r.end:
            err(f"ranges.{i}.end", "must be after the start")
        elif r.end <= day.start or r.start >= day.end:
            err(f"ranges.{i}", f"is outside the conference hours of {on.isoformat()} "
                               f"({day.start:%H:%M}-{day.end:%H:%M})")
    for i, (on, r) in enumerate(preferred):
        if r.start >= r.end:
            err(f"preferred.{i}.end", "must be after the start")
        elif not any(o == on and f.start <= r.start and r.end <= f.end for o, f in ranges):
            err(f"preferred.{i}", "must lie inside one of the times you can come")
    return errors


def as_local_ranges(items: Iterable[tuple[date, TimeRange]]) -> LocalRanges:
    table: LocalRanges = {}
    for on, r in items:
        table.setdefault(on, []).append(r)
    return table


@dataclass(frozen=True)
class Request:
    """A stored request, as the assignment reads it (``family_id``: the guardian)."""
    family_id: str
    children: tuple[Child, ...]
    free: LocalRanges
    modality: str = "in_person"
    interpreter_language: str | None = None
    private_talk: bool = False
    preferred: LocalRanges | None = None


def booked_as_breaks(window: Window, teachers: Sequence[Availability], taken: Iterable[Slot]) -> list[Availability]:
    """The teachers' availability with the slots already booked (by staff, or an earlier
    publication) taken out as breaks, so the assignment only hands out free slots."""
    by_teacher: dict[str, list[Slot]] = {}
    for s in taken:
        by_teacher.setdefault(s.teacher_id, []).append(s)
    out = []
    for av in teachers:
        breaks = {on: list(rs) for on, rs in av.breaks.items()}
        for s in by_teacher.get(av.teacher_id, []):
            local_end = s.end_utc.astimezone(window.tz).time()
            breaks.setdefault(s.local_date, []).append(TimeRange(s.start_utc.astimezone(window.tz).time(), local_end))
        out.append(replace(av, breaks=breaks))
    return out


def build_problem(window: Window, teachers: Sequence[Availability], requests: Sequence[Request],
                  priorities: Mapping[str, int], interpreters: Sequence[Interpreter] = (),
                  pins: Sequence[Pin] = (), taken: Iterable[Slot] = ()) -> Problem:
    """The whole school's assignment problem from what is stored: one family per request,
    the school's marks as priorities, pins only for children still requested."""
    families = [Family(r.family_id, list(r.children), r.free, modality=r.modality,
                       interpreter_language=r.interpreter_language, private_talk=r.private_talk,
                       priority=priorities.get(r.family_id, 0), preferred=r.preferred or {})
                for r in sorted(requests, key=lambda r: r.family_id)]
    requested = {c.student_id for f in families for c in f.children}
    return Problem(window, booked_as_breaks(window, teachers, taken), families, list(interpreters),
                   [p for p in pins if p.student_id in requested])


def nearest_free(window: Window, free: LocalRanges, slots: Iterable[Slot], now: datetime, *,
                 limit: int = OFFERS_PER_CHILD) -> list[Slot]:
    """The free slots closest to the times the family gave (inside them first, then by
    the distance to the nearest range, then earliest), none already started."""
    spans = utc_ranges(window, free)
    now = as_utc(now, "now")

    def distance(s: Slot) -> timedelta:
        if not spans:
            return timedelta(0)
        return min(max(a - s.end_utc, s.start_utc - b, timedelta(0)) for a, b in spans)

    def inside(s: Slot) -> bool:
        return any(a <= s.start_utc and s.end_utc <= b for a, b in spans)

    future = [s for s in slots if s.start_utc > now]
    return sorted(future, key=lambda s: (not inside(s), distance(s), s.start_utc, s.teacher_id))[:limit]
