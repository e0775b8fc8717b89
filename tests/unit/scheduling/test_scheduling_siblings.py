"""Siblings back to back, private follow-up talk, snow day."""
from datetime import date, datetime, time, timedelta, timezone

from services.scheduling.domain.model import Availability, Booking, TimeRange, Window, WindowDay
from services.scheduling.domain.slots import (
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


# -- the grids schools use: 10, 15, 20 and 30 minutes, one room or two ------------------
import pytest  # noqa: E402

from services.scheduling.domain.policy import check_family_free, cycle_for  # noqa: E402
from services.scheduling.domain.model import DomainError  # noqa: E402
from services.scheduling.domain.slots import sibling_shortfall, walk_minutes  # noqa: E402


@pytest.mark.parametrize("minutes", [10, 15, 20, 30])
@pytest.mark.parametrize("rooms", [("14", "14"), ("14", "22")])
def test_siblings_fit_every_common_grid_with_the_default_settings(minutes, rooms):
    """Default travel gap (5) and longest wait (15); every slot free: the children are
    seen one after the other, the second within the longest wait."""
    w = window(slot_minutes=minutes)
    f = free(w, ("a", rooms[0], [(DAY, (15, 0), (18, 0))]), ("b", rooms[1], [(DAY, (15, 0), (18, 0))]))
    plan = plan_sibling_slots([("s1", "a", None), ("s2", "b", None)], f, w)
    assert plan is not None, f"{minutes}-minute grid, rooms {rooms}"
    first, second = sorted(plan, key=lambda s: s.start_utc)
    gap = second.start_utc - first.end_utc
    assert first.local_start == "15:00"
    assert timedelta(0) <= gap <= timedelta(minutes=w.travel_gap_minutes + w.max_idle_minutes)
    if rooms[0] == rooms[1] or minutes >= 20:
        assert gap == timedelta(0), "the very next slot counts as back to back"
    else:
        assert gap >= timedelta(minutes=5), "a 5-minute walk does not fit into a 10- or 15-minute slot"


@pytest.mark.parametrize("minutes", [10, 15, 20, 30])
def test_three_children_on_every_grid_in_two_rooms(minutes):
    w = window(slot_minutes=minutes)
    f = free(w, ("a", "1", [(DAY, (15, 0), (18, 0))]), ("b", "2", [(DAY, (15, 0), (18, 0))]),
             ("c", "1", [(DAY, (15, 0), (18, 0))]))
    plan = plan_sibling_slots([("x", "a", None), ("y", "b", None), ("z", "c", None)], f, w)
    assert plan is not None and len({s.id for s in plan}) == 3


def test_thirty_minute_grid_in_two_rooms_was_impossible_with_the_old_rule():
    """The rule the issue reported: next slot 5..20 minutes after the end, which a
    30-minute grid without gaps never offers. Now the adjacent slot is back to back."""
    w = window(slot_minutes=30)
    f = free(w, ("a", "14", [(DAY, (15, 0), (17, 0))]), ("b", "22", [(DAY, (15, 0), (17, 0))]))
    plan = plan_sibling_slots([("s1", "a", None), ("s2", "b", None)], f, w)
    assert hhmm(plan) == ["15:00", "15:30"]


def test_walk_that_does_not_fit_the_slot_needs_a_later_slot():
    w = window(slot_minutes=30, travel_gap_minutes=10)
    assert walk_minutes(w, "1", "2") == 10 and walk_minutes(w, "1", "1") == 0
    f = free(w, ("a", "1", [(DAY, (15, 0), (17, 0))]), ("b", "2", [(DAY, (15, 0), (17, 0))]))
    plan = plan_sibling_slots([("s1", "a", None), ("s2", "b", None)], f, w)
    assert plan is None  # 10-minute walk: 15:30 too soon, 16:00 beyond 10 + 15
    assert plan_sibling_slots([("s1", "a", None), ("s2", "b", None)], f,
                              window(slot_minutes=30, travel_gap_minutes=10, max_idle_minutes=20)) is not None


def test_fails_only_when_no_fitting_slots_exist_and_says_why():
    w = window(slot_minutes=30)
    f = free(w, ("a", "1", [(DAY, (15, 0), (15, 30))]), ("b", "2", [(DAY, (17, 0), (17, 30))]))
    requests = [("s1", "a", None), ("s2", "b", None)]
    assert plan_sibling_slots(requests, f, w) is None
    assert sibling_shortfall(requests, f) == []  # both have slots: too far apart
    assert sibling_shortfall(requests, {"a": f["a"], "b": []}) == ["s2"]  # b is full


def test_a_guardian_is_never_in_two_places_at_once():
    at = datetime(2026, 10, 20, 22, 0, tzinfo=UTC)
    half = timedelta(minutes=30)
    with pytest.raises(DomainError) as err:
        check_family_free([("new", at, at + half)], [("old", at + timedelta(minutes=15), at + 2 * half)])
    assert err.value.code == "family_busy" and err.value.details["booking_id"] == "old"
    with pytest.raises(DomainError):  # two children of one request at the same time
        check_family_free([("x", at, at + half), ("y", at, at + half)], [])
    check_family_free([("x", at, at + half), ("y", at + half, at + 2 * half)], [("z", at - half, at)])
    check_family_free([("x", at, at + half)], [("x", at, at + half)])  # a booking does not clash with itself


@pytest.mark.parametrize("day, cycle", [
    (date(2026, 9, 14), "2026-fall"), (date(2026, 11, 30), "2026-fall"), (date(2026, 12, 16), "2027-winter"),
    (date(2027, 1, 12), "2027-winter"), (date(2027, 3, 3), "2027-spring"), (date(2027, 6, 20), "2027-summer"),
])
def test_cycle_of_a_window_follows_its_first_day(day, cycle):
    assert cycle_for(day) == cycle
