"""Pure gradebook rules: scores against scales, planning writes, events, and a
student's own learning summary."""
from datetime import date

import pytest

from services.roster.domain.gradebook import (
    GradebookRecords, LineItem, Result, Scale, learning_summary, plan_writes, result_events, score_problem,
    target_docs)

FOUR = Scale("sc", "1-4", values=((1.0, "B"), (2.0, "D"), (3.0, "S"), (4.0, "X")))


@pytest.mark.parametrize("score, item, scale, bad", [
    (3.0, LineItem("li", "t", "c", None), FOUR, None),
    (2.5, LineItem("li", "t", "c", None), FOUR, "not on scale"),
    (5.0, LineItem("li", "t", "c", None), FOUR, "not on scale"),
    (101.0, LineItem("li", "t", "c", None, value_min=0, value_max=100), None, "outside its scale (0 to 100)"),
    (-1.0, LineItem("li", "t", "c", None), Scale("r", "0-100", minimum=0, maximum=100), "outside"),
    (50.0, LineItem("li", "t", "c", None), None, None),   # no scale: any number
    (None, LineItem("li", "t", "c", None), FOUR, None),   # no score (text score only)
])
def test_score_problem(score, item, scale, bad):
    found = score_problem(score, item, scale)
    assert (found is None) if bad is None else (bad in found)


def records(score=2.0, day=date(2026, 10, 1)) -> GradebookRecords:
    return GradebookRecords(scales={"sc": FOUR},
                            line_items={"li": LineItem("li", "Fluency", "c1", None, scale_id="sc",
                                                       objective_ids=("RF.3.4", "RF.3.3"))},
                            results={"r": Result("r", "li", "st", score, day)}, bulk=frozenset({"gb_results"}))


STATE = {"classes": {"c1": {"school_id": "s1", "active": True}}, "people": {"st": {"school_id": "s1"}}}


def docs(rec):
    return target_docs(rec, "d", STATE, lambda i: i)


def test_planning_the_same_records_again_writes_and_announces_nothing():
    first = plan_writes({}, docs(records()), records().bulk)
    assert sorted(w.kind for w in first) == ["gb_line_items", "gb_results", "gb_scales"]
    stored = {k: {d["_id"]: d for d in (w.after for w in first if w.kind == k)} for k in
              ("gb_scales", "gb_line_items", "gb_results")}
    assert plan_writes(stored, docs(records()), records().bulk) == []
    assert result_events(stored, stored) == []
    events = result_events({}, stored)
    private = [e for e in events if e[0] == "GradebookResultRecorded"]
    assert [e[1]["learning_objective_id"] for e in private] == ["RF.3.4", "RF.3.3"]  # one per objective
    assert private[0][1]["scale_min"] == 1.0 and private[0][1]["scale_max"] == 4.0
    public = [e for e in events if e[0] == "GradebookResultsImported"]
    assert public == [("GradebookResultsImported", {"school_id": "s1", "class_id": "c1", "line_item_count": 1,
                                                    "result_count": 1, "student_count": 1}, "c1", "s1")]
    # a changed score: one update, announced; a result missing from a bulk file ends, silently
    changed = plan_writes(stored, docs(records(score=3.0)), records().bulk)
    assert [(w.kind, w.before is not None) for w in changed] == [("gb_results", True)]
    gone = plan_writes(stored, {**docs(records()), "gb_results": {}}, frozenset({"gb_results"}))
    assert [(w.kind, w.after["active"]) for w in gone] == [("gb_results", False)]


def result(rid, item, score, day):
    return {"_id": rid, "line_item_id": item, "score": score, "date": day, "active": True}


ITEMS = {"a": {"title": "Fluency 1", "scale_id": "sc", "objective_ids": ["RF"]},
         "b": {"title": "Fluency 2", "scale_id": "sc", "objective_ids": ["RF"]},
         "m": {"title": "Fractions", "scale_id": "sc", "objective_ids": ["NF"]},
         "w": {"title": "Words", "value_min": 0, "value_max": 100, "objective_ids": ["WPM"]},
         "x": {"title": "No scale", "objective_ids": ["ART"]}}
SCALES = {"sc": {"title": "1-4", "minimum": 1.0, "maximum": 4.0}}


def test_learning_summary_is_own_progress_per_standard():
    results = [result("1", "a", 1.0, "2026-09-20"), result("2", "b", 2.0, "2026-10-10"),
               result("3", "m", 4.0, "2026-10-01"), result("4", "w", 35, "2026-10-01"),
               result("5", "x", 7, "2026-10-01"), result("6", "m", 1.0, "2026-12-01")]
    summary = learning_summary(results, ITEMS, SCALES, as_of=date(2026, 10, 31))
    by = {a.objective_id: a for a in summary.areas}
    assert [p.score for p in by["RF"].points] == [1.0, 2.0] and by["RF"].change == pytest.approx(0.3333, abs=1e-3)
    assert by["NF"].latest.score == 4.0  # the December result is after as_of
    assert summary.strengths == ("NF", "RF")          # secure; grew a third of the scale
    assert summary.areas_to_grow == ("RF", "WPM")     # lowest level first (a third < 35 of 100)
    assert "ART" in by and "ART" not in summary.strengths + summary.areas_to_grow  # no scale: not judged
    assert learning_summary([], ITEMS, SCALES, date(2026, 10, 31)).areas == ()


def test_a_goal_started_from_a_standard_follows_every_later_assessment_of_it():
    from datetime import date as day

    from services.roster.application.gradebook import _starter
    from services.roster.domain.gradebook import Area, Point

    quizzes = (Point(day(2026, 9, 10), 1.0, "quiz-1", "Fractions quiz 1"),
               Point(day(2026, 10, 1), 1.5, "quiz-2", "Fractions quiz 2"))
    standard = _starter(Area("CCSS.MATH.3.NF.A.1", "Fractions", 1, 4, None, quizzes))
    # the standard, not the latest quiz: quiz 3 must reach the goal too
    assert standard["measure"]["learning_objective_id"] == "CCSS.MATH.3.NF.A.1"
    assert standard["measure"]["line_item_id"] is None
    assert standard["measure"]["baseline"] == 1.5 and standard["measure"]["target"] == 4
    # results that name no standard are followed by their line item
    loose = _starter(Area("line-item:quiz-2", "Fractions quiz 2", 1, 4, None, quizzes[1:]))
    assert loose["measure"] == {**loose["measure"], "learning_objective_id": None, "line_item_id": "quiz-2"}
