"""The rules of request windows (pure): the window's mode and deadline, when a family may
ask or book, what a valid request is, the problem built from stored requests (booked
slots taken out, the school's marks, pins of requested children only) and the nearest
free times offered to a family left out."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from services.scheduling.domain.assignment import Child, Pin, solve
from services.scheduling.domain.assignment.requests import (
    FIRST_COME, REQUESTS, REQUESTS_THEN_FIRST_COME, Request, booked_as_breaks, build_problem, check_first_come_open,
    check_requests_open, nearest_free, validate_mode, validate_request,
)
from services.scheduling.domain.model import Availability, StateConflict, TimeRange, Window, WindowDay
from services.scheduling.domain.slots import generate_slots

UTC = timezone.utc
DAY1, DAY2 = date(2026, 10, 20), date(2026, 10, 21)
OPENS, CLOSES = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 19, tzinfo=UTC)


def window(**kw) -> Window:
    return Window(school_id="s-1", time_zone="America/Chicago",
                  days=[WindowDay(DAY1, time(15), time(18)), WindowDay(DAY2, time(16), time(20), evening=True)],
                  slot_minutes=20, booking_opens_at=OPENS, booking_closes_at=CLOSES, **kw)


def teacher(tid: str, room: str) -> Availability:
    return Availability(tid, room, {DAY1: [TimeRange(time(15), time(18))], DAY2: [TimeRange(time(16), time(20))]})


def r(start: str, end: str) -> TimeRange:
    return TimeRange(time.fromisoformat(start), time.fromisoformat(end))


# -- the window's mode ------------------------------------------------------------------
def test_first_come_needs_no_deadline_and_refuses_one():
    assert validate_mode(window(), FIRST_COME, None) == {}
    assert validate_mode(window(), FIRST_COME, OPENS + timedelta(days=1)) == {
        "requests_deadline": ["only a request window has a deadline for requests"]}


@pytest.mark.parametrize("mode", [REQUESTS, REQUESTS_THEN_FIRST_COME])
def test_a_request_window_needs_a_deadline_while_booking_is_open_and_before_the_first_day(mode):
    assert validate_mode(window(), mode, None) == {"requests_deadline": ["a request window needs a deadline for requests"]}
    assert validate_mode(window(), mode, datetime(2026, 10, 10, tzinfo=UTC)) == {}
    assert validate_mode(window(), mode, OPENS) == {"requests_deadline": ["must be after booking opens"]}
    # 15:00 in Chicago on the first day is 20:00 UTC; booking closes on the 19th
    assert validate_mode(window(), mode, datetime(2026, 10, 20, 20, 0, tzinfo=UTC))["requests_deadline"] == [
        "must be before the first conference day starts", "must be before booking closes"]
    assert validate_mode(window(), mode, CLOSES) == {"requests_deadline": ["must be before booking closes"]}


def test_an_unknown_mode_is_named():
    assert validate_mode(window(), "lottery", None) == {
        "booking_mode": ["must be one of first_come, requests, requests_then_first_come"]}


def test_requests_are_taken_in_an_open_request_window_until_the_deadline():
    deadline = datetime(2026, 10, 10, tzinfo=UTC)
    check_requests_open(REQUESTS, deadline, deadline - timedelta(seconds=1), window_open=True)
    with pytest.raises(StateConflict) as closed:
        check_requests_open(REQUESTS, deadline, deadline, window_open=True)
    assert closed.value.code == "requests_closed"
    with pytest.raises(StateConflict) as draft:
        check_requests_open(REQUESTS, deadline, OPENS, window_open=False)
    assert draft.value.code == "window_not_open"
    with pytest.raises(StateConflict) as booking:
        check_requests_open(FIRST_COME, None, OPENS, window_open=True)
    assert booking.value.code == "not_a_request_window"


def test_first_come_booking_in_a_request_window_waits_for_its_opening():
    check_first_come_open(FIRST_COME, False)
    check_first_come_open(REQUESTS_THEN_FIRST_COME, True)
    for mode in (REQUESTS, REQUESTS_THEN_FIRST_COME):
        with pytest.raises(StateConflict) as refused:
            check_first_come_open(mode, False)
        assert refused.value.code == "requests_only"


# -- a family's request -----------------------------------------------------------------
def test_a_valid_request_has_no_errors():
    assert validate_request(window(), ["st-1", "st-2"], [(DAY1, r("15:00", "16:00")), (DAY2, r("18:00", "20:00"))],
                            [(DAY2, r("18:00", "19:00"))], "video") == {}


def test_each_mistake_is_named_by_its_field():
    errors = validate_request(window(), ["st-1", "st-1"],
                              [(date(2026, 10, 25), r("15:00", "16:00")), (DAY1, r("16:00", "15:00")),
                               (DAY1, r("19:00", "20:00"))],
                              [(DAY2, r("18:00", "19:00")), (DAY1, r("15:30", "15:00"))], "carrier_pigeon")
    assert errors == {
        "students": ["a child is named twice"],
        "modality": ["must be one of in_person, video, phone"],
        "ranges.0.date": ["2026-10-25 is not a day of this window"],
        "ranges.1.end": ["must be after the start"],
        "ranges.2": ["is outside the conference hours of 2026-10-20 (15:00-18:00)"],
        "preferred.0": ["must lie inside one of the times you can come"],
        "preferred.1.end": ["must be after the start"],
    }
    assert validate_request(window(), [], [], [], "phone") == {
        "students": ["name at least one child"], "ranges": ["give at least one time you can come"]}


# -- the problem from what is stored ------------------------------------------------------
def test_booked_slots_are_not_handed_out_again():
    w, t1 = window(), teacher("t-1", "101")
    taken = [s for s in generate_slots(w, t1) if s.local_date == DAY1 and s.local_start in ("15:00", "15:20")]
    [free] = booked_as_breaks(w, [t1], taken)
    left = {s.id for s in generate_slots(w, free)}
    assert not left & {s.id for s in taken} and len(left) == len(generate_slots(w, t1)) - 2
    asking = Request("g-1", (Child("st-1", "t-1"),), {DAY1: [r("15:00", "15:40")]})
    result = solve(build_problem(w, [t1], [asking], {}, taken=taken), stage_seconds=5)
    assert result.conferences == []
    assert [(u.family_id, u.reason) for u in result.unassigned] == [("g-1", "no_overlap_with_free_time")]


def test_the_schools_mark_serves_a_family_first_and_pins_of_others_are_dropped():
    w, t1 = window(), teacher("t-1", "101")
    one_time = {DAY1: [r("15:00", "15:20")]}
    a = Request("g-a", (Child("st-3", "t-1"),), one_time)
    b = Request("g-b", (Child("st-3", "t-1"),), one_time)
    slot = generate_slots(w, t1)[0].id
    problem = build_problem(w, [t1], [a, b], {"g-b": 1}, pins=[Pin("st-9", slot)])
    assert [f.family_id for f in problem.families] == ["g-a", "g-b"]
    assert [f.priority for f in problem.families] == [0, 1] and problem.pins == []
    result = solve(problem, stage_seconds=5)
    assert [c.family_id for c in result.conferences] == ["g-b"]
    assert [(u.family_id, u.reason) for u in result.unassigned] == [("g-a", "teacher_full")]


# -- times offered ---------------------------------------------------------------------
def test_the_nearest_free_times_come_first_inside_the_familys_times_then_by_distance():
    w = window()
    slots = generate_slots(w, teacher("t-1", "101"))
    free = {DAY1: [r("16:00", "16:40")]}
    now = datetime(2026, 10, 12, tzinfo=UTC)
    offered = nearest_free(w, free, slots, now, limit=4)
    assert [(s.local_date, s.local_start) for s in offered] == [
        (DAY1, "16:00"), (DAY1, "16:20"), (DAY1, "15:40"), (DAY1, "16:40")]
    later = nearest_free(w, free, slots, datetime(2026, 10, 20, 21, 30, tzinfo=UTC), limit=2)
    assert [(s.local_date, s.local_start) for s in later] == [(DAY1, "16:40"), (DAY1, "17:00")]  # none started
