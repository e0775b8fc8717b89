"""Window validation, booking policy, timers, nudges, teacher agenda. Pure: clock passed in.

Every check returns ``None`` or raises a ``DomainError`` whose class says its kind:
``InvalidRequest`` (422: household_booking_not_allowed, duplicate_student,
duplicate_slot) or ``StateConflict`` (409: window_not_open, booking_not_open,
booking_closed, slot_in_past, slot_not_in_window, student_already_booked,
conference_started, cancellation_cutoff_passed, same_slot, family_busy).

The rules that depend on what is already booked are fed the family's real bookings,
read once inside the booking's transaction (``booking_ops.family_bookings``); the unique
indexes on bookings stay as the guard against a race between two transactions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.scheduling.domain.model import (
    CANCELLED, MODALITIES, OPEN, POLICIES, SLOT_LENGTHS, Availability, Booking, InvalidRequest, Slot,
    StateConflict, Window, as_utc,
)


def validate_window(window: Window) -> dict[str, list[str]]:
    """Field-by-field problems with a window; empty when it is valid."""
    errors: dict[str, list[str]] = {}

    def err(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if not window.school_id:
        err("school_id", "is required")
    try:
        ZoneInfo(window.time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        err("time_zone", f"unknown IANA time zone {window.time_zone!r}")
    if window.slot_minutes not in SLOT_LENGTHS:
        err("slot_minutes", f"must be one of {', '.join(map(str, SLOT_LENGTHS))} (got {window.slot_minutes!r})")
    if not isinstance(window.buffer_minutes, int) or window.buffer_minutes < 0:
        err("buffer_minutes", "must be a whole number of minutes, 0 or more")
    if window.modality not in MODALITIES:
        err("modality", f"must be one of {', '.join(MODALITIES)}")
    elif window.modality == "video" and not (window.video_link or "").startswith(("https://", "http://")):
        err("video_link", "a video window needs an http(s) meeting link")
    for name in ("cancellation_cutoff_hours", "travel_gap_minutes", "max_idle_minutes"):
        if not isinstance(getattr(window, name), int) or getattr(window, name) < 0:
            err(name, "must be a whole number, 0 or more")
    if window.auto_break_after is not None and (
            not isinstance(window.auto_break_after, int) or window.auto_break_after < 0):
        err("auto_break_after", "must be empty, 0 (off) or a positive number of slots")
    if window.policy not in POLICIES:
        err("policy", f"must be one of {', '.join(POLICIES)}")
    _validate_booking_period(window, err)
    _validate_days(window, err)
    return errors


def _validate_booking_period(window: Window, err) -> None:
    ok = True
    for name in ("booking_opens_at", "booking_closes_at"):
        value = getattr(window, name)
        if not isinstance(value, datetime) or value.tzinfo is None:
            err(name, "must be a timezone-aware date-time")
            ok = False
    if ok and window.booking_opens_at >= window.booking_closes_at:
        err("booking_closes_at", "must be after booking_opens_at")


def _validate_days(window: Window, err) -> None:
    if not window.days:
        err("days", "at least one conference day is required")
    seen: set[date] = set()
    for i, day in enumerate(window.days):
        if day.date in seen:
            err(f"days[{i}].date", f"{day.date} is listed twice")
        seen.add(day.date)
        if day.end <= day.start:
            err(f"days[{i}].end", "must be after start (days may not cross midnight)")
        elif isinstance(window.slot_minutes, int) and _minutes(day.end) - _minutes(day.start) < window.slot_minutes:
            err(f"days[{i}].end", "the day is shorter than one slot")
    for on, ranges in window.breaks.items():
        if on not in seen:
            err(f"breaks[{on}]", "is not a conference day")
        for j, r in enumerate(ranges):
            if r.end <= r.start:
                err(f"breaks[{on}][{j}]", "end must be after start")


def cycle_for(day: date) -> str:
    """The conference cycle a window starting on ``day`` belongs to, named like the goals
    service's cycles (``<year>-<season>``, where winter, spring and summer carry the year
    they fall in and belong to the school year that began the August before): August to
    November is that year's fall, December to February the winter ending in the next
    (so a window on 16 December 2026 is ``2027-winter``, in school year 2026-27), March
    to May spring, June and July summer."""
    if day.month == 12:
        return f"{day.year + 1}-winter"
    if day.month <= 2:
        return f"{day.year}-winter"
    if day.month <= 5:
        return f"{day.year}-spring"
    if day.month <= 7:
        return f"{day.year}-summer"
    return f"{day.year}-fall"


def validate_availability(window: Window, availability: Availability) -> dict[str, list[str]]:
    """Problems with a teacher's availability; ranges must sit inside the window days."""
    errors: dict[str, list[str]] = {}
    if not availability.teacher_id:
        errors["teacher_id"] = ["is required"]
    for label, table in (("ranges", availability.ranges), ("breaks", availability.breaks)):
        for on, ranges in table.items():
            day = window.day(on)
            for j, r in enumerate(ranges):
                key = f"{label}[{on}][{j}]"
                if day is None:
                    errors.setdefault(key, []).append("is not a conference day")
                elif r.end <= r.start:
                    errors.setdefault(key, []).append("end must be after start")
                elif label == "ranges" and (r.start < day.start or r.end > day.end):
                    errors.setdefault(key, []).append(
                        f"must be within the day's hours {day.start:%H:%M}-{day.end:%H:%M}")
    return errors


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def acts_for_school(role: str) -> bool:
    """Whether a change to a booking is made on the school's authority (staff may change
    it until it starts) rather than the family's (within the window's cutoff). Only the
    family and the school's staff ever reach a booking (``access.booking_for``), so
    everyone but the guardian is staff."""
    return role != "guardian"


