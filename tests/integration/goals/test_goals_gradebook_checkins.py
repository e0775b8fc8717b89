"""Check-ins from the gradebook, handler by handler (no broker): which goals receive
one, exactly once per result, a corrected score updating it, the score kept off the
public event."""
from __future__ import annotations

from services.common.outbox import OUTBOX
from services.common.testing import make_envelope, run_handler
from services.goals.adapters.repository import CHECKINS
from services.goals.entrypoints.handlers import HANDLERS

STANDARD = "RF.3.4"


def goal_body(measure: dict | None) -> dict:
    return {"statement": "I will read aloud every night to read more smoothly.",
            "focus": {"kind": "standard", "label": "fluency", "code": STANDARD}, "term": "short",
            "specific_actions": ["read aloud 10 minutes", "reread tricky parts", "ask for a new book"],
            "trackable": {"method": "I will color in my reading chart after every fluency check",
                          "measure": measure},
            "achievable_reasons": ["I read every night", "my teacher helps on Tuesdays"],
            "target_date": "2026-12-18", "supports": {"teacher": ["fluency group"]}}


def result(result_id="r-1", score=2.0, day="2026-10-01", objective=STANDARD, line_item="li-1") -> dict:
    return make_envelope("GradebookResultRecorded", {
        "result_id": result_id, "student_id": "st-1", "school_id": "s-1", "class_id": "c-1",
        "line_item_id": line_item, "learning_objective_id": objective, "date": day, "score": score,
        "scale_id": "sc-4", "scale_min": 1.0, "scale_max": 4.0, "scale_title": "1-4"}, subject="st-1")


def test_linked_open_goals_get_one_checkin_per_result(goals_env):
    goals_env.seed_roster()
    student = goals_env.client("student", "st-1")

    def goal(measure, submit=True):
        made = student.post("/students/st-1/goals", json=goal_body(measure))
        assert made.status_code == 201, made.get_json()
        if submit:
            sent = student.post(f"/goals/{made.get_json()['goal_id']}/submit")
            assert sent.status_code == 200, sent.get_json()["errors"]
        return made.get_json()["goal_id"]

    linked = goal({"unit": "level", "baseline": 1, "target": 3, "learning_objective_id": STANDARD})
    by_item = goal({"unit": "level", "baseline": 3, "target": 4, "learning_objective_id": STANDARD,
                    "line_item_id": "li-2"})
    unlinked = goal({"unit": "level", "baseline": 1, "target": 3})
    draft = goal({"unit": "level", "baseline": 1, "target": 3, "learning_objective_id": STANDARD}, submit=False)
    assert student.post(f"/goals/{unlinked}/checkins", json={"status": "on_track", "measure_value": 2}).status_code \
        == 201

    first = result()
    assert run_handler(goals_env.store, HANDLERS, first) == "processed"
    assert run_handler(goals_env.store, HANDLERS, first) == "duplicate"
    assert run_handler(goals_env.store, HANDLERS, result(objective="NF.A.1")) == "processed"  # another standard
    rows = list(goals_env.db[CHECKINS].find({"source": "gradebook"}))
    assert [(r["goal_id"], r["measure_value"], r["status"]) for r in rows] == [(linked, 2.0, "on_track")]
    assert goals_env.db[CHECKINS].count_documents({"goal_id": {"$in": [by_item, draft]}}) == 0
    assert goals_env.db[CHECKINS].count_documents({"goal_id": unlinked, "source": "hand"}) == 1

    # The same result sent again (a new event, e.g. after a re-import elsewhere): still one check-in.
    run_handler(goals_env.store, HANDLERS, result())
    assert goals_env.db[CHECKINS].count_documents({"source": "gradebook"}) == 1
    # A corrected score updates that check-in; a result on the named line item reaches the other goal.
    run_handler(goals_env.store, HANDLERS, result(score=1.0))
    run_handler(goals_env.store, HANDLERS, result(result_id="r-2", score=3.0, line_item="li-2"))
    got = sorted((r["goal_id"], r["measure_value"], r["status"])
                 for r in goals_env.db[CHECKINS].find({"source": "gradebook"}))
    assert got == sorted([(linked, 1.0, "on_track"), (linked, 3.0, "on_track"), (by_item, 3.0, "on_track")])

    public = [e["envelope"]["data"] for e in goals_env.db[OUTBOX].find({"name": "GoalProgressRecorded"})]
    assert {(d["source"], d["value"]) for d in public} == {("hand", 2.0), ("gradebook", None)}
    private = [e["envelope"]["data"] for e in goals_env.db[OUTBOX].find({"name": "CheckinMeasureRecorded"})]
    assert sorted(d["value"] for d in private) == [1.0, 2.0, 3.0, 3.0]
