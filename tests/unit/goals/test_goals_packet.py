"""Conference packet: order, agenda items, and who may see what."""
from datetime import date, datetime, timezone

import pytest

from services.goals.domain import (
    SECTION_ORDER, Checkin, Evidence, EvidenceFile, Focus, Goal, NoteCard, ParentInput, Plan,
    PrivateNote, SchoolYear, SelfAssessment, build_packet, family_goal_differs,
    validate_parent_input, visible_sections,
)
from services.goals.domain.family import topics_of

YEAR = SchoolYear(date(2026, 8, 24), date(2027, 6, 10))
LAST_YEAR = SchoolYear(date(2025, 8, 25), date(2026, 6, 11))
SECRET = "SECRET-concern-about-home"
NOTE_SECRET = "PRIVATE-talk-note"


def goal(gid, label, statement, code=None, cycle="2026-fall", year=YEAR, status="agreed", kind="standard"):
    plan = Plan(statement, Focus(kind, label, code), "short", target_date=year.start.replace(month=11))
    return Goal(gid, "s1", year, cycle, plan, status=status)


FRACTIONS = goal("g1", "fractions", "I will ask questions when I don't understand parts of the math lesson.",
                 "CCSS.MATH.4.NF.A.1")
OLD = goal("g0", "spelling", "I will practice 10 spelling words each night.", cycle="2025-spring",
           year=LAST_YEAR, status="carried_over")
PARENT = ParentInput("p1", "s1", hopes="More confidence", concerns=SECRET,
                     goals_for_child=["I hope she reads chapter books this year"], wants_private_talk=True,
                     private_concerns=SECRET + "-private")


def packet(role, goals=(FRACTIONS,), parents=(PARENT,), previous=(OLD,)):
    return build_packet(
        role, {"id": "s1", "given_name": "Ana", "grade": "04"}, list(goals),
        SelfAssessment(["I ask for help"], ["reading longer books"]),
        {"primary.who_helps": "My teacher"},
        [Evidence("e1", "s1", "Fractions poster", NoteCard("I can add fractions", "g1"),
                  EvidenceFile("image/png", 1000))],
        list(parents),
        [Checkin("g1", date(2026, 10, 9), "on_track", "student", "good week"),
         Checkin("g0", date(2026, 3, 1), "needs_support", "teacher", "half way")],
        list(previous),
        private_notes=[PrivateNote("t1", datetime(2026, 10, 23, 17, tzinfo=timezone.utc), NOTE_SECRET)],
    )


def test_visible_sections_by_role():
    assert visible_sections("student") == ("previous_goals", "self_assessment", "reflections", "goals", "evidence")
    for role in ("teacher", "guardian", "school_admin", "district_admin"):
        assert visible_sections(role) == SECTION_ORDER
    assert visible_sections("service") == ()


def test_previous_goals_come_first():
    p = packet("teacher")
    assert p["sections"][0] == "previous_goals"
    assert [k for k in p if k in SECTION_ORDER][0] == "previous_goals"
    assert [g["goal_id"] for g in p["previous_goals"]] == ["g0"]
    assert p["previous_goals"][0]["progress"]["latest_status"] == "needs_support"
    assert [c["note"] for c in p["goals"][0]["checkins"]] == ["good week"]
    assert p["reflections"] == [{"question_id": "primary.who_helps", "question": "Who can help me?",
                                 "answer": "My teacher"}]


def test_student_never_sees_parent_input_agenda_or_private_notes():
    p = packet("student")
    for hidden in ("parent_input", "agenda", "private_notes"):
        assert hidden not in p
    text = repr(p)
    assert SECRET not in text and NOTE_SECRET not in text and "chapter books" not in text
    assert p["goals"][0]["goal_id"] == "g1" and p["evidence"][0]["title"] == "Fractions poster"


@pytest.mark.parametrize("role", ["teacher", "guardian", "school_admin"])
def test_adults_see_parent_input_and_private_notes(role):
    p = packet(role)
    assert p["parent_input"][0]["concerns"] == SECRET
    assert p["private_notes"][0]["text"] == NOTE_SECRET


def test_service_accounts_get_no_sections():
    p = packet("service")
    assert p["sections"] == [] and not set(SECTION_ORDER) & set(p)


def test_agenda_flags_family_goal_that_differs_and_orders_items():
    agenda = packet("teacher")["agenda"]
    assert [a["kind"] for a in agenda] == ["review_previous_goals", "family_goal_differs", "private_talk"]
    assert agenda[1]["text"] == "The family hopes for reading; the student chose fractions."
    assert agenda[1]["guardian_id"] == "p1"


def test_no_agenda_item_when_family_and_student_agree():
    reading = goal("g2", "reading fluency", "I will read aloud for 10 minutes every night.",
                   "CCSS.ELA-LITERACY.RF.4.4")
    agenda = packet("teacher", goals=(FRACTIONS, reading), previous=())
    assert [a["kind"] for a in agenda["agenda"]] == ["private_talk"]


def test_agenda_falls_back_to_hopes_and_to_keywords():
    hopes_only = ParentInput("p2", "s1", hopes="Making friends at recess")
    agenda = packet("guardian", parents=(hopes_only,), previous=())["agenda"]
    assert agenda == [{"kind": "family_goal_differs", "guardian_id": "p2", "family_goal": "Making friends at recess",
                       "family_topics": ["friendships"],
                       "text": "The family hopes for friendships; the student chose fractions."}]
    odd = ParentInput("p3", "s1", goals_for_child=["Learn to play the violin"])
    [item] = packet("teacher", goals=(), parents=(odd,), previous=())["agenda"]
    assert item["text"] == 'The family hopes for “Learn to play the violin”; the student has not chosen a goal yet.'
    violin = goal("g3", "violin", "I will practice violin 15 minutes a day.", kind="personal")
    assert not family_goal_differs("Learn to play the violin", [violin])


def test_topics_from_standard_codes_and_words():
    assert topics_of("", "CCSS.MATH.4.NF.A.1") == {"math"}
    assert topics_of("", "CCSS.ELA-LITERACY.W.4.3") == {"writing"}
    assert topics_of("better at multiplication and spelling") == {"math", "writing"}


def test_parent_input_validation():
    assert validate_parent_input(PARENT) == []
    assert [f.code for f in validate_parent_input(ParentInput("p1", "s1"))] == ["parent_input_empty"]
    assert validate_parent_input(ParentInput("p1", "s1", wants_private_talk=True)) == []
    assert [f.field for f in validate_parent_input(ParentInput("p1", "s1", hopes="h" * 2001))] == ["hopes"]
    many = ParentInput("p1", "s1", goals_for_child=[f"goal {i}" for i in range(11)])
    assert [f.code for f in validate_parent_input(many)] == ["too_many_items"]
