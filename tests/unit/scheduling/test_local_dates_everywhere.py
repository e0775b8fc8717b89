"""Two schools at the edges of the day: an evening conference in Los Angeles (16 December,
5 PM: already the 17th in UTC) and a morning one in Auckland (17 December, 9 AM: still
the 16th in UTC). Every place a person reads the date shows the school's local date:
slots and the teacher's agenda, the family's e-mail (subject, which is also the SMS, and
text) in English and Spanish, the calendar file, the progress report and the conference
summary, and the portal's dates and notes."""
from datetime import date, datetime, time, timezone

import pytest
from icalendar import Calendar

from services.notifications.adapters.content import render
from services.reports.domain.model import Period, build_model
from services.reports.adapters.rendering.html import render_conference_summary, render_html
from services.scheduling.entrypoints.documents.ical import booking_ics
from services.scheduling.domain.model import Availability, Booking, TimeRange, Window, WindowDay
from services.scheduling.domain.policy import agenda
from services.scheduling.domain.slots import generate_slots

UTC = timezone.utc
SCHOOLS = [  # zone, local day, local start, the UTC instant, what the UTC date would wrongly say
    ("America/Los_Angeles", date(2026, 12, 16), time(17, 0), datetime(2026, 12, 17, 1, 0, tzinfo=UTC),
     ("December 17", "17 de diciembre")),
    ("Pacific/Auckland", date(2026, 12, 17), time(9, 0), datetime(2026, 12, 16, 20, 0, tzinfo=UTC),
     ("December 16", "16 de diciembre")),
]
LOCAL_WORDS = {date(2026, 12, 16): ("December 16, 2026", "16 de diciembre de 2026"),
               date(2026, 12, 17): ("December 17, 2026", "17 de diciembre de 2026")}


def _slot(zone, day, start):
    w = Window(school_id="s1", time_zone=zone, days=[WindowDay(day, start, time(start.hour + 1), evening=True)],
               slot_minutes=30, booking_opens_at=datetime(2026, 12, 1, tzinfo=UTC),
               booking_closes_at=datetime(2026, 12, 15, tzinfo=UTC))
    return generate_slots(w, Availability("t1", "14", {day: [TimeRange(start, time(start.hour + 1))]}))[0]


@pytest.mark.parametrize("zone, day, start, instant, wrong", SCHOOLS)
def test_the_local_date_everywhere(zone, day, start, instant, wrong):
    en_day, es_day = LOCAL_WORDS[day]
    slot = _slot(zone, day, start)
    assert (slot.start_utc, slot.local_date, slot.local_start) == (instant, day, f"{start:%H:%M}")
    booking = Booking("b1", "st1", "t1", slot.id, slot.start_utc, slot.end_utc, student_name="Chloe")
    [item] = agenda([booking], [slot], day, zone)
    assert item.local_start == f"{start:%H:%M}"
    assert agenda([booking], [slot], instant.date(), zone) == [] or instant.date() == day

    context = {"recipient_name": "Ana", "school_name": "Lincoln", "student_name": "Chloe", "teacher_name": "Ms. Lee",
               "starts_at": instant, "modality": "in_person", "room": "14", "duration_minutes": 30,
               "manage_url": "https://confer.test/b1", "form_url": "https://confer.test/f",
               "due_by": day, "booking_url": "https://confer.test/book"}
    for kind in ("booking_confirmation", "reminder", "cancel_confirmation", "parent_input_request"):
        for lang, words, bad in (("en", en_day, wrong[0]), ("es", es_day, wrong[1])):
            msg = render(kind, lang, context, zone)
            assert words.split(",")[0] in msg.text, (kind, lang, msg.text)
            assert bad not in msg.text and bad not in msg.subject, (kind, lang)
    subject = render("booking_confirmation", "es", context, zone).subject  # the SMS carries the subject
    assert es_day in subject

    ics = Calendar.from_ical(booking_ics(booking, slot, "Lincoln", "Ms. Lee", "Chloe", zone, lang="es"))
    [event] = ics.walk("VEVENT")
    assert event.decoded("dtstart").date() == day and str(event["dtstart"].params["TZID"]) == zone
    assert f"{day.day} diciembre 2026, {start:%H:%M}" in str(event["description"])

    doc = {"_id": "st1", "first_name": "Chloe", "last_name": "Park", "grade": "04", "goals": {},
           "conferences": {"b1": {"id": "b1", "state": "3held", "start": instant.isoformat(),
                                  "held_at": instant.isoformat()}}}
    for lang, words, bad in (("en", en_day, wrong[0]), ("es", es_day, wrong[1])):
        model = build_model(doc, Period.parse("2026-12"), lang=lang, time_zone=zone, booking=doc["conferences"]["b1"])
        for page in (render_html(model), render_conference_summary(model)):
            assert words in page and bad not in page


@pytest.mark.parametrize("zone, day, start, instant, wrong", SCHOOLS)
def test_portal_dates_and_notes_are_local(zone, day, start, instant, wrong):
    from services.portal import create_app
    from services.portal import i18n

    app = create_app({"secret_key": "x", "dev_login": False})
    for lang, words in (("en", LOCAL_WORDS[day][0]), ("es", LOCAL_WORDS[day][1])):
        with app.test_request_context("/", headers={"Accept-Language": lang}):
            shown = i18n.f_datetime(instant.isoformat(), zone)
            assert words in shown and wrong[0 if lang == "en" else 1] not in shown, shown
            assert "Time" in shown or "hora" in shown  # the zone is named
            note = i18n.f_when(instant.isoformat(), zone)  # a private note's time
            assert i18n.f_date(day, "medium") in note, note
