"""Scheduling entities, domain errors and window validation. Pure: no I/O.

The rules live next door: ``slots.py`` (slot generation, siblings, private talk,
snow day), ``policy.py`` (window validation, booking / cancel rules, timers, nudges,
agenda) and
``calendar.py`` (iCalendar output). All datetimes here are tz-aware UTC unless a
name says ``local``; local wall times are naive ``datetime.time`` values read in
the window's IANA time zone.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

SLOT_LENGTHS = (10, 15, 20, 30)
MODALITIES = ("in_person", "video", "phone")
POLICIES = ("per_student", "per_household")
BOOKED, HELD, NO_SHOW, CANCELLED = "booked", "held", "no_show", "cancelled"
DRAFT, OPEN = "draft", "open"  # a window's status: families book only while it is open
# A student may hold at most one of these per window (no-show / cancelled free them).
ACTIVE_STATUSES = frozenset({BOOKED, HELD})


INVALID, CONFLICT = "invalid", "conflict"


class DomainError(Exception):
    """A rule said no. ``code`` is stable and safe to show to clients; ``kind`` says why:
    the request itself is wrong (``INVALID``, 422) or it clashes with the current state
    (``CONFLICT``, 409). Rules raise one of the two subclasses, so each error's kind is
    written where the error is."""

    kind = CONFLICT

    def __init__(self, code: str, message: str = "", **details):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.details = details


class InvalidRequest(DomainError):
    """The request cannot succeed whatever the state (422)."""

    kind = INVALID


class StateConflict(DomainError):
    """The request clashes with the current state; it may succeed later or elsewhere (409)."""

    kind = CONFLICT


class InvalidWindow(InvalidRequest):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("invalid_window", "the conference window is not valid", errors=errors)
        self.errors = errors


@dataclass(frozen=True)
class TimeRange:
    """A local wall-clock range on one day, start inclusive, end exclusive."""
    start: time
    end: time


@dataclass(frozen=True)
class WindowDay:
    date: date
    start: time
    end: time
    evening: bool = False


@dataclass
class Window:
    school_id: str
    time_zone: str
    days: list[WindowDay]
    slot_minutes: int
    booking_opens_at: datetime
    booking_closes_at: datetime
    modality: str = "in_person"
    video_link: str | None = None
    buffer_minutes: int = 0
    cancellation_cutoff_hours: int = 24
    breaks: dict[date, list[TimeRange]] = field(default_factory=dict)
    auto_break_after: int | None = None
    policy: str = "per_student"
    travel_gap_minutes: int = 5
    max_idle_minutes: int = 15  # longest wait allowed between siblings' conferences
    window_id: str | None = None
    status: str = DRAFT

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def day(self, on: date) -> WindowDay | None:
        return next((d for d in self.days if d.date == on), None)


@dataclass
class Availability:
    """When one teacher can meet families: local ranges per window day."""
    teacher_id: str
    room: str | None
    ranges: dict[date, list[TimeRange]]
    breaks: dict[date, list[TimeRange]] = field(default_factory=dict)
    video_link: str | None = None  # overrides the window's link for this teacher


@dataclass(frozen=True)
class Slot:
    teacher_id: str
    start_utc: datetime
    end_utc: datetime
    local_date: date
    local_start: str  # 'HH:MM' in the school's zone
    evening: bool
    room: str | None
    modality: str
    local_end: str = ""
    video_link: str | None = None

    @property
    def id(self) -> str:
        return slot_id(self.teacher_id, self.start_utc)


@dataclass
class Booking:
    booking_id: str
    student_id: str
    teacher_id: str
    slot_id: str
    start_utc: datetime
    end_utc: datetime
    status: str = BOOKED
    window_id: str | None = None
    guardian_id: str | None = None
    student_name: str = ""
    interpreter_language: str | None = None
    private_talk: bool = False
    private_end_utc: datetime | None = None  # the end of the paired private word, if any

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def span(self) -> tuple[str, datetime, datetime]:
        """The time the booking takes from its family (through the private word)."""
        return self.booking_id, self.start_utc, self.private_end_utc or self.end_utc


def slot_id(teacher_id: str, start_utc: datetime) -> str:
    return f"{teacher_id}:{as_utc(start_utc):%Y%m%dT%H%MZ}"


def as_utc(value: datetime, name: str = "datetime") -> datetime:
    """Reject naive datetimes (a silent local-time bug) and normalise to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC)")
    return value.astimezone(timezone.utc)


def local_to_utc(on: date, at: time, tz: ZoneInfo, *, late: bool = False) -> datetime:
    """The UTC instant of a local wall time, DST-safe.

    A time that does not exist (skipped by spring forward) maps to the instant the
    clocks jump, i.e. the first existing local time after it. An ambiguous time (fall
    back) maps to its first occurrence, or its second when ``late`` (use ``late`` for
    the end of a range so the range covers the whole repeated hour).
    """
    naive = datetime.combine(on, at)
    candidates = {
        datetime.combine(on, at, tzinfo=tz).replace(fold=f).astimezone(timezone.utc)
        for f in (0, 1)
    }
    real = sorted(u for u in candidates if u.astimezone(tz).replace(tzinfo=None) == naive)
    if real:
        return real[-1] if late else real[0]
    lo, hi = min(candidates), max(candidates)  # the gap lies between the two readings
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(tz).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def local_range_to_utc(on: date, start: time, end: time, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The real (UTC) intervals during which the wall clock on ``on`` reads within
    [start, end). Usually one interval; on a fall-back night a range inside the repeated
    hour gives two (one per occurrence); a range inside a skipped hour gives none."""
    lo, hi = local_to_utc(on, start, tz), local_to_utc(on, end, tz, late=True)
    wall_start, wall_end = datetime.combine(on, start), datetime.combine(on, end)
    out: list[tuple[datetime, datetime]] = []
    for a, b, offset in _offset_segments(lo, hi, tz):
        s = max(a, (wall_start - offset).replace(tzinfo=timezone.utc))
        e = min(b, (wall_end - offset).replace(tzinfo=timezone.utc))
        if s < e:
            if out and out[-1][1] == s:
                s = out.pop()[0]
            out.append((s, e))
    return out


def _offset_segments(a: datetime, b: datetime, tz: ZoneInfo):
    """Split [a, b) where the zone's UTC offset changes (found by bisection, to the second)."""
    while a < b:
        offset = a.astimezone(tz).utcoffset()
        if (b - timedelta(seconds=1)).astimezone(tz).utcoffset() == offset:
            yield a, b, offset
            return
        lo, hi = 0, int((b - a).total_seconds())  # offset(a + lo) == offset != offset(a + hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if (a + timedelta(seconds=mid)).astimezone(tz).utcoffset() == offset:
                lo = mid
            else:
                hi = mid
        yield a, a + timedelta(seconds=hi), offset
        a = a + timedelta(seconds=hi)
