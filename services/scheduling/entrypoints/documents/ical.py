"""iCalendar (RFC 5545 / iTIP RFC 5546) output for bookings and teacher feeds.

Times are written in the school's zone (``DTSTART;TZID=America/Los_Angeles:...`` with
its VTIMEZONE), so a calendar shows the conference at the school's wall-clock time and
names the zone. Summary, location and description are in the reader's language (en,
es: ``translations/<lang>``), dates by Babel. ``now`` (DTSTAMP) defaults to the current time.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, get_timezone_name
from icalendar import Calendar, Event, vCalAddress, vText

from services.scheduling.domain.model import CANCELLED, Booking, Slot
from services.scheduling.entrypoints.documents.texts import pick, translations

PRODID = "-//Confer//Student-led conferences//EN"
METHODS = ("REQUEST", "CANCEL", "PUBLISH")


def booking_uid(booking_id: str) -> str:
    return f"{booking_id}@confer"


def booking_ics(booking: Booking, slot: Slot, school_name: str, teacher_name: str,
                student_first_name: str, tz: str | ZoneInfo, method: str = "REQUEST",
                sequence: int = 0, *, now: datetime | None = None,
                organizer_email: str | None = None, lang: str = "en") -> bytes:
    """One VEVENT for a family. ``method='CANCEL'`` (or a cancelled booking) gives
    METHOD:CANCEL with STATUS:CANCELLED; bump ``sequence`` on every change."""
    if booking.status == CANCELLED:
        method = "CANCEL"
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    cal = _calendar(method)
    cal.add_component(_event(booking, slot, school_name, teacher_name, student_first_name,
                             _zone(tz), sequence, now, organizer_email,
                             cancelled=method == "CANCEL", lang=pick(lang)))
    cal.add_missing_timezones()
    return cal.to_ical()


def teacher_feed_ics(teacher_name: str, events: Iterable[tuple[Booking, Slot, str]], *,
                     school_name: str = "", tz: str | ZoneInfo = "UTC",
                     now: datetime | None = None, lang: str = "en") -> bytes:
    """A subscribable feed (METHOD:PUBLISH) of a teacher's conferences; ``events`` are
    (booking, slot, student_first_name). Cancelled bookings are left out of the feed."""
    lang = pick(lang)
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", _("Conferences - %(teacher)s", lang) % {"teacher": teacher_name})
    zone = _zone(tz)
    for booking, slot, first_name in sorted(events, key=lambda e: e[1].start_utc):
        if booking.status != CANCELLED:
            cal.add_component(_event(booking, slot, school_name, teacher_name, first_name,
                                     zone, 0, now, None, cancelled=False, lang=lang))
    cal.add_missing_timezones()
    return cal.to_ical()


def _(msgid: str, lang: str) -> str:
    return translations(lang).gettext(msgid)


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def _event(booking: Booking, slot: Slot, school_name: str, teacher_name: str, first_name: str,
           zone: ZoneInfo, sequence: int, now: datetime | None, organizer_email: str | None,
           *, cancelled: bool, lang: str = "en") -> Event:
    ev = Event()
    ev.add("uid", booking_uid(booking.booking_id))
    ev.add("dtstamp", (now or datetime.now(timezone.utc)).astimezone(timezone.utc))
    ev.add("dtstart", slot.start_utc.astimezone(zone))
    ev.add("dtend", slot.end_utc.astimezone(zone))
    ev.add("sequence", sequence)
    ev.add("summary", _("Student-led conference: %(student)s with %(teacher)s", lang)
           % {"student": first_name, "teacher": teacher_name})
    ev.add("location", _location(slot, school_name, lang))
    if slot.modality == "video" and slot.video_link:
        ev.add("url", slot.video_link)
    ev.add("description", _description(booking, slot, school_name, teacher_name, first_name, zone, lang))
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    if organizer_email:
        organizer = vCalAddress(f"mailto:{organizer_email}")
        organizer.params["cn"] = vText(school_name or teacher_name)
        ev.add("organizer", organizer)
    return ev


def room_words(room: str | None, lang: str = "en") -> str:
    """"Room 14" for a bare number or code, the name itself when it is already words
    ("Library", "Room 14"): never "Room Room 14"."""
    text = (room or "").strip()
    if text and any(ch.isdigit() for ch in text) and len(text) <= 6 and " " not in text:
        return _("Room %(room)s", lang) % {"room": text}
    return text


def _location(slot: Slot, school_name: str, lang: str = "en") -> str:
    if slot.modality == "video":
        return slot.video_link or _("Video call", lang)
    if slot.modality == "phone":
        return _("Phone call", lang)
    return ", ".join(p for p in (room_words(slot.room, lang), school_name) if p)


def _description(booking: Booking, slot: Slot, school_name: str, teacher_name: str,
                 first_name: str, zone: ZoneInfo, lang: str = "en") -> str:
    start = slot.start_utc.astimezone(zone)
    locale = Locale.parse(lang)
    local = (f"{format_datetime(start, 'EEEE d MMMM y, HH:mm', locale=locale)} "
             f"({get_timezone_name(start, 'long', zone_variant='generic', locale=locale)}, {zone.key})")
    args = {"student": first_name, "teacher": teacher_name, "school": school_name}
    lines = [(_("%(student)s leads a goal-setting conference with %(teacher)s at %(school)s.", lang) if school_name
              else _("%(student)s leads a goal-setting conference with %(teacher)s.", lang)) % args,
             _("Local time: %(when)s.", lang) % {"when": local}]
    if booking.interpreter_language:
        language = Locale.parse(booking.interpreter_language.replace("-", "_")).get_display_name(locale) \
            if _known(booking.interpreter_language) else booking.interpreter_language
        lines.append(_("Interpreter requested: %(language)s.", lang) % {"language": language})
    if booking.private_talk:
        lines.append(_("A private word with the teacher follows the conference.", lang))
    return "\n".join(lines)


def _known(tag: str) -> bool:
    try:
        Locale.parse(tag.replace("-", "_"))
        return True
    except Exception:  # noqa: BLE001 - any tag Babel cannot read is shown as given
        return False


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz
