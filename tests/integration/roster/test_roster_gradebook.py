"""Gradebook imports: OneRoster 1.2 gradebook files (alone, after the roster) and the
plain CSV, through the same staged, all-or-nothing, idempotent import as the roster."""
from __future__ import annotations

from collections import Counter

import pytest

from gradebook_support import gradebook_files, scores, write_gradebook
from roster_support import counts, write_bundle
from services.common.outbox import OUTBOX
from services.roster.application.imports import BundleRejected, import_bundle, import_gradebook_csv
from services.roster.adapters.repository import GB_RESULTS

D = "d-matrix"


@pytest.fixture
def district(roster, matrix_bundle):
    _, store = roster
    assert import_bundle(store, matrix_bundle)["status"] == "applied"
    return store


def outbox(db) -> Counter:
    return Counter(d["name"] for d in db[OUTBOX].find({}))


def test_a_gradebook_imports_once_then_changes_nothing(district, tmp_path):
    store = district
    first = import_bundle(store, write_gradebook(tmp_path / "gb1"), district_id=D)
    assert first["status"] == "applied" and first["oneroster_version"] == "1.2"
    assert first["counts"]["gb_results"] == {"create": 8, "update": 0, "deactivate": 0}
    assert first["counts"]["gb_line_items"]["create"] == 6
    # one private event per result (each line item names one standard), one public per class
    assert first["events"]["GradebookResultRecorded"] == 8
    assert first["events"]["GradebookResultsImported"] == 3
    doc = store.db[GB_RESULTS].find_one({"_id": f"{D}~r-li-c1-read-st1"})
    assert doc["student_id"] == f"{D}~st1" and doc["score"] == 1.0 and doc["school_id"] == f"{D}~s1"
    before_db, before_outbox = counts(store.db), outbox(store.db)

    again = import_bundle(store, write_gradebook(tmp_path / "gb2"), district_id=D)
    assert again["status"] == "unchanged" and again["changes"] == 0 and again["events"] == {}
    assert outbox(store.db) == before_outbox
    assert {k: v for k, v in counts(store.db).items() if k != "imports"} == \
        {k: v for k, v in before_db.items() if k != "imports"}


def test_a_changed_score_updates_one_result_and_announces_it(district, tmp_path):
    store = district
    import_bundle(store, write_gradebook(tmp_path / "gb1"), district_id=D)
    changed = import_bundle(store, write_gradebook(tmp_path / "gb2", results=scores(st1_read=3.0)), district_id=D)
    assert changed["counts"]["gb_results"] == {"create": 0, "update": 1, "deactivate": 0}
    assert changed["events"] == {"GradebookResultRecorded": 1, "GradebookResultsImported": 1, "RosterImported": 1}
    private = store.db[OUTBOX].find_one({"name": "GradebookResultRecorded", "envelope.data.score": 3.0})
    assert private["envelope"]["data"]["learning_objective_id"] == "CCSS.ELA-LITERACY.RF.3.4"
    public = list(store.db[OUTBOX].find({"name": "GradebookResultsImported"}))
    assert all("score" not in p["envelope"]["data"] for p in public)
    # bulk results: a result no longer sent ends (kept, inactive); nothing is announced for it
    fewer = scores()
    del fewer[("st2", "math")]
    gone = import_bundle(store, write_gradebook(tmp_path / "gb3", results={**fewer, ("st1", "read"): 3.0}),
                         district_id=D)
    assert gone["counts"]["gb_results"] == {"create": 0, "update": 0, "deactivate": 1}
    assert "GradebookResultRecorded" not in gone["events"]


def test_gradebook_with_the_roster_in_one_bundle(roster, tmp_path):
    from roster_support import MATRIX
    _, store = roster
    files = {**{k: v for k, v in MATRIX.items() if k != "manifest.csv"}, **gradebook_files()}
    roster_modes = {"academicSessions": "bulk", "classes": "bulk", "enrollments": "bulk", "orgs": "bulk",
                    "users": "bulk"}
    from gradebook_support import GRADEBOOK_FILES, manifest
    files["manifest.csv"] = manifest({**roster_modes, **{f: "bulk" for f in GRADEBOOK_FILES}})
    # 1.2 users.csv needs roles from roles.csv or a role column: the matrix users have a role column
    summary = import_bundle(store, write_bundle(tmp_path / "both", files))
    assert summary["status"] == "applied", summary["errors"]
    assert summary["counts"]["people"]["create"] == 11 and summary["counts"]["gb_results"]["create"] == 8


BROKEN = {
    "unknown line item": (lambda f: f.__setitem__("results.csv", f["results.csv"] + "r-x,active,,li-nope,st1,c1,"
                                                  "fully graded,2,,2026-10-01,\n"),
                          ("results.csv", 10, "lineItemSourcedId"), "unknown line item 'li-nope'"),
    "score off its scale": (lambda f: f.__setitem__("results.csv", f["results.csv"].replace(
        "li-c2-math,st2,c2,fully graded,2,", "li-c2-math,st2,c2,fully graded,7,")),
        ("results.csv", 7, "score"), "score 7 is not on scale"),
    "student not in the roster": (lambda f: f.__setitem__("results.csv", f["results.csv"] + "r-y,active,,li-c1-read,"
                                                          "st99,c1,fully graded,2,,2026-10-01,\n"),
                                  ("results.csv", 10, "studentSourcedId"), "'st99' is not a student in the roster"),
    "link to an unknown line item": (lambda f: f.__setitem__(
        "lineItemLearningObjectiveIds.csv", f["lineItemLearningObjectiveIds.csv"] + "lio-x,active,,li-nope,case,X\n"),
        ("lineItemLearningObjectiveIds.csv", 8, "lineItemSourcedId"), "unknown line item 'li-nope'"),
    "missing file": (lambda f: f.pop("lineItems.csv"), ("lineItems.csv", None, None), "the file is missing"),
    "bad date": (lambda f: f.__setitem__("results.csv",
                                         f["results.csv"].replace(",2026-10-01,\n", ",01/10/2026,\n", 1)),
                 ("results.csv", 2, "scoreDate"), "bad date"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_gradebook_is_rejected_whole_with_line_level_errors(case, district, tmp_path):
    store = district
    import_bundle(store, write_gradebook(tmp_path / "ok"), district_id=D)
    before_db, before_outbox = counts(store.db), outbox(store.db)
    files = gradebook_files(results=scores(st1_read=3.0))  # a valid change rides along: it must not land
    edit, where, reason = BROKEN[case]
    edit(files)
    with pytest.raises(BundleRejected) as rejected:
        import_bundle(store, write_bundle(tmp_path / "bad", files), district_id=D)
    found = {(e.file, e.line, e.column): e.reason for e in rejected.value.row_errors}
    assert where in found and reason in found[where], found
    assert counts(store.db) == before_db and outbox(store.db) == before_outbox
    assert store.db[GB_RESULTS].find_one({"_id": f"{D}~r-li-c1-read-st1"})["score"] == 1.0


def test_plain_csv_imports_once_and_rejects_bad_rows(district, tmp_path):
    store = district
    path = tmp_path / "results.csv"
    path.write_text("student,standard,date,score,scale\nst1,RF.3.4 fluency,2026-10-01,60,0-100\n"
                    "st1,RF.3.4 fluency,2026-11-01,72,0-100\nst2,NF.A.1,2026-10-01,3,1-4\n", encoding="utf-8")
    first = import_gradebook_csv(store, path, district_id=D)
    assert first["status"] == "applied" and first["counts"]["gb_results"]["create"] == 3
    assert first["events"]["GradebookResultRecorded"] == 3
    assert import_gradebook_csv(store, path, district_id=D)["status"] == "unchanged"
    bad = tmp_path / "bad.csv"
    bad.write_text("student,standard,date,score,scale\nst1,RF.3.4 fluency,2026-12-01,120,0-100\n"
                   "st77,NF.A.1,2026-10-01,3,1-4\nst2,NF.A.1,2026-10-01,3,four\n", encoding="utf-8")
    before = counts(store.db)
    with pytest.raises(BundleRejected) as rejected:
        import_gradebook_csv(store, bad, district_id=D)
    assert {(e.line, e.column) for e in rejected.value.row_errors} == {(2, "score"), (3, "student"), (4, "scale")}
    assert counts(store.db) == before


def test_plain_csv_quizzes_on_one_standard_keep_their_own_titles(district, tmp_path, client_for):
    store = district
    first, later = tmp_path / "october.csv", tmp_path / "november.csv"
    first.write_text("student,standard,date,score,scale,title\nst1,NF.A.1,2026-10-01,1,1-4,Fractions quiz 1\n",
                     encoding="utf-8")
    later.write_text("student,standard,date,score,scale,title\nst1,NF.A.1,2026-11-01,2,1-4,Fractions quiz 2\n",
                     encoding="utf-8")
    assert import_gradebook_csv(store, first, district_id=D)["status"] == "applied"
    second = import_gradebook_csv(store, later, district_id=D)
    # a second assessment, not a renamed first one
    assert second["counts"]["gb_line_items"] == {"create": 1, "update": 0, "deactivate": 0}
    learning = client_for("student", f"{D}~st1").get(f"/students/{D}~st1/learning?as_of=2026-12-01").get_json()
    (area,) = [a for a in learning["areas"] if a["objective_id"] == "NF.A.1"]
    assert [(p["title"], p["score"]) for p in area["points"]] == [("Fractions quiz 1", 1.0), ("Fractions quiz 2", 2.0)]


class Crash(BaseException):
    """The importer process dies (nothing it could catch)."""


def test_a_gradebook_import_that_dies_before_its_commit_is_invisible_and_rolled_back(district, tmp_path,
                                                                                      monkeypatch, client_for):
    from services.roster.adapters import staging
    from services.roster.adapters.repository import IMPORTS
    store = district
    import_bundle(store, write_gradebook(tmp_path / "gb1"), district_id=D)
    before_outbox = outbox(store.db)

    def die(self, *a, **k):
        raise Crash()
    monkeypatch.setattr(staging.StagedImport, "commit", die)
    monkeypatch.setattr(staging.StagedImport, "abort", lambda self: None)
    monkeypatch.setattr(staging, "release_lock", lambda *a, **k: None)
    with pytest.raises(Crash):
        import_bundle(store, write_gradebook(tmp_path / "gb2", results=scores(st1_read=4.0)), district_id=D)
    monkeypatch.undo()
    staged = store.db[IMPORTS].find_one({"status": "staging"})
    assert store.db[GB_RESULTS].find_one({"_id": f"{D}~r-li-c1-read-st1"})["score"] == 4.0  # written, staged
    learning = client_for("student", f"{D}~st1").get(f"/students/{D}~st1/learning?as_of=2026-12-01").get_json()
    reading = next(a for a in learning["areas"] if a["objective_id"] == "CCSS.ELA-LITERACY.RF.3.4")
    assert reading["latest_score"] == 1.0  # readers see the committed version
    assert outbox(store.db) == before_outbox
    # the next import (after the lease lapsed) rolls the dead one back first, then applies itself
    store.db["import_locks"].update_one({"_id": D}, {"$set": {"until": staged["started_at"]}})
    again = import_bundle(store, write_gradebook(tmp_path / "gb3", results=scores(st1_read=3.0)), district_id=D)
    assert store.db[IMPORTS].find_one({"_id": staged["_id"]})["status"] == "aborted"
    assert again["counts"]["gb_results"] == {"create": 0, "update": 1, "deactivate": 0}
    assert store.db[GB_RESULTS].find_one({"_id": f"{D}~r-li-c1-read-st1"})["score"] == 3.0


def test_a_partial_import_takes_the_good_rows_and_reports_the_bad(district, tmp_path):
    store = district
    files = gradebook_files()
    files["results.csv"] += "r-y,active,,li-c1-read,st99,c1,fully graded,2,,2026-10-01,\n"
    summary = import_bundle(store, write_bundle(tmp_path / "partial", files), district_id=D, partial=True)
    assert summary["status"] == "applied" and summary["counts"]["gb_results"]["create"] == 8
    assert [(e["file"], e["line"], e["column"]) for e in summary["errors"]] == [("results.csv", 10,
                                                                                 "studentSourcedId")]
