"""Siblings back to back, private follow-up talk, snow day."""
from datetime import date, datetime, time, timedelta, timezone

from services.scheduling.domain import Availability, Booking, TimeRange, Window, WindowDay
from services.scheduling.slots import (
    generate_slots, move_day, plan_sibling_slots, private_followup_slot, shift_day,
)

UTC = timezone.utc
DAY, SNOW, MAKEUP = date(2026, 10, 20), date(2026, 10, 21), date(2026, 10, 27)


def window(**kw):
    kw.setdefault("slot_minutes", 20)
    return Window(school_id="s1", time_zone="America/Los_Angeles",
                  days=[WindowDay(d, time(15), time(18)) for d in (DAY, SNOW, MAKEUP)],
                  booking_opens_at=datetime(2026, 10, 1, tzinfo=UTC),
                  booking_closes_at=datetime(2026, 10, 30, tzinfo=UTC), **kw)


def free(w, *teachers):
    """teachers: (teacher_id, room, [(day, start_h, end_h), ...])"""
    out = {}
    for tid, room, spans in teachers:
        av = Availability(tid, room, {d: [TimeRange(time(*s), time(*e))] for d, s, e in spans})
        out[tid] = generate_slots(w, av)
    return out


def hhmm(slots):
    return [s.local_start for s in slots]


def test_siblings_same_room_get_consecutive_slots():
    w = window()
    f = free(w, ("a", "1", [(DAY, (15, 0), (17, 0))]), ("b", "1", [(DAY, (15, 0), (17, 0))]))
    plan = plan_sibling_slots([("s1", "a", "1"), ("s2", "b", "1")], f, w)
    assert hhmm(plan) == ["15:00", "15:20"] and [s.teacher_id for s in plan] == ["a", "b"]
    assert plan[1].start_utc == plan[0].end_utc


def test_siblings_with_the_same_teacher_never_share_a_slot():
    w = window()
    f = free(w, ("a", "1", [(DAY, (15, 0), (16, 0))]))
    plan = plan_sibling_slots([("twin1", "a", None), ("twin2", "a", None)], f, w)
    assert hhmm(plan) == ["15:00", "15:20"]


def test_room_change_needs_travel_gap():
    w = window(slot_minutes=15, travel_gap_minutes=5)
    f = free(w, ("a", "1", [(DAY, (15, 0), (17, 0))]), ("b", "2", [(DAY, (15, 0), (17, 0))]))
    plan = plan_sibling_slots([("s1", "a", "1"), ("s2", "b", "2")], f, w)
    # b's 15:15 slot is too soon after walking from room 1: 15:30 is the first that fits
    assert hhmm(plan) == ["15:00", "15:30"]
    assert plan[1].start_utc - plan[0].end_utc >= timedelta(minutes=5)


def test_no_travel_gap_for_video_conferences():
    w = window(slot_minutes=15, modality="video", video_link="https://meet.example/x")
    f = free(w, ("a", "1", [(DAY, (15, 0), (17, 0))]), ("b", "2", [(DAY, (15, 0), (17, 0))]))
    assert hhmm(plan_sibling_slots([("s1", "a", "1"), ("s2", "b", "2")], f, w)) == ["15:00", "15:15"]


def test_order_of_children_is_swapped_when_that_is_earlier():
    w = window()
    f = free(w, ("a", "1", [(DAY, (16, 0), (17, 0))]), ("b", "1", [(DAY, (15, 40), (16, 0))]))
    plan = plan_sibling_slots([("s1", "a", "1"), ("s2", "b", "1")], f, w)
    assert hhmm(plan) == ["16:00", "15:40"]  # result stays in request order


def test_idle_gap_over_limit_is_impossible():
    w = window(max_idle_minutes=15)
    f = free(w, ("a", "1", [(DAY, (15, 0), (15, 20))]), ("b", "1", [(DAY, (16, 0), (16, 20))]))
    assert plan_sibling_slots([("s1", "a", "1"), ("s2", "b", "1")], f, w) is None


