"""The scheduling use cases on the in-memory store (no database): what each stores, the
events it causes, its refusals with their kinds, and what a repeat does. The real
repositories' statements are tested against the server (tests/integration/scheduling)."""
import inspect
from datetime import date, datetime, time, timedelta, timezone

import pytest

from services.common.auth import Principal
from services.common.consumer import Event
from services.common.errors import Conflict, NotFound
from services.common.fake_store import FakeStore
from services.common.testing import make_envelope
from services.scheduling.adapters import repository as repo
from services.scheduling.adapters.repositories import REPOSITORIES
from services.scheduling.application import bookings, changes, waitlist, windows
from services.scheduling.domain.model import (
    BOOKED, CANCELLED, DRAFT, HELD, OPEN, Availability, TimeRange, Window, WindowDay,
)
from services.scheduling.domain.slots import generate_slots
from services.scheduling.entrypoints import handlers
from tests.unit.scheduling.fakes import FAKES, attach_fakes

UTC = timezone.utc
NOW = datetime(2026, 10, 1, 15, tzinfo=UTC)
DAY = date(2026, 10, 20)
ADMIN = Principal("adm-1", "school_admin", "d-1", ("s-1",))
TEACHER = Principal("t-1", "teacher", "d-1", ("s-1",))


def guardian(sub):
    return Principal(sub, "guardian", "d-1")


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def make_store(clock, *, status=OPEN, waitlist_on=False):
    """School s-1 with one window (15:00-16:00 on DAY, 20-minute slots for t-1 and t-2);
    st-1 (t-1) of g-1, st-2 (t-1) of g-2, st-3 (t-2) of g-1."""
    store = FakeStore("scheduling", repositories=attach_fakes, clock=clock)
    w = Window(school_id="s-1", time_zone="America/Chicago", days=[WindowDay(DAY, time(15), time(16))],
               slot_minutes=20, booking_opens_at=NOW - timedelta(days=1), booking_closes_at=NOW + timedelta(days=10),
               window_id="w-1", status=status)
    doc = {"_id": "w-1", "district_id": "d-1", "school_id": "s-1", "cycle": "2026-fall", "time_zone": w.time_zone,
           "status": status, "waitlist": waitlist_on, "nudge_after_days": 3, "version": 1,
           **{k: getattr(w, k) for k in repo.WINDOW_FIELDS}, **repo.window_days_to_doc(w)}
    data = store.data
    data.update(windows={"w-1": doc}, availability={}, slots={}, bookings={}, invitations={}, waitlist={},
                timers={}, people={}, schools={"s-1": {"_id": "s-1", "district_id": "d-1", "name": "Lovett",
                                                       "time_zone": "America/Chicago"}},
                students={sid: {"_id": sid, "district_id": "d-1", "school_id": "s-1", "teacher_ids": [t],
                                "guardian_ids": [g], "active": True}
                          for sid, t, g in (("st-1", "t-1", "g-1"), ("st-2", "t-1", "g-2"), ("st-3", "t-2", "g-1"))})
    for teacher, room in (("t-1", "101"), ("t-2", "202")):
        data["availability"][f"w-1:{teacher}"] = {"window_id": "w-1", "teacher_id": teacher, "room": room}
        av = Availability(teacher, room, {DAY: [TimeRange(time(15), time(16))]})
        data["slots"].update({s.id: repo.slot_to_doc(s, doc) for s in generate_slots(w, av)})
    return store


def slot_ids(store, teacher):
    return sorted(s for s, d in store.data["slots"].items() if d["teacher_id"] == teacher)


def book(store, who, student, slot, **kw):
    return bookings.book(store, guardian(who), "w-1", [{"student_id": student, "slot_id": slot, **kw}])[0]


def test_booking_claims_the_slot_stores_the_booking_and_emits_conference_booked(clock):
    store = make_store(clock)
    first = slot_ids(store, "t-1")[0]
    made = book(store, "g-1", "st-1", first)
    assert store.data["slots"][first]["booked_by"] == made["_id"]
    stored = store.data["bookings"][made["_id"]]
    assert (stored["status"], stored["active"], stored["guardian_id"], stored["room"]) == (BOOKED, True, "g-1", "101")
    [event] = store.events("ConferenceBooked")
    assert (event["booking_id"], event["slot_id"], event["booked_by_role"]) == (made["_id"], first, "guardian")
    # Far from the conference: the shared reminder of its time covers it, no timer of its own.
    assert stored["reminder"] == "shared" and store.data["timers"] == {}


