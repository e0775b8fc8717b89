"""iCalendar output parses back and carries the right fields."""
from datetime import date, datetime, time, timezone

from icalendar import Calendar

from services.scheduling.entrypoints.documents.ical import booking_ics, teacher_feed_ics
from services.scheduling.domain.model import Availability, Booking, TimeRange, Window, WindowDay
from services.scheduling.domain.slots import generate_slots

UTC = timezone.utc
DAY = date(2026, 11, 3)
NOW = datetime(2026, 10, 10, 12, tzinfo=UTC)


def slots(modality="in_person", link=None):
    w = Window(school_id="s1", time_zone="America/Los_Angeles", days=[WindowDay(DAY, time(15), time(16))],
               slot_minutes=30, booking_opens_at=datetime(2026, 10, 1, tzinfo=UTC),
               booking_closes_at=datetime(2026, 11, 2, tzinfo=UTC), modality=modality, video_link=link)
    return generate_slots(w, Availability("t1", "B12", {DAY: [TimeRange(time(15), time(16))]}))


def booking(slot, bid="bk-1", status="booked", **kw):
    return Booking(bid, "st1", "t1", slot.id, slot.start_utc, slot.end_utc, status=status, **kw)


def parse(raw):
    assert isinstance(raw, bytes)
    return Calendar.from_ical(raw)


def test_request_round_trip():
    s = slots()[0]
    cal = parse(booking_ics(booking(s, interpreter_language="es"), s, "Lincoln Elementary, North",
                            "Ms. Rivera", "Maya", "America/Los_Angeles", now=NOW))
    assert str(cal["method"]) == "REQUEST"
    [ev] = cal.walk("VEVENT")
    assert str(ev["uid"]) == "bk-1@confer"
    assert ev.decoded("dtstart") == datetime(2026, 11, 3, 23, 0, tzinfo=UTC)  # 15:00 PST
    assert ev.decoded("dtend") == datetime(2026, 11, 3, 23, 30, tzinfo=UTC)
    # in the school's zone, which the file names and defines
    assert b"DTSTART;TZID=America/Los_Angeles:20261103T150000" in ev.to_ical()
    assert [str(z["tzid"]) for z in cal.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    assert str(ev["summary"]) == "Student-led conference: Maya with Ms. Rivera"
    assert str(ev["location"]) == "Room B12, Lincoln Elementary, North"
    assert str(ev["status"]) == "CONFIRMED" and int(ev["sequence"]) == 0
    description = str(ev["description"])
    assert "Tuesday 3 November 2026, 15:00 (Pacific Time, America/Los_Angeles)" in description
    assert "Interpreter requested: Spanish" in description


def test_calendar_file_in_spanish():
    s = slots()[0]
    cal = parse(booking_ics(booking(s, interpreter_language="vi", private_talk=True), s, "Lincoln", "Ms. Rivera",
                            "Maya", "America/Los_Angeles", now=NOW, lang="es"))
    [ev] = cal.walk("VEVENT")
    assert str(ev["summary"]) == "Conferencia dirigida por Maya con Ms. Rivera"
    assert str(ev["location"]) == "Aula B12, Lincoln"
    text = str(ev["description"])
    assert "martes 3 noviembre 2026, 15:00 (hora del Pacífico, America/Los_Angeles)" in text
    assert "Intérprete solicitado: vietnamita" in text and "conversación en privado" in text


def test_cancel_keeps_uid_and_bumps_sequence():
    s = slots()[0]
    raw = booking_ics(booking(s), s, "Lincoln", "Ms. Rivera", "Maya", "America/Los_Angeles",
                      method="CANCEL", sequence=2, now=NOW)
    cal = parse(raw)
    [ev] = cal.walk("VEVENT")
    assert str(cal["method"]) == "CANCEL" and str(ev["status"]) == "CANCELLED"
    assert str(ev["uid"]) == "bk-1@confer" and int(ev["sequence"]) == 2
    cancelled = parse(booking_ics(booking(s, status="cancelled"), s, "Lincoln", "Ms. Rivera", "Maya",
                                  "America/Los_Angeles", now=NOW))
    assert str(cancelled["method"]) == "CANCEL"


def test_video_location_is_the_link():
    s = slots("video", "https://meet.example/rivera")[0]
    [ev] = parse(booking_ics(booking(s), s, "Lincoln", "Ms. Rivera", "Maya", "America/Los_Angeles",
                             now=NOW, organizer_email="office@lincoln.example")).walk("VEVENT")
    assert str(ev["location"]) == "https://meet.example/rivera"
    assert str(ev["url"]) == "https://meet.example/rivera"
    assert str(ev["organizer"]) == "mailto:office@lincoln.example"


def test_teacher_feed_has_one_event_per_live_booking():
    a, b = slots()
    events = [(booking(b, "bk-2"), b, "Leo"), (booking(a, "bk-1"), a, "Maya"),
              (booking(a, "bk-3", status="cancelled"), a, "Old")]
    cal = parse(teacher_feed_ics("Ms. Rivera", events, school_name="Lincoln", tz="America/Los_Angeles", now=NOW))
    vevents = cal.walk("VEVENT")
    assert [str(e["uid"]) for e in vevents] == ["bk-1@confer", "bk-2@confer"]
    assert str(cal["method"]) == "PUBLISH" and "Ms. Rivera" in str(cal["x-wr-calname"])
