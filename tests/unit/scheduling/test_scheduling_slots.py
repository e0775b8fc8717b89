"""Slot generation: lengths, buffer, breaks, auto break, DST days, other zones."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from services.scheduling.domain.model import (
    Availability, InvalidWindow, TimeRange, Window, WindowDay, local_range_to_utc, local_to_utc,
    slot_id,
)
from services.scheduling.domain.slots import generate_slots

UTC = timezone.utc
DAY = date(2026, 10, 20)
FALL_BACK, SPRING_FORWARD = date(2026, 11, 1), date(2026, 3, 8)


def window(days, tz="America/Los_Angeles", **kw):
    kw.setdefault("slot_minutes", 30)
    return Window(school_id="s1", time_zone=tz, days=days,
                  booking_opens_at=datetime(2026, 1, 1, tzinfo=UTC),
                  booking_closes_at=datetime(2026, 12, 31, tzinfo=UTC), **kw)


def day(on=DAY, start=(15, 0), end=(17, 0), evening=False):
    return WindowDay(on, time(*start), time(*end), evening)


def teacher(on=DAY, start=(15, 0), end=(17, 0), tid="t1", room="12", breaks=None):
    return Availability(tid, room, {on: [TimeRange(time(*start), time(*end))]}, breaks or {})


def starts(slots, tz="America/Los_Angeles"):
    return [s.local_start for s in slots]


@pytest.mark.parametrize("minutes,count", [(15, 8), (20, 6), (30, 4)])
def test_slot_lengths_fill_the_range(minutes, count):
    slots = generate_slots(window([day()], slot_minutes=minutes), teacher())
    assert len(slots) == count
    assert all(s.end_utc - s.start_utc == timedelta(minutes=minutes) for s in slots)
    assert slots[0].local_start == "15:00" and slots[-1].local_end == "17:00"


def test_slot_fields_and_utc_conversion():
    s = generate_slots(window([day(evening=True)]), teacher())[0]
    assert s.start_utc == datetime(2026, 10, 20, 22, 0, tzinfo=UTC)  # PDT is UTC-7
    assert (s.teacher_id, s.room, s.modality, s.evening, s.local_date) == ("t1", "12", "in_person", True, DAY)
    assert s.id == slot_id("t1", s.start_utc) == "t1:20261020T2200Z"


def test_invalid_slot_length_is_rejected_with_field_error():
    with pytest.raises(InvalidWindow) as exc:
        generate_slots(window([day()], slot_minutes=25), teacher())
    assert exc.value.code == "invalid_window"
    assert "slot_minutes" in exc.value.errors


def test_buffer_between_slots():
    slots = generate_slots(window([day()], buffer_minutes=10), teacher())
    assert starts(slots) == ["15:00", "15:40", "16:20"]  # 17:00 would end after 17:00


def test_window_and_teacher_breaks_are_skipped():
    w = window([day()], breaks={DAY: [TimeRange(time(15, 30), time(15, 45))]})
    t = teacher(breaks={DAY: [TimeRange(time(16, 30), time(16, 40))]})
    assert starts(generate_slots(w, t)) == ["15:00", "15:45"]  # 16:15 would cross 16:30


def test_auto_break_after_n_consecutive_slots():
    w = window([day(end=(18, 0))], slot_minutes=20, auto_break_after=3)
    slots = generate_slots(w, teacher(end=(18, 0)))
    assert starts(slots) == ["15:00", "15:20", "15:40", "16:20", "16:40", "17:00", "17:40"]


def test_auto_break_counter_restarts_after_a_real_break():
    w = window([day()], auto_break_after=2, breaks={DAY: [TimeRange(time(15, 30), time(16, 0))]})
    assert starts(generate_slots(w, teacher())) == ["15:00", "16:00", "16:30"]


def test_auto_break_zero_means_off():
    assert len(generate_slots(window([day()], auto_break_after=0), teacher())) == 4


def test_availability_is_clipped_to_the_window_day_and_other_days_ignored():
    t = Availability("t1", "12", {DAY: [TimeRange(time(14, 0), time(16, 0))],
                                  date(2026, 10, 21): [TimeRange(time(15, 0), time(16, 0))]})
    assert starts(generate_slots(window([day()]), t)) == ["15:00", "15:30"]


def test_several_teachers_sorted_by_start():
    slots = generate_slots(window([day()]), [teacher(tid="b"), teacher(tid="a", start=(16, 0))])
    assert [(s.local_start, s.teacher_id) for s in slots][:4] == [
        ("15:00", "b"), ("15:30", "b"), ("16:00", "a"), ("16:00", "b")]


def test_video_slots_carry_the_teachers_link():
    w = window([day()], modality="video", video_link="https://meet.example/school")
    t = teacher()
    t.video_link = "https://meet.example/t1"
    assert {s.video_link for s in generate_slots(w, t)} == {"https://meet.example/t1"}


# --- DST -------------------------------------------------------------------------------

def _assert_sane(slots, minutes):
    for s in slots:
        assert s.end_utc - s.start_utc == timedelta(minutes=minutes)
    for a, b in zip(slots, slots[1:]):
        assert a.end_utc <= b.start_utc
    assert len({s.id for s in slots}) == len(slots)


def test_fall_back_uses_the_repeated_hour_once_per_real_instant():
    w = window([day(FALL_BACK, (0, 0), (3, 0))])
    slots = generate_slots(w, teacher(FALL_BACK, (0, 0), (3, 0)))
    _assert_sane(slots, 30)
    # 00:00 PDT .. 03:00 PST is four real hours: eight 30-minute slots
    assert len(slots) == 8
    assert starts(slots) == ["00:00", "00:30", "01:00", "01:30", "01:00", "01:30", "02:00", "02:30"]
    tz = ZoneInfo("America/Los_Angeles")
    offsets = [s.start_utc.astimezone(tz).utcoffset() for s in slots]
    assert offsets[:4] == [timedelta(hours=-7)] * 4 and offsets[4:] == [timedelta(hours=-8)] * 4
    assert slots[0].start_utc == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    assert slots[-1].end_utc == datetime(2026, 11, 1, 11, 0, tzinfo=UTC)


def test_spring_forward_creates_no_slot_in_the_missing_hour():
    w = window([day(SPRING_FORWARD, (0, 0), (4, 0))], slot_minutes=20)
    slots = generate_slots(w, teacher(SPRING_FORWARD, (0, 0), (4, 0)))
    _assert_sane(slots, 20)
    assert len(slots) == 9  # 00:00 PST .. 04:00 PDT is three real hours
    assert not any(s.local_start.startswith("02:") for s in slots)
    assert starts(slots)[6:] == ["03:00", "03:20", "03:40"]
    assert slots[5].local_start == "01:40" and slots[5].local_end == "03:00"


def test_range_starting_in_the_missing_hour_starts_when_clocks_jump():
    w = window([day(SPRING_FORWARD, (2, 30), (4, 0))])
    slots = generate_slots(w, teacher(SPRING_FORWARD, (2, 30), (4, 0)))
    assert starts(slots) == ["03:00", "03:30"]
    assert slots[0].start_utc == datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


def test_break_in_the_repeated_hour_covers_both_occurrences():
    w = window([day(FALL_BACK, (0, 0), (3, 0))], breaks={FALL_BACK: [TimeRange(time(1, 0), time(2, 0))]})
    slots = generate_slots(w, teacher(FALL_BACK, (0, 0), (3, 0)))
    assert starts(slots) == ["00:00", "00:30", "02:00", "02:30"]


def test_ordinary_school_hours_on_dst_days_use_the_new_offset():
    fall = generate_slots(window([day(FALL_BACK)]), teacher(FALL_BACK))[0]
    spring = generate_slots(window([day(SPRING_FORWARD)]), teacher(SPRING_FORWARD))[0]
    assert fall.start_utc == datetime(2026, 11, 1, 23, 0, tzinfo=UTC)  # PST, UTC-8
    assert spring.start_utc == datetime(2026, 3, 8, 22, 0, tzinfo=UTC)  # PDT, UTC-7


@pytest.mark.parametrize("tz,on,expected_hour", [
    ("America/New_York", date(2026, 10, 20), 19),   # EDT UTC-4
    ("America/New_York", date(2026, 11, 3), 20),    # EST UTC-5
    ("Pacific/Honolulu", date(2026, 10, 20), 1),    # HST UTC-10, next UTC day
    ("Pacific/Honolulu", date(2026, 11, 3), 1),     # no DST in Hawaii
])
def test_other_time_zones(tz, on, expected_hour):
    s = generate_slots(window([day(on)], tz=tz), teacher(on))[0]
    assert s.local_start == "15:00" and s.local_date == on
    assert s.start_utc.hour == expected_hour and s.start_utc.tzinfo == UTC
    assert s.start_utc.astimezone(ZoneInfo(tz)).replace(tzinfo=None) == datetime.combine(on, time(15))


def test_local_to_utc_rules():
    la = ZoneInfo("America/Los_Angeles")
    assert local_to_utc(FALL_BACK, time(1, 30), la) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)
    assert local_to_utc(FALL_BACK, time(1, 30), la, late=True) == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert local_to_utc(SPRING_FORWARD, time(2, 15), la) == datetime(2026, 3, 8, 10, 0, tzinfo=UTC)


def test_range_inside_the_repeated_hour_gives_one_block_per_occurrence():
    w = window([day(FALL_BACK, (1, 15), (1, 45))], slot_minutes=15)
    slots = generate_slots(w, teacher(FALL_BACK, (1, 15), (1, 45)))
    assert starts(slots) == ["01:15", "01:30", "01:15", "01:30"]
    assert [s.start_utc.strftime("%H:%M") for s in slots] == ["08:15", "08:30", "09:15", "09:30"]


def test_local_range_to_utc_keeps_only_instants_whose_wall_clock_is_inside():
    la = ZoneInfo("America/Los_Angeles")
    at = lambda h, m: datetime(2026, 11, 1, h, m, tzinfo=UTC)
    assert local_range_to_utc(FALL_BACK, time(1, 15), time(2, 30), la) == [
        (at(8, 15), at(9, 0)), (at(9, 15), at(10, 30))]
    assert local_range_to_utc(FALL_BACK, time(0, 0), time(3, 0), la) == [(at(7, 0), at(11, 0))]
    assert local_range_to_utc(SPRING_FORWARD, time(2, 0), time(2, 45), la) == []
    assert local_range_to_utc(SPRING_FORWARD, time(1, 0), time(4, 0), la) == [
        (datetime(2026, 3, 8, 9, tzinfo=UTC), datetime(2026, 3, 8, 11, tzinfo=UTC))]


# --- property ------------------------------------------------------------------------

ZONES = ["America/Los_Angeles", "America/New_York", "Pacific/Honolulu", "Europe/London",
         "Australia/Lord_Howe"]
DST_DAYS = [FALL_BACK, SPRING_FORWARD, date(2026, 3, 29), date(2026, 10, 25), date(2026, 4, 5),
            date(2026, 10, 4), date(2026, 5, 12)]


@st.composite
def windows(draw):
    on = draw(st.sampled_from(DST_DAYS))
    start = draw(st.integers(0, 20 * 60))
    end = draw(st.integers(start + 30, 24 * 60 - 1))
    as_time = lambda m: time(m // 60, m % 60)
    breaks = []
    if draw(st.booleans()):
        b = draw(st.integers(start, end - 1))
        breaks = [TimeRange(as_time(b), as_time(min(b + draw(st.integers(1, 90)), 24 * 60 - 1)))]
    w = window([WindowDay(on, as_time(start), as_time(end))], tz=draw(st.sampled_from(ZONES)),
               slot_minutes=draw(st.sampled_from([15, 20, 30])), buffer_minutes=draw(st.integers(0, 15)),
               auto_break_after=draw(st.sampled_from([None, 0, 1, 3])),
               breaks={on: breaks} if breaks else {})
    t = Availability("t1", "1", {on: [TimeRange(as_time(start), as_time(end))]})
    return w, t


@settings(max_examples=300, deadline=None)
@given(windows())
def test_generated_slots_never_overlap_and_have_exact_length(case):
    w, t = case
    slots = generate_slots(w, t)
    tz = ZoneInfo(w.time_zone)
    _assert_sane(slots, w.slot_minutes)
    day_ = w.days[0]
    for s in slots:
        local = s.start_utc.astimezone(tz)
        last = (s.end_utc - timedelta(seconds=1)).astimezone(tz)
        assert local.date() == last.date() == day_.date
        # the wall clock reads inside the day's hours for the whole slot
        assert day_.start <= local.time() < day_.end and day_.start <= last.time() < day_.end
        for b in w.breaks.get(day_.date, []):
            for bs, be in local_range_to_utc(day_.date, b.start, b.end, tz):
                assert not (s.start_utc < be and bs < s.end_utc)
