"""Capacity warnings before the window opens, and the solver's fallback."""
from datetime import date, datetime, time, timezone

from services.scheduling.domain.assignment import (
    Child, Family, Interpreter, Problem, capacity_warnings, check, interpreter_warnings, solve,
    teacher_warnings, window_warnings,
)
from services.scheduling.domain.model import Availability, TimeRange, Window, WindowDay

UTC = timezone.utc
DAY = date(2026, 10, 20)
W = Window(school_id="s1", time_zone="America/Los_Angeles", days=[WindowDay(DAY, time(15), time(18))],
           slot_minutes=20, booking_opens_at=datetime(2026, 10, 1, tzinfo=UTC),
           booking_closes_at=datetime(2026, 10, 19, tzinfo=UTC))
HOURS = {DAY: [TimeRange(time(15), time(16))]}  # three 20-minute slots


def test_roster_warning_before_any_request():
    warnings = teacher_warnings({"a": 40, "b": 120}, {"a": 100, "b": 100})
    assert [(w.subject, w.capacity, w.demand, w.message) for w in warnings] == \
        [("a", 40, 100, "a: 40 slots for 100 conferences")]


def test_window_warning_from_the_roster_and_the_teachers_hours():
    teachers = [Availability("a", "1", HOURS), Availability("b", "2", {DAY: [TimeRange(time(15), time(18))]})]
    es = [Interpreter("i1", frozenset({"es"}), HOURS)]
    warnings = window_warnings(W, teachers, {"a": 5, "b": 9}, es, {"es": 4})
    assert [w.message for w in warnings] == ["a: 3 slots for 5 conferences",
                                             "es: 1 interpreter(s), room for 3 conferences, 4 requested"]


def test_requests_count_private_talk_twice_and_interpreters_by_language():
    families = [Family("f1", [Child("s1", "a"), Child("s2", "a")], HOURS, interpreter_language="es"),
                Family("f2", [Child("s3", "a")], HOURS, private_talk=True),
                Family("f3", [Child("s4", "b")], HOURS, interpreter_language="vi")]
    p = Problem(W, [Availability("a", "1", HOURS), Availability("b", "2", HOURS)], families,
                [Interpreter("i1", frozenset({"es"}), {DAY: [TimeRange(time(15), time(15, 20))]})])
    warnings = {(w.kind, w.subject): (w.capacity, w.demand) for w in capacity_warnings(p)}
    assert warnings == {("teacher", "a"): (3, 4), ("interpreter", "es"): (1, 2), ("interpreter", "vi"): (0, 1)}
    r = solve(p, stage_seconds=2, workers=1)
    assert check(p, r) == [] and r.warnings == capacity_warnings(p)


def test_interpreters_with_enough_hours_raise_nothing():
    people = [Interpreter("i1", frozenset({"es", "vi"}), HOURS)]
    assert interpreter_warnings(W, people, {"es": 3, "vi": 3}) == []
    assert [w.demand for w in interpreter_warnings(W, people, {"es": 4})] == [4]


def test_stages_are_reported_in_order():
    p = Problem(W, [Availability("a", "1", HOURS)],
                [Family("f1", [Child("s1", "a")], HOURS, priority=2), Family("f2", [Child("s2", "a")], HOURS)])
    r = solve(p, stage_seconds=2, workers=1)
    assert [s.name for s in r.stages] == ["priority 2", "families", "preferences", "compact"]
    assert all(s.status == "OPTIMAL" for s in r.stages) and r.stages[1].value == 2


def test_first_come_is_the_answer_when_the_solver_finds_nothing_in_time():
    from services.scheduling.domain.assignment.sample import school
    p = school(1, students=150, teachers=8)
    r = solve(p, stage_seconds=1e-6, workers=1)
    assert r.stages[-1].status == "FALLBACK" and r.stages[-1].value == len(r.assigned_families()) > 0
    assert check(p, r) == [] and r.warnings == capacity_warnings(p)


def test_with_room_to_spare_every_family_with_a_fitting_time_is_assigned():
    from services.scheduling.domain.assignment.firstcome import all_plans
    from services.scheduling.domain.assignment.sample import school
    p = school(7, students=30, teachers=5, hours=3, interpreters=3)
    _, plans, reasons = all_plans(p)
    r = solve(p, stage_seconds=5, workers=1)
    assert check(p, r) == [] and r.assigned_families() == {fid for fid, ps in plans.items() if ps}
    assert {u.family_id: u.reason for u in r.unassigned} == {fid: code for fid, (code, _) in reasons.items()}