def test_all_or_nothing_for_three_children():
    w = window()
    f = free(w, ("a", "1", [(DAY, (15, 0), (15, 40))]), ("b", "1", [(DAY, (15, 20), (16, 0))]),
             ("c", "1", [(SNOW, (15, 0), (16, 0))]))
    assert plan_sibling_slots([("x", "a", "1"), ("y", "b", "1"), ("z", "c", "1")], f, w) is None
    assert plan_sibling_slots([("x", "a", "1"), ("y", "b", "1")], f, w) is not None


def test_siblings_never_span_two_days_and_past_slots_are_skipped():
    w = window()
    f = free(w, ("a", "1", [(DAY, (15, 0), (16, 0)), (SNOW, (15, 0), (16, 0))]),
             ("b", "1", [(SNOW, (15, 0), (16, 0))]))
    now = datetime(2026, 10, 21, 22, 10, tzinfo=UTC)  # SNOW 15:10 local
    plan = plan_sibling_slots([("x", "a", "1"), ("y", "b", "1")], f, w, now=now)
    assert [(s.local_date, s.local_start) for s in plan] == [(SNOW, "15:20"), (SNOW, "15:40")]


def test_unknown_teacher_or_empty_request():
    w = window()
    assert plan_sibling_slots([("x", "nobody", None)], {}, w) is None
    assert plan_sibling_slots([], {}, w) == []


def test_private_followup_is_the_next_slot_of_the_same_teacher():
    w = window(buffer_minutes=5)
    slots = free(w, ("a", "1", [(DAY, (15, 0), (17, 0))]), ("b", "1", [(DAY, (15, 0), (17, 0))]))
    first, second = slots["a"][0], slots["a"][1]
    assert private_followup_slot(first, slots["a"][1:], buffer_minutes=5) == second
    assert private_followup_slot(first, slots["a"][2:], buffer_minutes=5) is None  # next one taken
    assert private_followup_slot(first, slots["b"], buffer_minutes=5) is None  # other teacher
    assert private_followup_slot(first, slots["a"][1:], buffer_minutes=0) is None


def _booking(bid, slot, student="st", status="booked"):
    return Booking(bid, student, slot.teacher_id, slot.id, slot.start_utc, slot.end_utc, status=status)


def test_snow_day_moves_to_same_local_time_or_releases():
    w = window()
    f = free(w, ("a", "1", [(SNOW, (15, 0), (16, 0)), (MAKEUP, (15, 0), (15, 40))]),
             ("b", "2", [(SNOW, (15, 0), (16, 0))]))
    on_snow = [s for s in f["a"] if s.local_date == SNOW]
    b1, b2 = _booking("b1", on_snow[0]), _booking("b2", on_snow[2])  # 15:00 and 15:40
    b3 = _booking("b3", f["b"][0])  # teacher b has nothing on the make-up day
    cancelled = _booking("b4", on_snow[1], status="cancelled")
    elsewhere = _booking("b5", free(w, ("a", "1", [(DAY, (15, 0), (15, 20))]))["a"][0])
    makeup_free = [s for s in f["a"] if s.local_date == MAKEUP]
    moved, released = shift_day(w, SNOW, MAKEUP, [b3, b2, b1, cancelled, elsewhere], makeup_free)
    assert [(b.booking_id, s.local_date, s.local_start) for b, s in moved] == [("b1", MAKEUP, "15:00")]
    assert [b.booking_id for b in released] == ["b3", "b2"]  # 15:40 has no slot on the make-up day
    assert moved[0][1].teacher_id == "a"


def test_snow_day_does_not_reuse_a_slot_already_taken():
    w = window()
    f = free(w, ("a", "1", [(SNOW, (15, 0), (15, 20)), (MAKEUP, (15, 0), (15, 40))]))
    snow_slot = f["a"][0]
    moved, released = shift_day(w, SNOW, MAKEUP, [_booking("b1", snow_slot)], f["a"][2:])
    assert moved == [] and [b.booking_id for b in released] == ["b1"]


def test_move_day_keeps_hours_and_breaks():
    w = window(breaks={SNOW: [TimeRange(time(16), time(16, 15))]})
    moved = move_day(w, SNOW, date(2026, 10, 28))
    assert [d.date for d in moved.days] == [DAY, MAKEUP, date(2026, 10, 28)]
    assert date(2026, 10, 28) in moved.breaks and SNOW not in moved.breaks
    assert moved.day(date(2026, 10, 28)).start == time(15)
