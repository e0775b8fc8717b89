"""The independent checker fails on assignments that break a hard rule (so a clean
report on a solution means something)."""
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone

import pytest

from services.scheduling.domain.assignment import (
    Child, Family, Interpreter, Pin, Problem, Result, Unassigned, check, solve,
)
from services.scheduling.domain.model import Availability, TimeRange, Window, WindowDay
from services.scheduling.domain.slots import generate_slots

UTC = timezone.utc
DAY = date(2026, 10, 20)
W = Window(school_id="s1", time_zone="America/Los_Angeles", days=[WindowDay(DAY, time(15), time(18))],
           slot_minutes=20, booking_opens_at=datetime(2026, 10, 1, tzinfo=UTC),
           booking_closes_at=datetime(2026, 10, 19, tzinfo=UTC))
ALL_DAY = {DAY: [TimeRange(time(15), time(18))]}


def school():
    teachers = [Availability("a", "r1", ALL_DAY, {DAY: [TimeRange(time(17), time(17, 20))]}),
                Availability("b", "r2", ALL_DAY), Availability("c", "r1", ALL_DAY)]
    families = [Family("sib", [Child("s1", "a"), Child("s2", "b")], {DAY: [TimeRange(time(15), time(16))]}),
                Family("es", [Child("s3", "b")], {DAY: [TimeRange(time(16), time(17))]}, interpreter_language="es"),
                Family("es2", [Child("s5", "c")], {DAY: [TimeRange(time(16), time(17))]}, interpreter_language="es"),
                Family("pt", [Child("s4", "c")], ALL_DAY, private_talk=True)]
    people = [Interpreter("i1", frozenset({"es"}), ALL_DAY), Interpreter("i2", frozenset({"es"}), ALL_DAY)]
    at_four = [Pin(student, next(s.id for s in generate_slots(W, teachers[k]) if s.local_start == "16:00"))
               for student, k in (("s3", 1), ("s5", 2))]  # both interpreter families at once
    return Problem(W, teachers, families, people, at_four)


@pytest.fixture(scope="module")
def solved():
    p = school()
    r = solve(p, stage_seconds=5, workers=1)
    assert check(p, r) == [] and not r.unassigned
    return p, r


def slot_at(teacher, hh, mm):
    av = next(t for t in school().teachers if t.teacher_id == teacher)
    return next(s for s in generate_slots(W, av) if s.local_start == f"{hh:02}:{mm:02}")


def edit(result, student, **changes):
    return Result([replace(c, **changes) if c.student_id == student else c for c in result.conferences],
                  list(result.unassigned))


def move(result, student, slot):
    c = next(c for c in result.conferences if c.student_id == student)
    end = slot.end_utc + (c.end_utc - (c.start_utc + timedelta(minutes=W.slot_minutes)))
    return edit(result, student, slot_id=slot.id, start_utc=slot.start_utc, end_utc=end,
                teacher_id=slot.teacher_id)


def errors_of(problem, result):
    errors = check(problem, result)
    assert errors, "the checker let a broken assignment through"
    return " | ".join(errors)


def test_teacher_double_booked_inside_everyones_times(solved):
    p, r = solved
    taken = next(c for c in r.conferences if c.student_id == "s3")
    free_family = replace(p.families[3], children=[Child("s4", "b")])  # pt now with teacher b
    q = replace(p, families=p.families[:3] + [free_family])
    slot = next(s for s in generate_slots(W, p.teachers[1]) if s.id == taken.slot_id)
    private = next(s for s in generate_slots(W, p.teachers[1]) if s.start_utc == slot.end_utc)
    bad = edit(r, "s4", slot_id=slot.id, teacher_id="b", start_utc=slot.start_utc, end_utc=private.end_utc,
               private_slot_id=private.id, room="r2")
    assert "teacher b holds two conferences at once" in errors_of(q, bad)


def test_outside_the_familys_times(solved):
    p, r = solved
    assert "outside the family's times" in errors_of(p, move(r, "s3", slot_at("b", 17, 20)))


def test_during_a_teachers_break(solved):
    p, r = solved
    brk = generate_slots(replace(W), Availability("a", "r1", ALL_DAY))  # a's grid without the break
    during = next(s for s in brk if s.local_start == "17:00")
    bad = edit(r, "s1", slot_id=during.id, start_utc=during.start_utc, end_utc=during.end_utc)
    assert "not in the grid" in errors_of(p, bad)


def test_siblings_split_or_apart(solved):
    p, r = solved
    half = Result([c for c in r.conferences if c.student_id != "s2"], r.unassigned)
    assert "all children or none" in errors_of(p, half)
    wide = replace(p, families=[replace(p.families[0], free=ALL_DAY)] + p.families[1:])
    apart = move(r, "s2", slot_at("b", 17, 40))
    assert "not back to back" in errors_of(wide, apart)


def test_a_guardian_in_two_places(solved):
    p, r = solved
    s1 = next(c for c in r.conferences if c.student_id == "s1")
    same_time = next(s for s in generate_slots(W, p.teachers[1]) if s.start_utc == s1.start_utc)
    assert "two conferences at once" in errors_of(p, move(r, "s2", same_time))


def test_a_room_twice(solved):
    p, r = solved
    # c shares room r1 with a: put s4 (teacher c, private talk) over s1's time
    s1 = next(c for c in r.conferences if c.student_id == "s1")
    c_slot = next(s for s in generate_slots(W, p.teachers[2]) if s.start_utc == s1.start_utc)
    nxt = next(s for s in generate_slots(W, p.teachers[2]) if s.start_utc == c_slot.end_utc)
    bad = edit(r, "s4", slot_id=c_slot.id, start_utc=c_slot.start_utc, end_utc=nxt.end_utc, private_slot_id=nxt.id)
    assert "room r1 holds two conferences at once" in errors_of(p, bad)


def test_private_talk_unpaired(solved):
    p, r = solved
    c = next(c for c in r.conferences if c.student_id == "s4")
    bad = edit(r, "s4", private_slot_id=None, end_utc=c.start_utc + timedelta(minutes=20))
    assert "not paired" in errors_of(p, bad)
    assert "nobody asked for" in errors_of(p, edit(r, "s3", private_slot_id=c.private_slot_id))


def test_interpreters(solved):
    p, r = solved
    assert "does not speak" in errors_of(p, edit(r, "s3", interpreter_id="nobody"))
    assert "one interpreter must sit" in errors_of(p, edit(r, "s3", interpreter_id=None))
    es = next(c for c in r.conferences if c.student_id == "s3")
    bad = edit(r, "s5", interpreter_id=es.interpreter_id)  # pinned at the same time as s3
    assert f"interpreter {es.interpreter_id} holds two conferences at once" in errors_of(p, bad)
    busy = replace(p, interpreters=[replace(i, ranges={DAY: [TimeRange(time(15), time(15, 20))]})
                                    for i in p.interpreters])
    assert "not working then" in errors_of(busy, r)


def test_families_listed_once_and_pins(solved):
    p, r = solved
    assert "either assigned or unassigned" in errors_of(p, Result(r.conferences, [Unassigned("sib", "x")]))
    other = next(s for s in generate_slots(W, p.teachers[2]) if s.local_start == "17:40")
    assert "pinned to" in errors_of(replace(p, pins=p.pins + [Pin("s4", other.id)]), r)