def test_a_taken_slot_is_refused_with_a_conflict_and_nothing_is_published(clock):
    store = make_store(clock)
    first = slot_ids(store, "t-1")[0]
    book(store, "g-1", "st-1", first)
    with pytest.raises(Conflict) as exc:
        book(store, "g-2", "st-2", first)
    assert exc.value.code == "slot_taken"
    assert len(store.events("ConferenceBooked")) == 1 and len(store.data["bookings"]) == 1


def test_a_child_booked_in_the_window_is_refused_a_second_conference(clock):
    store = make_store(clock)
    first, second, *_ = slot_ids(store, "t-1")
    book(store, "g-1", "st-1", first)
    with pytest.raises(Conflict) as exc:
        book(store, "g-1", "st-1", second)
    assert exc.value.code == "student_already_booked"
    assert store.data["slots"][second]["booked_by"] is None


def test_a_private_word_takes_the_next_slot_or_is_refused_when_it_is_taken(clock):
    store = make_store(clock)
    s1, s2, s3 = slot_ids(store, "t-1")
    made = book(store, "g-1", "st-1", s1, private_talk=True)
    assert (made["private_slot_id"], store.data["slots"][s2]["booked_by"]) == (s2, made["_id"])
    assert store.events("ConferenceBooked")[0]["end"] == store.events("ConferenceBooked")[0]["start"].replace(
        "T20:00", "T20:40")  # the family leaves after the private word (15:00-15:40 in Chicago)
    with pytest.raises(Conflict) as exc:
        book(store, "g-2", "st-2", s3, private_talk=True)  # nothing follows the last slot of the day
    assert exc.value.code == "private_slot_unavailable"
    assert store.data["slots"][s3]["booked_by"] is None


def test_a_booking_made_within_a_day_gets_its_own_reminder_and_cancelling_drops_it(clock):
    store = make_store(clock)
    first = slot_ids(store, "t-1")[0]
    clock.now = store.data["slots"][first]["start"] - timedelta(hours=2)
    store.data["windows"]["w-1"]["booking_closes_at"] = clock.now + timedelta(hours=1)
    made = book(store, "g-1", "st-1", first)
    assert store.data["bookings"][made["_id"]]["reminder"] == "own"
    assert store.data["timers"][f"reminder:{made['_id']}"]["status"] == "pending"
    changes.cancel(store, ADMIN, made["_id"])  # the school may cancel after the families' cut-off
    assert store.data["timers"][f"reminder:{made['_id']}"]["status"] == "cancelled"


def test_cancelling_frees_the_slot_books_the_first_waiting_family_and_cannot_happen_twice(clock):
    store = make_store(clock, waitlist_on=True)
    for sid, who, student in zip(slot_ids(store, "t-1"), ("g-1", "g-9", "g-8"), ("st-1", "st-9", "st-8")):
        store.data["students"].setdefault(student, {"_id": student, "district_id": "d-1", "school_id": "s-1",
                                                    "teacher_ids": ["t-1"], "guardian_ids": [who]})
        book(store, who, student, sid)
    with pytest.raises(Conflict) as full:  # the teacher is full: st-2's family may wait
        book(store, "g-2", "st-2", slot_ids(store, "t-1")[0])
    assert full.value.code == "slot_taken"
    entry = waitlist.join(store, guardian("g-2"), "w-1", "st-2")
    mine = next(b for b in store.data["bookings"].values() if b["guardian_id"] == "g-1")

    changes.cancel(store, guardian("g-1"), mine["_id"])
    assert store.data["bookings"][mine["_id"]]["status"] == CANCELLED
    cancelled = store.events("ConferenceCancelled")
    assert [(e["booking_id"], e["reason"]) for e in cancelled] == [(mine["_id"], "family")]
    promoted = store.events("ConferenceBooked")[-1]
    assert (promoted["guardian_id"], promoted["slot_id"], promoted["booked_by_role"]) == \
        ("g-2", mine["slot_id"], "waitlist")
    assert store.data["waitlist"][entry["_id"]]["status"] == "booked"
    with pytest.raises(Conflict) as again:
        changes.cancel(store, guardian("g-1"), mine["_id"])
    assert again.value.code == "booking_not_active"
    assert len(store.events("ConferenceCancelled")) == 1


