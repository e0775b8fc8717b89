"""Booking and cancel rules at their boundaries, timers, nudges, agenda, validation."""
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest

from services.scheduling.domain.model import (
    Availability, Booking, DomainError, TimeRange, Window, WindowDay,
)
from services.scheduling.domain.policy import (
    agenda, check_can_book, check_can_cancel, check_can_reschedule, check_household_request,
    families_to_nudge, follow_up_due_at, reminder_due_at, validate_availability, validate_window,
)
from services.scheduling.domain.slots import generate_slots

UTC = timezone.utc
DAY = date(2026, 10, 20)
OPENS, CLOSES = datetime(2026, 10, 5, 15, tzinfo=UTC), datetime(2026, 10, 19, 7, tzinfo=UTC)


def window(**kw):
    kw.setdefault("slot_minutes", 30)
    kw.setdefault("booking_opens_at", OPENS)
    kw.setdefault("booking_closes_at", CLOSES)
    return Window(school_id="s1", time_zone="America/Los_Angeles",
                  days=[WindowDay(DAY, time(15), time(17))], window_id="w1", **kw)


W = window()
SLOTS = generate_slots(W, Availability("t1", "12", {DAY: [TimeRange(time(15), time(17))]}))
SLOT = SLOTS[0]  # 2026-10-20 22:00Z


def booking(slot=SLOT, bid="b1", status="booked", window_id="w1", **kw):
    return Booking(bid, "st1", slot.teacher_id, slot.id, slot.start_utc, slot.end_utc,
                   status=status, window_id=window_id, **kw)


def code_of(fn, *args):
    with pytest.raises(DomainError) as exc:
        fn(*args)
    return exc.value.code


def test_booking_opens_inclusive_and_closes_exclusive():
    check_can_book(W, SLOT, OPENS, [])
    assert code_of(check_can_book, W, SLOT, OPENS - timedelta(seconds=1), []) == "booking_not_open"
    check_can_book(W, SLOT, CLOSES - timedelta(seconds=1), [])
    assert code_of(check_can_book, W, SLOT, CLOSES, []) == "booking_closed"


def test_slot_in_past_at_its_start():
    late = window(booking_closes_at=datetime(2026, 10, 21, tzinfo=UTC))
    check_can_book(late, SLOT, SLOT.start_utc - timedelta(seconds=1), [])
    assert code_of(check_can_book, late, SLOT, SLOT.start_utc, []) == "slot_in_past"


def test_one_active_conference_per_student_per_window():
    now = OPENS + timedelta(days=1)
    assert code_of(check_can_book, W, SLOTS[1], now, [booking()]) == "student_already_booked"
    assert code_of(check_can_book, W, SLOTS[1], now, [booking(status="held")]) == "student_already_booked"
    check_can_book(W, SLOTS[1], now, [booking(status="cancelled"), booking(status="no_show")])
    check_can_book(W, SLOTS[1], now, [booking(window_id="last-spring")])


def test_slot_not_in_window_and_naive_clock_rejected():
    other = generate_slots(window(), Availability("t1", "1", {DAY: [TimeRange(time(15), time(16))]}))[0]
    stray = replace(other, local_date=date(2026, 10, 22))
    assert code_of(check_can_book, W, stray, OPENS, []) == "slot_not_in_window"
    with pytest.raises(ValueError):
        check_can_book(W, SLOT, datetime(2026, 10, 6), [])


def test_cancel_allowed_until_cutoff_inclusive():
    start = SLOT.start_utc
    check_can_cancel(W, start, start - timedelta(hours=24))
    assert code_of(check_can_cancel, W, start, start - timedelta(hours=24) + timedelta(seconds=1)) \
        == "cancellation_cutoff_passed"
    assert code_of(check_can_cancel, W, start, start) == "conference_started"
    no_cutoff = window(cancellation_cutoff_hours=0)
    check_can_cancel(no_cutoff, start, start - timedelta(seconds=1))


