"""Quiet hours (incl. across midnight and DST) and channel selection."""
from datetime import datetime, timezone

import pytest

from services.notifications.domain.rules import (
    ChannelPlan, Preferences, channels_for, next_allowed_time)

UTC = timezone.utc
CHICAGO = "America/Chicago"  # UTC-5 in summer (CDT), UTC-6 in winter (CST)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("now, expected", [
    (utc(2026, 10, 20, 17, 0), utc(2026, 10, 20, 17, 0)),   # 12:00 local: send now
    (utc(2026, 10, 21, 1, 59), utc(2026, 10, 21, 1, 59)),   # 20:59 local: still allowed
    (utc(2026, 10, 21, 2, 0), utc(2026, 10, 21, 12, 0)),    # 21:00 local: quiet starts
    (utc(2026, 10, 21, 4, 30), utc(2026, 10, 21, 12, 0)),   # 23:30 -> 07:00 next day
    (utc(2026, 10, 21, 5, 30), utc(2026, 10, 21, 12, 0)),   # 00:30 (after midnight)
    (utc(2026, 10, 21, 11, 59), utc(2026, 10, 21, 12, 0)),  # 06:59 -> 07:00 same day
    (utc(2026, 10, 21, 12, 0), utc(2026, 10, 21, 12, 0)),   # 07:00: quiet is over
])
def test_quiet_hours_across_midnight(now, expected):
    assert next_allowed_time(now, CHICAGO) == expected


def test_quiet_hours_use_the_recipients_zone_not_utc():
    now = utc(2026, 10, 20, 22, 0)  # 17:00 in Chicago, 07:00 next day in Tokyo
    assert next_allowed_time(now, CHICAGO) == now
    assert next_allowed_time(now, "Asia/Tokyo") == now
    assert next_allowed_time(utc(2026, 10, 20, 21, 0), "Asia/Tokyo") == now  # 06:00 Tokyo


def test_spring_forward_night_is_one_hour_shorter():
    # Sat 2026-03-07 23:00 CST; clocks jump 02:00 -> 03:00; 07:00 CDT is 12:00 UTC,
    # not 13:00 UTC as "now + 8h" in the old offset would give.
    assert next_allowed_time(utc(2026, 3, 8, 5, 0), CHICAGO) == utc(2026, 3, 8, 12, 0)


def test_fall_back_night_is_one_hour_longer():
    # Sat 2026-10-31 23:00 CDT; clocks fall back 02:00 -> 01:00; 07:00 CST is 13:00 UTC.
    assert next_allowed_time(utc(2026, 11, 1, 4, 0), CHICAGO) == utc(2026, 11, 1, 13, 0)


def test_quiet_end_in_the_repeated_hour_picks_the_occurrence_still_ahead():
    # 01:15 CST (second pass through 01:xx) with quiet hours 00:00-01:30: the first
    # 01:30 (CDT) has already passed, so quiet ends at 01:30 CST = 07:30 UTC.
    now = utc(2026, 11, 1, 7, 15)
    assert next_allowed_time(now, CHICAGO, "00:00", "01:30") == utc(2026, 11, 1, 7, 30)


def test_same_day_window_and_disabled_window():
    lunch = dict(quiet_start="12:00", quiet_end="13:00")
    assert next_allowed_time(utc(2026, 10, 20, 17, 30), CHICAGO, **lunch) == utc(2026, 10, 20, 18)
    assert next_allowed_time(utc(2026, 10, 21, 4, 0), CHICAGO, **lunch) == utc(2026, 10, 21, 4)
    now = utc(2026, 10, 21, 4, 0)
    assert next_allowed_time(now, CHICAGO, "21:00", "21:00") == now


def test_result_is_utc_and_bad_input_is_rejected():
    got = next_allowed_time(datetime(2026, 10, 20, 23, 0, tzinfo=timezone.utc), CHICAGO)
    assert got.tzinfo == UTC
    with pytest.raises(ValueError, match="aware"):
        next_allowed_time(datetime(2026, 10, 20, 23, 0), CHICAGO)
    with pytest.raises(ValueError, match="HH:MM"):
        next_allowed_time(got, CHICAGO, quiet_start="9pm")


@pytest.mark.parametrize("prefs, expected", [
    (Preferences(), {"email", "inapp"}),
    (Preferences(has_phone=True), {"email", "sms", "inapp"}),
    (Preferences(has_phone=True, opted_out={"email"}), {"sms", "inapp"}),
    (Preferences(has_phone=True, opted_out={"email", "sms", "inapp"}), {"inapp"}),
    (Preferences(has_email=False), {"inapp"}),
    (Preferences(digest=True), {"email", "inapp"}),  # digest is a teacher-only option
    (Preferences(role="teacher"), {"email", "inapp"}),
])
def test_channels_respect_opt_outs_and_contacts_and_inapp_is_always_on(prefs, expected):
    assert channels_for(prefs, "booking_confirmation") == ChannelPlan(frozenset(expected), False)


def test_teacher_digest_preference_batches_everything_but_the_digest_itself():
    teacher = Preferences(role="teacher", digest=True, has_phone=True)
    assert channels_for(teacher, "booking_confirmation") == ChannelPlan(frozenset({"inapp"}), True)
    assert channels_for(teacher, "teacher_digest") == ChannelPlan(
        frozenset({"email", "sms", "inapp"}), False)


def test_preferences_from_a_mapping_and_validation():
    plan = channels_for({"role": "teacher", "digest": True}, "goal_achieved")
    assert plan.digest and plan.channels == {"inapp"}
    with pytest.raises(ValueError, match="unknown channels"):
        Preferences(opted_out={"pigeon"})
    with pytest.raises(ValueError, match="unknown preference fields"):
        channels_for({"email_address": "x@y"}, "nudge")