def test_another_family_cannot_see_or_cancel_a_booking(clock):
    store = make_store(clock)
    made = book(store, "g-1", "st-1", slot_ids(store, "t-1")[0])
    with pytest.raises(NotFound) as exc:
        changes.cancel(store, guardian("g-2"), made["_id"])
    assert exc.value.code == "booking_not_found"
    assert store.data["bookings"][made["_id"]]["status"] == BOOKED and store.events("ConferenceCancelled") == []


def test_held_emits_conference_held_schedules_the_follow_up_and_is_recorded_once(clock):
    store = make_store(clock)
    made = book(store, "g-1", "st-1", slot_ids(store, "t-1")[0])
    clock.now = made["start"] + timedelta(minutes=5)
    changes.record_outcome(store, TEACHER, made["_id"], HELD)
    assert store.data["bookings"][made["_id"]]["status"] == HELD
    [held] = store.events("ConferenceHeld")
    assert (held["booking_id"], held["teacher_id"], held["cycle"]) == (made["_id"], "t-1", "2026-fall")
    follow_up = store.data["timers"][f"follow_up:{made['_id']}"]
    assert follow_up["kind"] == "follow_up" and follow_up["due_at"] > made["start"]
    with pytest.raises(Conflict) as exc:
        changes.record_outcome(store, TEACHER, made["_id"], HELD)
    assert exc.value.code == "outcome_already_recorded" and len(store.events("ConferenceHeld")) == 1


def test_opening_invites_each_family_once_and_a_second_open_is_refused(clock):
    store = make_store(clock, status=DRAFT)
    windows.open_window(store, ADMIN, "w-1")
    [opened] = store.events("ConferenceWindowOpened")
    assert {i["guardian_id"]: i["student_ids"] for i in opened["invitations"]} == \
        {"g-1": ["st-1", "st-3"], "g-2": ["st-2"]}
    assert sorted(e["guardian_id"] for e in store.events("InvitationDue")) == ["g-1", "g-2"]
    assert set(store.data["invitations"]) == {"w-1:g-1", "w-1:g-2"}
    assert store.data["timers"]["nudge:w-1"]["due_at"] == NOW + timedelta(days=3)
    with pytest.raises(Conflict) as exc:
        windows.open_window(store, ADMIN, "w-1")
    assert exc.value.code == "window_already_open" and len(store.events("InvitationDue")) == 2


def test_the_nudge_reaches_only_families_still_to_book_and_only_once(clock):
    store = make_store(clock, status=DRAFT)
    windows.open_window(store, ADMIN, "w-1")
    book(store, "g-2", "st-2", slot_ids(store, "t-1")[0])
    clock.now = NOW + timedelta(days=3)
    timer = store.data["timers"]["nudge:w-1"]
    store.atomic(lambda uow: handlers.fire_nudge(uow, timer))
    nudges = [e for e in store.events("InvitationDue") if e["nudge"]]
    assert [(e["guardian_id"], e["student_ids"]) for e in nudges] == [("g-1", ["st-1", "st-3"])]
    assert store.data["invitations"]["w-1:g-1"]["nudged_at"] == clock.now
    store.atomic(lambda uow: handlers.fire_nudge(uow, timer))
    assert len([e for e in store.events("InvitationDue") if e["nudge"]]) == 1


def test_a_guardian_linked_after_opening_is_invited_once(clock):
    store = make_store(clock)
    env = make_envelope("GuardianLinked", {"guardian_id": "g-7", "student_id": "st-1", "school_id": "s-1"},
                        subject="st-1")
    event = Event.from_envelope(env)
    store.atomic(lambda uow: handlers.invite_late_family(event, uow))
    store.atomic(lambda uow: handlers.invite_late_family(event, uow))  # redelivered: already invited
    assert [(e["guardian_id"], e["student_ids"]) for e in store.events("InvitationDue")] == [("g-7", ["st-1"])]
    assert store.data["invitations"]["w-1:g-7"]["student_ids"] == ["st-1"]


def test_each_fake_repository_has_only_methods_of_the_real_one_with_the_same_parameters():
    for name, fake in FAKES.items():
        real = REPOSITORIES[name]
        for method, fn in inspect.getmembers(fake, inspect.isfunction):
            if method.startswith("_"):
                continue
            assert hasattr(real, method), f"{name}.{method} is not a method of {real.__name__}"
            assert list(inspect.signature(fn).parameters) == list(inspect.signature(getattr(real, method)).parameters), \
                f"{name}.{method} takes other parameters than {real.__name__}.{method}"