def check_window_open(window: Window) -> None:
    """Families book, and join a waitlist, only while the school has the window open."""
    if window.status != OPEN:
        raise StateConflict("window_not_open", "This conference window is not open for booking.")


def check_distinct_slots(slot_ids: Sequence[str]) -> None:
    """Children booked in one request each need a slot of their own."""
    if len(set(slot_ids)) != len(slot_ids):
        raise InvalidRequest("duplicate_slot", "Each child needs a slot of their own.",
                             errors={"students": ["the same slot is listed twice"]})


def bookings_of(student_id: str, bookings: Iterable[Booking]) -> list[Booking]:
    """The bookings about one child, out of a family's."""
    return [b for b in bookings if b.student_id == student_id]


def check_can_book(window: Window, slot: Slot, now: datetime,
                   existing_active_bookings_for_student: Iterable[Booking]) -> None:
    """Booking opens at ``booking_opens_at`` (inclusive) and closes at
    ``booking_closes_at`` (exclusive); a slot starting at ``now`` is already past. A
    family holds at most one active conference per child per window: the existing
    bookings are this family's bookings of the child (separated guardians each book
    their own, so another guardian's booking is not passed in)."""
    now = as_utc(now, "now")
    if now < as_utc(window.booking_opens_at):
        raise StateConflict("booking_not_open", f"booking opens at {window.booking_opens_at.isoformat()}",
                          opens_at=window.booking_opens_at)
    if now >= as_utc(window.booking_closes_at):
        raise StateConflict("booking_closed", "booking for this conference window has closed")
    if slot.start_utc <= now:
        raise StateConflict("slot_in_past", "this slot has already started")
    if window.day(slot.local_date) is None:
        raise StateConflict("slot_not_in_window", "this slot is not on a day of the window")
    booked = booked_in(window.window_id, existing_active_bookings_for_student)
    if booked is not None:
        raise StateConflict("student_already_booked", "this student already has a conference in this window",
                            booking_id=booked.booking_id)


def booked_in(window_id: str | None, bookings: Iterable[Booking]) -> Booking | None:
    """The active booking among `bookings` in the window (any window when either side
    does not name one), if there is one."""
    return next((b for b in bookings if b.active and (not (window_id and b.window_id) or b.window_id == window_id)),
                None)


Span = tuple[str, datetime, datetime]  # (booking id, start, end) of the time a family is taken


def check_family_free(new: Sequence[Span], existing: Iterable[Span]) -> None:
    """One guardian is never in two places at once: a booking may not overlap another
    active booking of the same guardian (nor another one being made with it). Two
    guardians of a child who attend separately each book with their own account."""
    taken = list(existing)
    for i, one in enumerate(new):
        clash = overlapping(one, taken + list(new[:i]))
        if clash is not None:
            raise StateConflict("family_busy", "you already have a conference at this time; choose another time, "
                                "or let another guardian book this one with their own account",
                                booking_id=clash[0], start=clash[1].isoformat(), end=clash[2].isoformat())


def overlapping(span: Span, others: Iterable[Span]) -> Span | None:
    """The first of `others` (another booking) that overlaps `span`, if any."""
    bid, start, end = span
    return next((o for o in others if o[0] != bid and o[1] < end and start < o[2]), None)


def cancellation_deadline(window: Window, booking_start: datetime) -> datetime:
    return as_utc(booking_start, "booking_start") - timedelta(hours=window.cancellation_cutoff_hours)


