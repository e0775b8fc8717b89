"""Reports in the school's time zone: a conference at 5 PM in Los Angeles on 16 December
is on the 16th in the report and the summary (it is already the 17th in UTC); one at
9 AM in Auckland on 17 December is on the 17th (the 16th in UTC). Check-in notes and
readable goal statuses are shown."""
from services.reports.domain.model import Period, build_model
from services.reports.adapters.rendering.html import render_conference_summary, render_html


def student(start: str, held: str | None = None, due: str | None = None) -> dict:
    return {
        "_id": "stu-1", "first_name": "Chloe", "last_name": "Park", "grade": "4",
        "goals": {"g1": {"id": "g1", "status": "agreed", "created_at": "2026-09-20T10:00:00.000000Z",
                         "statement": "I will read 20 minutes every night", "term": "short",
                         "checkins": {"c1": {"id": "c1", "date": "2026-12-10", "status": "on_track",
                                             "note": "Leí todas las noches esta semana."}}}},
        "conferences": {"b1": {"id": "b1", "state": "3held" if held else "1booked", "start": start,
                               **({"held_at": held} if held else {})}},
        "followups": {"b1": {"booking_id": "b1", "due_at": due, "cycle": "2027-winter"}} if due else {},
    }


def test_los_angeles_evening_conference_is_on_its_local_day_everywhere():
    doc = student("2026-12-17T01:00:00Z", held="2026-12-17T01:00:00Z", due="2026-12-31T01:00:00Z")
    model = build_model(doc, Period.parse("2026-12"), lang="en", time_zone="America/Los_Angeles")
    assert model["conference"]["date"] == "2026-12-16" and model["conference"]["followup_date"] == "2026-12-30"
    html = render_html(model)
    assert "Conference held: December 16, 2026" in html and "December 17" not in html
    summary = render_conference_summary(model)
    assert "December 16, 2026" in summary and "Follow-up date: December 30, 2026" in summary
    es = render_html(build_model(doc, Period.parse("2026-12"), lang="es", time_zone="America/Los_Angeles"))
    assert "16 de diciembre de 2026" in es and "17 de diciembre" not in es


def test_auckland_morning_conference_is_on_its_local_day():
    doc = student("2026-12-16T20:00:00Z")  # 09:00 on 17 December in Auckland (NZDT, +13)
    model = build_model(doc, Period.parse("2026-12"), lang="en", time_zone="Pacific/Auckland")
    assert model["conference"]["date"] == "2026-12-17"
    assert "Conference booked: December 17, 2026" in render_html(model)


def test_a_conference_late_on_the_last_evening_of_a_month_belongs_to_that_month():
    doc = student("2026-12-01T06:30:00Z")  # 30 November, 22:30 in Los Angeles
    november = build_model(doc, Period.parse("2026-11"), lang="en", time_zone="America/Los_Angeles")
    assert november["conference"]["date"] == "2026-11-30"


def test_checkin_notes_and_readable_statuses_are_in_the_report():
    model = build_model(student("2026-12-17T01:00:00Z"), Period.parse("2026-12"), lang="es",
                        time_zone="America/Los_Angeles")
    html = render_html(model)
    assert "Leí todas las noches esta semana." in html
    assert "<dd>En curso</dd>" in html and ">active<" not in html and ">activa<" not in html
    english = render_html(build_model(student("2026-12-17T01:00:00Z"), Period.parse("2026-12"), lang="en"))
    assert "<dd>In progress</dd>" in english
