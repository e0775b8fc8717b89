"""Dashboard fact rows from students' compact facts (pure; no servers)."""
from services.reports.application.dashboard import summarize
from services.reports.application.facts import fact_row


def student(**facts):
    return {"_id": "s", "school_id": "sch-1", "grade": "4",
            "classes": {"c": {"class_id": "c", "teacher_ids": ["t-1"]}}, "facts": facts}


def test_fact_row_counts_one_student():
    row = fact_row(student(
        invitations_sent=2, families_invited=1, bookings={"b1": "2cancelled", "b2": "3held"},
        goals={"g1": {"status": "agreed", "last": "2026-11-12|c9|on_track"},
               "g2": {"status": "achieved", "last": "2026-10-01|c1|needs_support"},
               "g3": {"status": "draft"}, "g4": {"status": "submitted"}},
        followups={"b2": "2026-10-28T14:00:00.000000Z"}, last_checkin_at="2026-11-12T16:00:00.000000Z"))
    assert row["teacher_id"] == "t-1" and row["invitations_sent"] == 2
    assert (row["families_booked"], row["conferences_held"], row["no_shows"]) == (1, 1, 0)
    assert (row["goals_set"], row["goals_on_track"], row["goals_achieved"], row["goals_needs_support"]) == (3, 1, 1, 0)
    assert (row["followups_due"], row["followups_completed"]) == (1, 1)


def test_cancelled_only_is_not_booked_and_an_earlier_checkin_completes_nothing():
    row = fact_row(student(bookings={"b1": "2cancelled"}, followups={"b": "2026-10-28T14:00:00.000000Z"},
                           last_checkin_at="2026-10-28T13:59:59.000000Z"))
    assert row["families_booked"] == 0 and row["followups_completed"] == 0


def test_a_checkin_the_same_evening_completes_a_follow_up_due_that_afternoon():
    # 19:00 in Chicago is 01:00 UTC the next day: instants compare, not dates
    row = fact_row(student(followups={"b": "2026-10-28T20:00:00.000000Z"},
                           last_checkin_at="2026-10-29T01:00:00.000000Z"))
    assert row["followups_completed"] == 1
    empty = fact_row({"_id": "x"})
    assert empty["goals_set"] == 0 and empty["teacher_id"] is None


def test_rows_add_up_by_teacher():
    rows = [fact_row(student(families_invited=1, bookings={"b": "3no_show"})) for _ in range(3)]
    total = summarize(rows, by="teacher")["total"]
    assert (total["families_invited"], total["no_shows"], total["participation_rate"]) == (3, 3, 0.0)


def test_fact_row_names_the_households():
    row = fact_row(student(invited={"g-1": "g-1", "g-2": "g-2"}, bookings={"b1": "3held", "b2": "2cancelled"},
                           booking_guardians={"b1": "g-1", "b2": "g-2"},
                           followups={"b1": "2026-10-28T14:00:00.000000Z"}, last_checkin_at="2026-11-01T00:00:00.000000Z"))
    assert row["households_invited"] == {"g-1", "g-2"}
    assert row["households_booked"] == {"g-1"} and row["households_held"] == {"g-1"}
    assert row["households_followed_up"] == {"g-1"}
