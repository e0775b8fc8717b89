"""The goals use cases on the in-memory store (tests/unit/goals/fakes.py): what they store,
the events they cause, what they refuse (with the error kind the API turns into a
status) and what a redelivered event does not do twice."""
from datetime import datetime, timezone

import pytest

from services.access import StudentRecord
from services.common.auth import Principal
from services.common.errors import Conflict, Forbidden, Invalid, NotFound
from services.common.fake_store import FakeStore
from services.common.testing import make_envelope, run_handler
from services.goals.application import family, goals, progress
from services.goals.entrypoints.handlers import HANDLERS
from services.goals.settings import GoalsConfig
from tests.unit.goals.fakes import attach_fakes

NOW = datetime(2026, 10, 5, 15, 0, tzinfo=timezone.utc)
CFG = GoalsConfig()
STUDENT = Principal("st-1", "student", "d-1")
TEACHER = Principal("t-1", "teacher", "d-1", ("s-1",))
GUARDIAN = Principal("g-1", "guardian", "d-1")
PLAN = {
    "statement": "I will ask questions when I don't understand parts of the math lesson.",
    "focus": {"kind": "standard", "label": "fractions", "code": "CCSS.MATH.4.NF.A.1"}, "term": "short",
    "specific_actions": ["I will ask a question when I get stuck", "I will practice fractions for 10 minutes each night",
                         "I will check my work with a partner"],
    "trackable": {"method": "I will color in my fractions chart every Friday"},
    "achievable_reasons": ["I already know halves", "My teacher meets with me on Tuesdays"],
    "target_date": "2026-11-20", "supports": {"teacher": ["small group"]},
}
FOLLOW_UP = {"booking_id": "b-1", "school_id": "s-1", "student_id": "st-1", "teacher_id": "t-1",
             "guardian_ids": ["g-1", "g-2"], "cycle": "2026-fall", "due_at": "2026-10-19T15:00:00Z"}


@pytest.fixture
def store():
    store = FakeStore("goals", repositories=attach_fakes, clock=lambda: NOW)
    store.data["schools"] = {"s-1": {"_id": "s-1", "district_id": "d-1", "time_zone": "America/Chicago"}}
    store.data["students"] = {
        "st-1": StudentRecord("st-1", "d-1", "s-1", ("t-1",), ("g-1", "g-2"), "04"),
        "st-2": StudentRecord("st-2", "d-1", "s-1", ("t-1",), ("g-3",), "04"),
    }
    return store


def draft(store, **plan) -> dict:
    return goals.create_goal(store, STUDENT, CFG, "st-1", {**PLAN, **plan})


def test_a_student_starts_a_draft_goal_with_feedback_and_its_events(store):
    out = draft(store)
    stored = store.data["goals"][out["goal_id"]]
    assert stored["status"] == "draft" and stored["version"] == 1 and stored["created_by"] == "st-1"
    assert stored["district_id"] == "d-1" and stored["school_id"] == "s-1"
    assert out["can_submit"] is True and out["allowed_moves"] == ["submitted"]
    [created] = store.events("GoalCreated")
    assert created["goal_id"] == out["goal_id"] and created["status"] == "draft" and created["set_by"] == "student"
    assert [e["statement"] for e in store.events("GoalContentChanged")] == [PLAN["statement"]]


@pytest.mark.parametrize("principal, student_id, error, code", [
    (GUARDIAN, "st-1", Forbidden, "role_not_allowed"),              # may see the child, may not write their goal
    (STUDENT, "st-2", NotFound, "student_not_found"),               # another child: not even found
    (Principal("st-1", "student", "d-9"), "st-1", NotFound, "student_not_found"),  # another district
])
def test_only_the_student_starts_their_goal(store, principal, student_id, error, code):
    with pytest.raises(error) as refused:
        goals.create_goal(store, principal, CFG, student_id, dict(PLAN))
    assert refused.value.code == code
    assert store.data.get("goals", {}) == {} and store.published == []


def test_a_goal_with_errors_is_not_shared_and_a_complete_one_is(store):
    vague = draft(store, specific_actions=["try harder"])
    with pytest.raises(Invalid) as refused:
        goals.submit_goal(store, STUDENT, CFG, vague["goal_id"])
    assert refused.value.code == "goal_not_ready" and refused.value.extra["feedback"]
    assert store.data["goals"][vague["goal_id"]]["status"] == "draft" and store.events("GoalUpdated") == []

    good = draft(store)
    out = goals.submit_goal(store, STUDENT, CFG, good["goal_id"])
    assert out["status"] == "submitted" and store.data["goals"][good["goal_id"]]["version"] == 2
    assert [(e["goal_id"], e["status"]) for e in store.events("GoalUpdated")] == [(good["goal_id"], "submitted")]


