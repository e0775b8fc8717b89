"""Pure notification rules: quiet hours and channel selection. No I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Any, Mapping
from zoneinfo import ZoneInfo

CHANNELS = frozenset({"email", "sms", "inapp"})
OPTIONAL_CHANNELS = frozenset({"email", "sms"})  # in-app is always on
DIGEST_EXEMPT_KINDS = frozenset({"teacher_digest"})  # the digest itself goes out as is


def _parse_hhmm(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except (AttributeError, ValueError) as exc:
        raise ValueError(f"expected 'HH:MM', got {value!r}") from exc


def next_allowed_time(now_utc: datetime, tz: str, quiet_start: str = "21:00",
                      quiet_end: str = "07:00") -> datetime:
    """When a message may be sent to someone living in ``tz`` (IANA), in UTC.

    If the recipient's wall clock at ``now_utc`` is inside [quiet_start, quiet_end)
    (which may wrap past midnight), returns the next ``quiet_end`` on their wall clock;
    otherwise ``now_utc``. Wall-clock arithmetic makes it DST-safe: on the night the
    clocks change, 21:00-07:00 lasts 9 or 11 hours, not 10. A ``quiet_end`` that falls
    in a spring-forward gap resolves to the instant just after the gap; one that occurs
    twice in the autumn resolves to its first occurrence that is still ahead.
    ``quiet_start == quiet_end`` disables quiet hours.
    """
    if now_utc.tzinfo is None or now_utc.utcoffset() is None:
        raise ValueError("now_utc must be timezone-aware")
    now_utc = now_utc.astimezone(timezone.utc)
    start, end = _parse_hhmm(quiet_start), _parse_hhmm(quiet_end)
    if start == end:
        return now_utc
    zone = ZoneInfo(tz)
    local = now_utc.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if start < end:
        inside, end_day = start <= wall < end, local.date()
    else:  # wraps midnight, e.g. 21:00-07:00
        inside = wall >= start or wall < end
        end_day = local.date() + timedelta(days=1) if wall >= start else local.date()
    if not inside:
        return now_utc
    for fold in (0, 1):
        candidate = datetime.combine(end_day, end, tzinfo=zone).replace(fold=fold)
        candidate_utc = candidate.astimezone(timezone.utc)
        if candidate_utc > now_utc:
            return candidate_utc
    return now_utc


@dataclass(frozen=True)
class Preferences:
    """A recipient's delivery preferences (the service maps its stored document here)."""

    role: str = "guardian"  # guardian | student | teacher | school_admin | district_admin
    has_email: bool = True
    has_phone: bool = False
    opted_out: frozenset = frozenset()  # channel names; "inapp" is ignored (always on)
    digest: bool = False  # teachers only: batch into a teacher_digest instead

    def __post_init__(self) -> None:
        unknown = set(self.opted_out) - CHANNELS
        if unknown:
            raise ValueError(f"unknown channels in opted_out: {sorted(unknown)}")
        object.__setattr__(self, "opted_out", frozenset(self.opted_out))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Preferences":
        fields = set(cls.__dataclass_fields__)
        unknown = set(data) - fields
        if unknown:
            raise ValueError(f"unknown preference fields: {sorted(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class ChannelPlan:
    channels: frozenset  # deliver now on these (always includes "inapp")
    digest: bool  # also add an item to the teacher's next digest


def channels_for(preferences: Preferences | Mapping[str, Any], kind: str) -> ChannelPlan:
    """Channels to deliver ``kind`` on now, and whether it goes to the digest instead.

    In-app is always on. Email needs an address and no opt-out; SMS needs a phone and no
    opt-out. A teacher who chose the digest gets only in-app now and the item in the
    digest, except for kinds in ``DIGEST_EXEMPT_KINDS``.
    """
    prefs = preferences if isinstance(preferences, Preferences) else Preferences.from_mapping(
        preferences)
    if prefs.digest and prefs.role == "teacher" and kind not in DIGEST_EXEMPT_KINDS:
        return ChannelPlan(frozenset({"inapp"}), True)
    chosen = {"inapp"}
    if prefs.has_email and "email" not in prefs.opted_out:
        chosen.add("email")
    if prefs.has_phone and "sms" not in prefs.opted_out:
        chosen.add("sms")
    return ChannelPlan(frozenset(chosen), False)


def next_digest_time(now_utc: datetime, tz: str, at: str = "16:00", quiet_start: str = "21:00",
                     quiet_end: str = "07:00") -> datetime:
    """The next ``at`` on the recipient's wall clock strictly after ``now_utc`` (UTC),
    moved out of quiet hours if ``at`` falls inside them."""
    if now_utc.tzinfo is None or now_utc.utcoffset() is None:
        raise ValueError("now_utc must be timezone-aware")
    zone = ZoneInfo(tz)
    local = now_utc.astimezone(zone)
    when = _parse_hhmm(at)
    for days in (0, 1, 2):  # 2: a DST gap can swallow tomorrow's time only once
        candidate = datetime.combine(local.date() + timedelta(days=days), when, tzinfo=zone).astimezone(timezone.utc)
        if candidate > now_utc:
            return next_allowed_time(candidate, tz, quiet_start, quiet_end)
    raise AssertionError("unreachable")
