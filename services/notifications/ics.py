"""The .ics attached to booking, reschedule and cancel confirmations, built with the
scheduling service's iCalendar code from what the booking event carries.

A notice carries the calendar's inputs (`inputs`), and the e-mail lane builds the file
when it sends (`build`), with the school's name and time zone as they are then."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.scheduling.calendar import booking_ics
from services.scheduling.domain import BOOKED, CANCELLED, Booking, Slot, slot_id


def parse_time(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def for_booking(data: dict, *, school_name: str, teacher_name: str, student_first_name: str, tz: str,
                method: str = "REQUEST", sequence: int = 0, now: datetime | None = None,
                video_url: str | None = None, organizer_email: str | None = None, lang: str = "en") -> str:
    start, end = parse_time(data["start"]), parse_time(data["end"])
    local = start.astimezone(ZoneInfo(tz))
    booking = Booking(data["booking_id"], data["student_id"], data["teacher_id"], slot_id(data["teacher_id"], start),
                      start, end, status=CANCELLED if method == "CANCEL" else BOOKED, window_id=data["window_id"],
                      guardian_id=data["guardian_id"], student_name=student_first_name,
                      interpreter_language=data.get("interpreter_language"),
                      private_talk=data.get("private_talk", False))
    slot = Slot(data["teacher_id"], start, end, local.date(), f"{local:%H:%M}", local.hour >= 17, data.get("room"),
                data["modality"], video_link=video_url)
    return booking_ics(booking, slot, school_name, teacher_name, student_first_name, tz, method, sequence,
                       now=now, organizer_email=organizer_email, lang=lang).decode("utf-8")


BOOKING_FIELDS = ("booking_id", "student_id", "teacher_id", "window_id", "guardian_id", "start", "end", "modality",
                  "room", "interpreter_language", "private_talk")


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