def test_only_a_draft_is_deleted_and_only_by_its_author(store):
    kept, shared = draft(store), draft(store)
    goals.submit_goal(store, STUDENT, CFG, shared["goal_id"])
    with pytest.raises(NotFound):  # the teacher did not write it: for them it is not there to delete
        goals.delete_draft(store, TEACHER, CFG, kept["goal_id"])
    with pytest.raises(Conflict) as refused:
        goals.delete_draft(store, STUDENT, CFG, shared["goal_id"])
    assert refused.value.code == "goal_not_draft"
    goals.delete_draft(store, STUDENT, CFG, kept["goal_id"])
    assert set(store.data["goals"]) == {shared["goal_id"]}
    assert [e["goal_id"] for e in store.events("GoalDeleted")] == [kept["goal_id"]]


def test_a_check_in_closes_the_students_open_follow_ups(store):
    goal_id = draft(store)["goal_id"]
    goals.submit_goal(store, STUDENT, CFG, goal_id)
    assert run_handler(store, HANDLERS, make_envelope("FollowUpDue", FOLLOW_UP, subject="b-1")) == "processed"
    out = progress.record_checkin(store, STUDENT, goal_id, {"status": "on_track", "note": " Did 3 charts "})
    assert out["closed_follow_ups"] == ["followup-b-1"] and out["on"] == "2026-10-05"  # today in Chicago
    assert store.data["follow_ups"]["followup-b-1"]["closed_by_checkin"] == out["checkin_id"]
    [progressed] = store.events("GoalProgressRecorded")
    assert progressed["goal_id"] == goal_id and progressed["recorded_by_role"] == "student"
    assert [e["note"] for e in store.events("CheckinNoteRecorded")] == ["Did 3 charts"]
    again = progress.record_checkin(store, TEACHER, goal_id, {"status": "needs_support"})
    assert again["closed_follow_ups"] == []  # nothing was open any more
    listed = progress.list_checkins(store, GUARDIAN, goal_id)
    assert [c["by_role"] for c in listed["checkins"]] == ["student", "teacher"]
    assert store.data["audit_log"][-1]["what"] == "checkins" and store.data["audit_log"][-1]["actor_id"] == "g-1"


def test_a_follow_up_is_opened_once_per_booking_and_due_day(store):
    env = make_envelope("FollowUpDue", FOLLOW_UP, subject="b-1")
    assert run_handler(store, HANDLERS, env) == "processed"
    assert run_handler(store, HANDLERS, env) == "duplicate"
    # The same FollowUpDue sent again (a new event id) opens nothing new; a later due day does.
    run_handler(store, HANDLERS, make_envelope("FollowUpDue", FOLLOW_UP, subject="b-1"))
    run_handler(store, HANDLERS, make_envelope("FollowUpDue", dict(FOLLOW_UP, due_at="2026-12-03T15:00:00Z")))
    assert sorted(store.data["follow_ups"]) == ["followup-b-1", "followup-b-1-20261203"]
    listed = progress.list_follow_ups(store, GUARDIAN, "st-1", "open")["follow_ups"]
    assert [f["due_at"].day for f in listed] == [19, 3]


def test_a_conference_agrees_the_submitted_goals_of_its_cycle_once(store):
    submitted, still_draft = draft(store)["goal_id"], draft(store)["goal_id"]
    next_year = draft(store, cycle="2027-fall", target_date="2027-10-01")["goal_id"]
    for goal_id in (submitted, next_year):
        goals.submit_goal(store, STUDENT, CFG, goal_id)
    held = make_envelope("ConferenceHeld", {"booking_id": "b-1", "school_id": "s-1", "student_id": "st-1",
                                            "teacher_id": "t-1", "cycle": "2026-fall",
                                            "held_at": "2026-10-20T21:30:00Z", "private_talk": False})
    assert run_handler(store, HANDLERS, held) == "processed"
    assert run_handler(store, HANDLERS, held) == "duplicate"
    assert store.data["goals"][submitted]["status"] == "agreed"
    assert store.data["goals"][still_draft]["status"] == "draft"
    assert store.data["goals"][next_year]["status"] == "submitted"  # another school year's conference agrees it
    agreed = [(e["goal_id"], e["status"]) for e in store.events("GoalUpdated") if e["status"] == "agreed"]
    assert agreed == [(submitted, "agreed")]  # once: nothing from the duplicate


