"""Report models from a student's read-model document (pure; no servers)."""
import datetime as dt

import pytest

from services.common.errors import Invalid
from services.reports.domain.model import Period, build_model, choose_lang, homeroom_teacher, person_name
from services.reports.application.projection import stamp
from services.reports.adapters.repository import key


def doc(**kw):
    base = {
        "_id": "stu-1", "first_name": "José", "last_name": "Muñoz", "grade": "4", "lang": None,
        "classes": {"cls-b": {"class_id": "cls-b", "teacher_ids": ["tch-b"]},
                    "cls-a": {"class_id": "cls-a", "teacher_ids": ["tch-a", "tch-x"]}},
        "goals": {
            "g1": {"id": "g1", "status": "agreed", "created_at": "2026-09-20T10:00:00.000000Z",
                   "statement": "Read every day", "focus": {"kind": "standard", "label": "Fluency", "code": "RL.4"},
                   "term": "short", "plan": {"specific_actions": ["a", "b", "c"], "trackable": {"method": "Log"},
                                             "achievable_reasons": ["x", "y"], "target_date": "2026-12-15"},
                   "supports": {"teacher": ["t"], "family": [], "student": ["s"]}, "next_steps": "More",
                   "checkins": {"c1": {"id": "c1", "date": "2026-10-01", "status": "on_track", "value": 3.0},
                                "c2": {"id": "c2", "date": "2026-12-02", "status": "achieved", "value": 5.0}}},
            "g0": {"id": "g0", "status": "draft", "created_at": "2026-09-01T10:00:00.000000Z"},
            "g2": {"id": "g2", "status": "achieved", "created_at": "2027-01-05T10:00:00.000000Z"},
            "g3": {"id": "g3", "status": "carried_over", "created_at": "2025-10-01T10:00:00.000000Z"},
        },
        "conferences": {
            "b1": {"id": "b1", "state": "2cancelled", "start": "2026-10-10T15:00:00Z"},
            "b2": {"id": "b2", "state": "3held", "start": "2026-10-14T15:00:00Z", "held_at": "2026-10-14T15:05:00Z",
                   "private_talk": True},
        },
        "followups": {"b2": {"booking_id": "b2", "due_at": "2026-10-28T14:00:00Z", "cycle": "fall"}},
        "parent_inputs": {"fall|g1": {"guardian_id": "g1", "cycle": "fall", "family_goal_count": 2},
                          "fall|g2": {"guardian_id": "g2", "cycle": "fall", "family_goal_count": 0}},
    }
    base.update(kw)
    return base


def test_period_runs_from_the_school_year_start_to_the_month_end():
    p = Period.parse("2026-11")
    assert (p.start, p.end) == (dt.date(2026, 8, 1), dt.date(2026, 11, 30))
    assert Period.parse("2027-02").start == dt.date(2026, 8, 1) and Period.parse("2027-02").end.day == 28
    for bad in ("2026-13", "2026-1", "november", ""):
        with pytest.raises(Invalid):
            Period.parse(bad)


def test_model_shows_this_years_goals_with_checkins_inside_the_period():
    model = build_model(doc(), Period.parse("2026-11"), lang="es", school_name="Lovett", teacher_name="Ms A")
    assert [g["id"] for g in model["goals"]] == ["g1"]  # no drafts, nothing later, nothing stale
    goal = model["goals"][0]
    assert goal["status"] == "active" and goal["focus"] == "Fluency" and goal["plan"]["trackable"] == "Log"
    assert [c["date"] for c in goal["checkins"]] == ["2026-10-01"]
    assert model["student"] == {"id": "stu-1", "first_name": "José", "last_name": "Muñoz", "grade": "4",
                                "school_name": "Lovett", "teacher_name": "Ms A"}
    assert model["conference"] == {"status": "held", "date": "2026-10-14", "followup_date": "2026-10-28",
                                   "private_followup": True, "teacher_notes": "", "supports": [],
                                   "next_checkin_date": None}
    assert model["family_goals"] == ["Metas que su familia compartió en el formulario para padres: 2"]


def test_a_later_period_and_a_chosen_booking():
    later = build_model(doc(), Period.parse("2026-12"), lang="en")
    assert {g["id"] for g in later["goals"]} == {"g1"} and len(later["goals"][0]["checkins"]) == 2
    january = build_model(doc(), Period.parse("2027-01"), lang="en")
    assert {g["id"] for g in january["goals"]} == {"g1", "g2"}
    cancelled = build_model(doc(), Period.parse("2026-11"), lang="en", booking=doc()["conferences"]["b1"])
    assert cancelled["conference"]["status"] == "not_booked"
    assert build_model(doc(conferences={}), Period.parse("2026-11"), lang="en")["conference"] == {
        "status": "not_booked"}


def test_language_guardian_then_student_then_school():
    school = {"languages": ["es", "en"]}
    assert choose_lang(doc(lang="en"), school, guardian={"language": "vi"}) == "en"  # vi unsupported -> en
    assert choose_lang(doc(lang="en"), school, guardian={"language": "es-MX"}) == "es"
    assert choose_lang(doc(lang="en"), school) == "en"
    assert choose_lang(doc(lang=None), school) == "es"
    assert choose_lang(doc(lang=None), None) == "en"


def test_labels_and_keys():
    assert homeroom_teacher(doc()) == "tch-a" and homeroom_teacher({"classes": {}}) is None
    assert person_name({"given_name": "Ana", "preferred_name": "Annie", "family_name": "Ruiz"}) == "Annie Ruiz"
    assert key("g-1") == "g-1" and key("a.b") != "a.b" and "." not in key("a.b") and key("$x")[0] == "~"
    ev = type("E", (), {"time": "2026-10-01T15:00:00Z"})
    assert stamp(ev) == "2026-10-01T15:00:00.000000Z"
    ev.time = "2026-10-01T15:00:00.5+00:00"
    assert stamp(ev) > "2026-10-01T15:00:00.000000Z"
