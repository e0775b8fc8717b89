"""iCalendar (RFC 5545 / iTIP RFC 5546) output for bookings and teacher feeds.

Times are written in UTC (``...Z``) so no VTIMEZONE is needed; the school's zone only
shapes the human-readable description. ``now`` (DTSTAMP) defaults to the current time.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from services.scheduling.domain import CANCELLED, Booking, Slot

PRODID = "-//Confer//Student-led conferences//EN"
METHODS = ("REQUEST", "CANCEL", "PUBLISH")


def booking_uid(booking_id: str) -> str:
    return f"{booking_id}@confer"


def booking_ics(booking: Booking, slot: Slot, school_name: str, teacher_name: str,
                student_first_name: str, tz: str | ZoneInfo, method: str = "REQUEST",
                sequence: int = 0, *, now: datetime | None = None,
                organizer_email: str | None = None) -> bytes:
    """One VEVENT for a family. ``method='CANCEL'`` (or a cancelled booking) gives
    METHOD:CANCEL with STATUS:CANCELLED; bump ``sequence`` on every change."""
    if booking.status == CANCELLED:
        method = "CANCEL"
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    cal = _calendar(method)
    cal.add_component(_event(booking, slot, school_name, teacher_name, student_first_name,
                             _zone(tz), sequence, now, organizer_email,
                             cancelled=method == "CANCEL"))
    return cal.to_ical()


def teacher_feed_ics(teacher_name: str, events: Iterable[tuple[Booking, Slot, str]], *,
                     school_name: str = "", tz: str | ZoneInfo = "UTC",
                     now: datetime | None = None) -> bytes:
    """A subscribable feed (METHOD:PUBLISH) of a teacher's conferences; ``events`` are
    (booking, slot, student_first_name). Cancelled bookings are left out of the feed."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", f"Conferences - {teacher_name}")
    zone = _zone(tz)
    for booking, slot, first_name in sorted(events, key=lambda e: e[1].start_utc):
        if booking.status != CANCELLED:
            cal.add_component(_event(booking, slot, school_name, teacher_name, first_name,
                                     zone, 0, now, None, cancelled=False))
    return cal.to_ical()


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def _event(booking: Booking, slot: Slot, school_name: str, teacher_name: str, first_name: str,
           zone: ZoneInfo, sequence: int, now: datetime | None, organizer_email: str | None,
           *, cancelled: bool) -> Event:
    ev = Event()
    ev.add("uid", booking_uid(booking.booking_id))
    ev.add("dtstamp", (now or datetime.now(timezone.utc)).astimezone(timezone.utc))
    ev.add("dtstart", slot.start_utc.astimezone(timezone.utc))
    ev.add("dtend", slot.end_utc.astimezone(timezone.utc))
    ev.add("sequence", sequence)
    ev.add("summary", f"Student-led conference: {first_name} with {teacher_name}")
    ev.add("location", _location(slot, school_name))
    if slot.modality == "video" and slot.video_link:
        ev.add("url", slot.video_link)
    ev.add("description", _description(booking, slot, school_name, teacher_name, first_name, zone))
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    if organizer_email:
        organizer = vCalAddress(f"mailto:{organizer_email}")
        organizer.params["cn"] = vText(school_name or teacher_name)
        ev.add("organizer", organizer)
    return ev


def _location(slot: Slot, school_name: str) -> str:
    if slot.modality == "video":
        return slot.video_link or "Video call"
    if slot.modality == "phone":
        return "Phone call"
    return ", ".join(p for p in (f"Room {slot.room}" if slot.room else "", school_name) if p)


def _description(booking: Booking, slot: Slot, school_name: str, teacher_name: str,
                 first_name: str, zone: ZoneInfo) -> str:
    start = slot.start_utc.astimezone(zone)
    lines = [f"{first_name} leads a goal-setting conference with {teacher_name}"
             + (f" at {school_name}." if school_name else "."),
             f"Local time: {start:%A %d %B %Y, %H:%M} ({zone.key})."]
    if booking.interpreter_language:
        lines.append(f"Interpreter requested: {booking.interpreter_language}.")
    if booking.private_talk:
        lines.append("A private word with the teacher follows the conference.")
    return "\n".join(lines)


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz
