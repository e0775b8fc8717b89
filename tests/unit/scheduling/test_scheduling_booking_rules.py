"""The booking rules fed with a family's real bookings, each error with its kind
(invalid 422 / conflict 409), and the checks that used to live in the use cases:
window open, one slot per child, who acts for the school. Pure: no database."""
from datetime import date, datetime, time, timedelta, timezone

import pytest

from services.common.errors import Conflict, Invalid
from services.scheduling.application import booking_steps as ops
from services.scheduling.adapters import repository as repo
from services.scheduling.domain.model import (
    CONFLICT, DRAFT, INVALID, OPEN, Availability, Booking, DomainError, InvalidRequest, InvalidWindow, StateConflict,
    TimeRange, Window, WindowDay,
)
from services.scheduling.domain.policy import (
    acts_for_school, booked_in, bookings_of, check_can_book, check_can_cancel, check_can_reschedule,
    check_distinct_slots, check_family_free, check_household_request, check_window_open, overlapping,
)
from services.scheduling.domain.slots import generate_slots

UTC = timezone.utc
DAY = date(2026, 10, 20)
OPENS, CLOSES = datetime(2026, 10, 5, 15, tzinfo=UTC), datetime(2026, 10, 19, 7, tzinfo=UTC)
NOW = OPENS + timedelta(days=1)


def window(**kw):
    kw = {"status": OPEN, "booking_opens_at": OPENS, "booking_closes_at": CLOSES, **kw}
    return Window(school_id="s1", time_zone="America/Los_Angeles", days=[WindowDay(DAY, time(15), time(17))],
                  slot_minutes=20, window_id="w1", **kw)


W = window()
SLOTS = generate_slots(W, Availability("t1", "12", {DAY: [TimeRange(time(15), time(17))]}))


def booking(i=0, bid="b1", student="st1", **kw):
    kw.setdefault("window_id", "w1")
    return Booking(bid, student, "t1", SLOTS[i].id, SLOTS[i].start_utc, SLOTS[i].end_utc, guardian_id="g1", **kw)