def test_reschedule_ignores_the_booking_being_moved():
    now = OPENS + timedelta(days=1)
    mine = booking()
    check_can_reschedule(W, mine, SLOTS[2], now, [mine])
    assert code_of(check_can_reschedule, W, mine, SLOT, now, [mine]) == "same_slot"
    assert code_of(check_can_reschedule, W, mine, SLOTS[2], now, [mine, booking(bid="b2")]) \
        == "student_already_booked"
    too_late = SLOT.start_utc - timedelta(hours=2)
    assert code_of(check_can_reschedule, W, mine, SLOTS[2], too_late, [mine]) == "cancellation_cutoff_passed"


def test_household_request_depends_on_policy():
    check_household_request(window(policy="per_household"), ["a", "b"])
    check_household_request(W, ["a"])
    assert code_of(check_household_request, W, ["a", "b"]) == "household_booking_not_allowed"
    assert code_of(check_household_request, window(policy="per_household"), ["a", "a"]) == "duplicate_student"


def test_reminder_times():
    start = datetime(2026, 10, 20, 22, tzinfo=UTC)
    assert reminder_due_at(start) == datetime(2026, 10, 19, 22, tzinfo=UTC)
    assert reminder_due_at(start, hours_before=2) == datetime(2026, 10, 20, 20, tzinfo=UTC)
    early = datetime(2026, 10, 10, tzinfo=UTC)
    assert reminder_due_at(start, now=early) == datetime(2026, 10, 19, 22, tzinfo=UTC)
    late = start - timedelta(hours=3)  # booked 3 h ahead: remind right away
    assert reminder_due_at(start, now=late) == late
    assert reminder_due_at(start, now=start) is None


def test_follow_up_two_weeks_later_in_utc():
    held = datetime(2026, 10, 20, 22, 30, tzinfo=UTC)
    assert follow_up_due_at(held) == datetime(2026, 11, 3, 22, 30, tzinfo=UTC)
    assert follow_up_due_at(held, days=7).tzinfo == UTC


def test_families_to_nudge():
    invited = datetime(2026, 10, 5, 16, tzinfo=UTC)
    fams = ["f1", "f2", "f3", "f2"]
    assert families_to_nudge(fams, ["f2"], invited, invited + timedelta(days=3) - timedelta(seconds=1)) == []
    assert families_to_nudge(fams, ["f2"], invited, invited + timedelta(days=3)) == ["f1", "f3"]
    assert families_to_nudge(fams, [], invited, invited + timedelta(days=5), already_nudged=["f1"]) == ["f2", "f3"]
    per_family = {"f1": invited, "f3": invited + timedelta(days=2)}
    assert families_to_nudge(fams, [], per_family, invited + timedelta(days=4)) == ["f1"]


def test_agenda_for_one_local_day_ordered_with_requests():
    b2 = booking(SLOTS[2], "b2", student_name="Zoe", interpreter_language="es", private_talk=True)
    b1 = booking(SLOTS[0], "b1", student_name="Ana")
    gone = booking(SLOTS[1], "b3", status="cancelled", student_name="Cy")
    items = agenda([b2, gone, b1], SLOTS, DAY, "America/Los_Angeles")
    assert [(i.local_start, i.student_name) for i in items] == [("15:00", "Ana"), ("16:00", "Zoe")]
    assert (items[1].interpreter_language, items[1].private_talk, items[1].room) == ("es", True, "12")
    assert agenda([b1], SLOTS, date(2026, 10, 21), "America/Los_Angeles") == []  # 22:00Z is still the 20th locally


def test_validate_window_reports_each_field():
    bad = Window(school_id="", time_zone="Mars/Olympus", days=[WindowDay(DAY, time(17), time(15))],
                 slot_minutes=45, booking_opens_at=CLOSES, booking_closes_at=OPENS,
                 modality="video", buffer_minutes=-1, policy="per_class", auto_break_after=-2)
    errors = validate_window(bad)
    for key in ("school_id", "time_zone", "slot_minutes", "buffer_minutes", "video_link",
                "booking_closes_at", "days[0].end", "policy", "auto_break_after"):
        assert key in errors, key
    assert validate_window(W) == {}


def test_validate_availability_must_sit_inside_the_window():
    av = Availability("t1", "1", {DAY: [TimeRange(time(14), time(16))],
                                  date(2026, 10, 22): [TimeRange(time(15), time(16))]})
    errors = validate_availability(W, av)
    assert set(errors) == {f"ranges[{DAY}][0]", "ranges[2026-10-22][0]"}
