"""The .ics attached to booking, reschedule and cancel confirmations (RFC 5545 / iTIP
RFC 5546), built here from what the booking event carries: notifications owns its
calendar files and knows nothing of scheduling's code or id formats.

A notice carries the calendar's inputs (`inputs`), and the e-mail lane builds the file
when it sends (`build`), with the school's name and time zone as they are then. Times
are written in the school's zone (``DTSTART;TZID=...`` with its VTIMEZONE); summary,
location and description are in the reader's language (this service's catalogues)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, get_timezone_name
from icalendar import Calendar, Event, vCalAddress, vText

from services.notifications.adapters.content import N_, ROOM, calendar_language, translate

PRODID = "-//Confer//Student-led conferences//EN"
METHODS = ("REQUEST", "CANCEL")
SUMMARY = N_("Student-led conference: %(student)s with %(teacher)s")
VIDEO_CALL, PHONE_CALL = N_("Video call"), N_("Phone call")
LEADS_AT = N_("%(student)s leads a goal-setting conference with %(teacher)s at %(school)s.")
LEADS = N_("%(student)s leads a goal-setting conference with %(teacher)s.")
LOCAL_TIME = N_("Local time: %(when)s.")
INTERPRETER = N_("Interpreter requested: %(language)s.")
PRIVATE_TALK = N_("A private word with the teacher follows the conference.")
BOOKING_FIELDS = ("booking_id", "student_id", "teacher_id", "window_id", "guardian_id", "start", "end", "modality",
                  "room", "interpreter_language", "private_talk")


def parse_time(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def booking_uid(booking_id: str) -> str:
    """Stable per booking, so a reschedule or cancel updates the same calendar entry."""
    return f"{booking_id}@confer"


def for_booking(data: dict, *, school_name: str, teacher_name: str, student_first_name: str, tz: str,
                method: str = "REQUEST", sequence: int = 0, now: datetime | None = None,
                video_url: str | None = None, organizer_email: str | None = None, lang: str = "en") -> str:
    """One VEVENT for a family from BookingData; ``method='CANCEL'`` gives STATUS:CANCELLED.
    Bump ``sequence`` on every change."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    lang, zone = calendar_language(lang), ZoneInfo(tz)
    start, end = parse_time(data["start"]).astimezone(zone), parse_time(data["end"]).astimezone(zone)
    words = {"student": student_first_name, "teacher": teacher_name, "school": school_name}
    ev = Event()
    ev.add("uid", booking_uid(data["booking_id"]))
    ev.add("dtstamp", (now or datetime.now(timezone.utc)).astimezone(timezone.utc))
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("sequence", sequence)
    ev.add("summary", translate(SUMMARY, lang) % words)
    ev.add("location", _location(data, school_name, video_url, lang))
    if data["modality"] == "video" and video_url:
        ev.add("url", video_url)
    ev.add("description", _description(data, words, start, zone, lang))
    ev.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    if organizer_email:
        organizer = vCalAddress(f"mailto:{organizer_email}")
        organizer.params["cn"] = vText(school_name or teacher_name)
        ev.add("organizer", organizer)
    cal = Calendar()
    for key, value in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"), ("method", method)):
        cal.add(key, value)
    cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical().decode("utf-8")


def _location(data: dict, school_name: str, video_url: str | None, lang: str) -> str:
    if data["modality"] == "video":
        return video_url or translate(VIDEO_CALL, lang)
    if data["modality"] == "phone":
        return translate(PHONE_CALL, lang)
    return ", ".join(p for p in (_room(data.get("room"), lang), school_name) if p)


def _room(room: str | None, lang: str) -> str:
    """"Room 14" for a bare number or code; a name already in words stays as it is."""
    text = (room or "").strip()
    if text and any(ch.isdigit() for ch in text) and len(text) <= 6 and " " not in text:
        return translate(ROOM, lang) % {"room": text}
    return text


def _description(data: dict, words: dict, start: datetime, zone: ZoneInfo, lang: str) -> str:
    locale = Locale.parse(lang)
    local = (f"{format_datetime(start, 'EEEE d MMMM y, HH:mm', locale=locale)} "
             f"({get_timezone_name(start, 'long', zone_variant='generic', locale=locale)}, {zone.key})")
    lines = [translate(LEADS_AT if words["school"] else LEADS, lang) % words,
             translate(LOCAL_TIME, lang) % {"when": local}]
    if data.get("interpreter_language"):
        lines.append(translate(INTERPRETER, lang) % {"language": _language_name(data["interpreter_language"], locale)})
    if data.get("private_talk"):
        lines.append(translate(PRIVATE_TALK, lang))
    return "\n".join(lines)


def _language_name(tag: str, locale: Locale) -> str:
    try:
        return Locale.parse(tag.replace("-", "_")).get_display_name(locale) or tag
    except (ValueError, UnknownLocaleError):  # a tag Babel cannot read is shown as given
        return tag


def inputs(data: dict, *, teacher_name: str, student_first_name: str, method: str = "REQUEST", sequence: int = 0,
           now: str | datetime | None = None, video_url: str | None = None) -> dict:
    """What `build` needs, storable as a document."""
    return {"data": {k: data.get(k) for k in BOOKING_FIELDS}, "teacher_name": teacher_name,
            "student_first_name": student_first_name, "method": method, "sequence": sequence,
            "now": now.isoformat() if isinstance(now, datetime) else now, "video_url": video_url}


def build(spec: dict, *, school_name: str, tz: str, lang: str = "en") -> str:
    """The .ics in the reader's language, as the school is now (at send time)."""
    return for_booking(spec["data"], school_name=school_name, teacher_name=spec["teacher_name"],
                       student_first_name=spec["student_first_name"], tz=tz, method=spec["method"],
                       sequence=spec["sequence"], now=parse_time(spec["now"]) if spec.get("now") else None,
                       video_url=spec.get("video_url"), lang=lang)