def refusal(fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as exc:
        fn(*args, **kw)
    return exc.value


def test_each_refusal_declares_its_kind():
    cases = [
        (INVALID, lambda: check_household_request(W, ["a", "b"])),
        (INVALID, lambda: check_household_request(window(policy="per_household"), ["a", "a"])),
        (INVALID, lambda: check_distinct_slots(["x", "x"])),
        (CONFLICT, lambda: check_window_open(window(status=DRAFT))),
        (CONFLICT, lambda: check_can_book(W, SLOTS[1], OPENS - timedelta(seconds=1), [])),
        (CONFLICT, lambda: check_can_book(W, SLOTS[1], NOW, [booking()])),
        (CONFLICT, lambda: check_can_cancel(W, SLOTS[0].start_utc, SLOTS[0].start_utc)),
        (CONFLICT, lambda: check_can_reschedule(W, booking(), SLOTS[0], NOW, [])),
        (CONFLICT, lambda: check_family_free([("new", SLOTS[0].start_utc, SLOTS[0].end_utc)], [booking().span])),
    ]
    for kind, rule in cases:
        err = refusal(rule)
        assert err.kind == kind, err.code
        assert isinstance(err, InvalidRequest if kind == INVALID else StateConflict)
    assert InvalidWindow({"days": ["x"]}).kind == INVALID


def test_the_kind_decides_the_http_status():
    with pytest.raises(Invalid) as bad:
        ops.domain(check_distinct_slots, ["x", "x"])
    assert bad.value.status == 422 and bad.value.code == "duplicate_slot"
    assert bad.value.errors == {"students": ["the same slot is listed twice"]}
    with pytest.raises(Conflict) as clash:
        ops.domain(check_window_open, window(status="closed"))
    assert clash.value.status == 409 and clash.value.code == "window_not_open"
    assert ops.domain(check_distinct_slots, ["x", "y"]) is None


def test_families_book_only_while_the_window_is_open():
    check_window_open(W)
    for status in (DRAFT, "closed", "cancelled"):
        assert refusal(check_window_open, window(status=status)).code == "window_not_open"


def test_a_stored_window_carries_its_status():
    doc = {"_id": "w1", "school_id": "s1", "time_zone": "UTC", "days": [{"date": "2026-10-20", "start": "15:00",
                                                                          "end": "17:00"}],
           "slot_minutes": 20, "booking_opens_at": OPENS, "booking_closes_at": CLOSES}
    assert repo.window_from_doc(doc).status == DRAFT
    assert repo.window_from_doc({**doc, "status": OPEN}).status == OPEN


def test_each_child_needs_a_slot_of_their_own():
    check_distinct_slots(["a", "b"])
    check_distinct_slots([])
    assert refusal(check_distinct_slots, ["a", "b", "a"]).code == "duplicate_slot"


def test_everyone_but_the_family_acts_for_the_school():
    assert not acts_for_school("guardian")
    assert all(acts_for_school(r) for r in ("teacher", "school_admin", "district_admin"))


def test_the_one_per_child_rule_reads_the_familys_real_bookings():
    family = [booking(0, "b1", "st1"), booking(2, "b2", "st2"), booking(3, "b3", "st3", status="cancelled")]
    assert [b.booking_id for b in bookings_of("st1", family)] == ["b1"]
    err = refusal(check_can_book, W, SLOTS[4], NOW, bookings_of("st1", family))
    assert err.code == "student_already_booked" and err.details["booking_id"] == "b1"
    check_can_book(W, SLOTS[4], NOW, bookings_of("st4", family))  # a sibling without a conference yet
    check_can_book(W, SLOTS[4], NOW, bookings_of("st3", family))  # cancelled frees the child
    assert booked_in("w2", family) is None and booked_in("w1", family).booking_id == "b1"


def test_the_school_moves_a_booking_past_the_familys_cutoff():
    mine = booking(0)
    too_late = SLOTS[0].start_utc - timedelta(hours=2)
    late_window = window(booking_closes_at=SLOTS[-1].start_utc)
    assert refusal(check_can_reschedule, late_window, mine, SLOTS[3], too_late, [mine]).code == \
        "cancellation_cutoff_passed"
    check_can_reschedule(late_window, mine, SLOTS[3], too_late, [mine], for_school=True)
    assert refusal(check_can_reschedule, late_window, mine, SLOTS[0], too_late, [mine], for_school=True).code == \
        "same_slot"
    other = booking(5, "b9")  # the family's other booking of the same child: still refused
    assert refusal(check_can_reschedule, W, mine, SLOTS[3], NOW, [mine, other], for_school=True).code == \
        "student_already_booked"
    # the school checks the new slot first: a closed booking period wins over the same slot
    assert refusal(check_can_reschedule, W, mine, SLOTS[0], CLOSES, [mine], for_school=True).code == "booking_closed"


def test_the_school_cancels_until_the_conference_starts():
    start = SLOTS[0].start_utc
    check_can_cancel(W, start, start - timedelta(seconds=1), for_school=True)
    assert refusal(check_can_cancel, W, start, start - timedelta(seconds=1)).code == "cancellation_cutoff_passed"
    assert refusal(check_can_cancel, W, start, start, for_school=True).code == "conference_started"


def test_a_booking_takes_its_family_through_the_private_word():
    plain, paired = booking(0), booking(0, private_end_utc=SLOTS[1].end_utc)
    assert plain.span == ("b1", SLOTS[0].start_utc, SLOTS[0].end_utc)
    assert paired.span == ("b1", SLOTS[0].start_utc, SLOTS[1].end_utc)
    during_the_private_word = ("new", SLOTS[1].start_utc, SLOTS[1].end_utc)
    assert overlapping(during_the_private_word, [plain.span]) is None
    assert overlapping(during_the_private_word, [paired.span]) == paired.span
    assert overlapping(("b1", *paired.span[1:]), [paired.span]) is None  # a booking never clashes with itself
    assert refusal(check_family_free, [during_the_private_word], [paired.span]).code == "family_busy"