def check_can_cancel(window: Window, booking_start: datetime, now: datetime, *, for_school: bool = False) -> None:
    """Families may cancel or reschedule up to and including the cutoff instant; the
    school (``for_school``, see ``acts_for_school``) until the conference starts."""
    now = as_utc(now, "now")
    if now >= as_utc(booking_start, "booking_start"):
        raise StateConflict("conference_started", "the conference has already started")
    if for_school:
        return
    deadline = cancellation_deadline(window, booking_start)
    if now > deadline:
        raise StateConflict("cancellation_cutoff_passed",
                          f"changes are possible until {window.cancellation_cutoff_hours} hours before",
                          deadline=deadline)


def check_can_reschedule(window: Window, booking: Booking, new_slot: Slot, now: datetime,
                         existing_active_bookings_for_student: Iterable[Booking], *,
                         for_school: bool = False) -> None:
    """The new slot must be bookable (the booking being moved does not count against the
    one-per-child rule). A family's booking must also still be cancellable; the school
    may move one at any time, into any bookable slot."""
    others = [b for b in existing_active_bookings_for_student if b.booking_id != booking.booking_id]
    if for_school:
        check_can_book(window, new_slot, now, others)
    if new_slot.id == booking.slot_id:
        raise StateConflict("same_slot", "the booking is already in this slot")
    if not for_school:
        check_can_cancel(window, booking.start_utc, now)
        check_can_book(window, new_slot, now, others)


def check_household_request(window: Window, student_ids: Sequence[str]) -> None:
    """One request for several children needs the per_household policy."""
    if len(set(student_ids)) != len(student_ids):
        raise InvalidRequest("duplicate_student", "a child appears twice in the request")
    if len(student_ids) > 1 and window.policy != "per_household":
        raise InvalidRequest("household_booking_not_allowed",
                          "this school books each child separately")


def reminder_due_at(booking_start_utc: datetime, hours_before: int = 24, *,
                    now: datetime | None = None) -> datetime | None:
    """When to remind the family. Without ``now``: start - hours_before. With ``now``:
    a due time already past becomes ``now`` (fire as soon as possible), and ``None``
    once the conference has started (a reminder after the start is useless)."""
    start = as_utc(booking_start_utc, "booking_start_utc")
    due = start - timedelta(hours=hours_before)
    if now is None:
        return due
    now = as_utc(now, "now")
    if now >= start:
        return None
    return max(due, now)


def follow_up_due_at(held_at_utc: datetime, days: int = 14) -> datetime:
    """Follow-up is due ``days`` x 24 h after the conference was held (UTC arithmetic)."""
    return as_utc(held_at_utc, "held_at_utc") + timedelta(days=days)


def families_to_nudge(invited_family_ids: Iterable[str], booked_family_ids: Iterable[str],
                      invited_at: datetime | Mapping[str, datetime], now: datetime,
                      after_days: int = 3, *, already_nudged: Iterable[str] = ()) -> list[str]:
    """Invited families with no booking ``after_days`` after their invitation, in
    invitation order, without duplicates or families already nudged. ``invited_at`` is
    one time for all or a map family_id -> time (families missing from it are skipped)."""
    now = as_utc(now, "now")
    skip = set(booked_family_ids) | set(already_nudged)
    out: list[str] = []
    for fid in invited_family_ids:
        sent = invited_at.get(fid) if isinstance(invited_at, Mapping) else invited_at
        if fid in skip or sent is None or fid in out:
            continue
        if now >= as_utc(sent, "invited_at") + timedelta(days=after_days):
            out.append(fid)
    return out


@dataclass(frozen=True)
class AgendaItem:
    booking_id: str
    slot_id: str
    start_utc: datetime
    end_utc: datetime
    local_start: str
    local_end: str
    student_id: str
    student_name: str
    status: str
    room: str | None
    modality: str | None
    interpreter_language: str | None
    private_talk: bool


def agenda(bookings: Iterable[Booking], slots: Iterable[Slot], day: date,
           tz: str | ZoneInfo) -> list[AgendaItem]:
    """A teacher's conferences on one local day (cancelled ones left out), by start."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    by_id = {s.id: s for s in slots}
    items = []
    for b in bookings:
        start = b.start_utc.astimezone(zone)
        if b.status == CANCELLED or start.date() != day:
            continue
        slot = by_id.get(b.slot_id)
        items.append(AgendaItem(
            booking_id=b.booking_id, slot_id=b.slot_id, start_utc=b.start_utc, end_utc=b.end_utc,
            local_start=f"{start:%H:%M}", local_end=f"{b.end_utc.astimezone(zone):%H:%M}",
            student_id=b.student_id, student_name=b.student_name, status=b.status,
            room=slot.room if slot else None, modality=slot.modality if slot else None,
            interpreter_language=b.interpreter_language, private_talk=b.private_talk))
    return sorted(items, key=lambda i: (i.start_utc, i.student_name))