def test_the_familys_goals_are_created_once_and_only_a_newer_revision_replaces_the_agreement(store):
    content = {"booking_id": "b-1", "school_id": "s-1", "student_id": "st-1", "teacher_id": "t-1",
               "guardian_id": "g-1", "cycle": "2026-fall", "family_goals": [{"id": "fg-1", "text": "Read together"}],
               "supports": ["Tuesday group"], "next_checkin_on": "2026-11-05", "revision": 2}
    run_handler(store, HANDLERS, make_envelope("ConferenceOutcomeContent", content, subject="b-1"))
    older = dict(content, revision=1, supports=["old plan"], family_goals=[{"id": "fg-1", "text": "Read together"}])
    run_handler(store, HANDLERS, make_envelope("ConferenceOutcomeContent", older, subject="b-1"))
    assert store.data["goals"]["fg-1"]["set_by"] == "family" and store.data["goals"]["fg-1"]["status"] == "agreed"
    assert [e["goal_id"] for e in store.events("GoalCreated")] == ["fg-1"]
    assert store.data["conference_outcomes"]["b-1"]["supports"] == ["Tuesday group"]


def test_parent_input_is_the_familys_and_the_teachers_only(store):
    body = {"hopes": "More reading", "concerns": "", "goals_for_child": ["Read nightly", " "], "topics": [],
            "wants_private_talk": True, "private_concerns": "Sleep"}
    with pytest.raises(Forbidden):
        family.submit_parent_input(store, TEACHER, CFG, "st-1", dict(body))
    family.submit_parent_input(store, GUARDIAN, CFG, "st-1", dict(body))
    [sent] = store.events("ParentInputSubmitted")
    assert sent["guardian_id"] == "g-1" and sent["private_talk_requested"] and sent["family_goal_count"] == 1
    with pytest.raises(NotFound) as hidden:
        family.get_parent_input(store, STUDENT, CFG, "st-1", None)
    assert hidden.value.code == "parent_input_not_found"
    with pytest.raises(NotFound):  # the other guardian has sent none; they do not see g-1's
        family.get_parent_input(store, Principal("g-2", "guardian", "d-1"), CFG, "st-1", None)
    seen = family.get_parent_input(store, TEACHER, CFG, "st-1", None)
    assert [d["guardian_id"] for d in seen["parent_input"]] == ["g-1"]
    assert [(a["actor_id"], a["what"]) for a in store.data["audit_log"]] == [("t-1", "parent_input")]


def test_a_private_note_belongs_to_the_household_that_asked_for_the_talk(store):
    with pytest.raises(Invalid) as refused:  # two guardians, neither asked: the teacher must say which
        family.add_private_note(store, TEACHER, CFG, "st-1", {"text": "Talked about sleep"})
    assert refused.value.code == "guardian_required"
    family.submit_parent_input(store, Principal("g-2", "guardian", "d-1"), CFG, "st-1", {
        "hopes": "", "concerns": "", "goals_for_child": [], "topics": [], "wants_private_talk": True,
        "private_concerns": ""})
    note = family.add_private_note(store, TEACHER, CFG, "st-1", {"text": " Talked about sleep "})
    assert note["guardian_ids"] == ["g-2"] and note["text"] == "Talked about sleep"
    assert family.get_private_notes(store, GUARDIAN, CFG, "st-1", None)["notes"] == []
    assert [n["note_id"] for n in family.get_private_notes(store, TEACHER, CFG, "st-1", None)["notes"]] == [
        note["note_id"]]


def test_the_self_assessment_is_the_students_to_write_and_its_reads_are_audited(store):
    body = {"strengths": ["I finish my work"], "areas_for_growth": ["Asking for help"], "supports": ["A reminder"],
            "classwork_progress": "Better in math"}
    with pytest.raises(Invalid) as refused:
        family.submit_self_assessment(store, STUDENT, CFG, "st-1", dict(body, strengths=[]))
    assert refused.value.code == "self_assessment_invalid" and "strengths" in refused.value.errors
    family.submit_self_assessment(store, STUDENT, CFG, "st-1", body)
    assert [e["cycle"] for e in store.events("SelfAssessmentSubmitted")] == ["2026-fall"]
    assert family.get_self_assessment(store, TEACHER, CFG, "st-1", None)["strengths"] == ["I finish my work"]
    with pytest.raises(NotFound) as missing:
        family.get_self_assessment(store, TEACHER, CFG, "st-1", "2027-spring")
    assert missing.value.code == "self_assessment_not_found"
    with pytest.raises(NotFound) as missing:
        family.get_reflections(store, TEACHER, CFG, "st-1", None)
    assert missing.value.code == "reflections_not_found"
    assert [(a["actor_id"], a["what"], a["cycle"]) for a in store.data["audit_log"]] == [
        ("t-1", "self_assessment", "2026-fall")]
