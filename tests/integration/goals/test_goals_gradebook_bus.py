"""Goals from data, through the real bus: the roster imports a gradebook, its private
GradebookResultRecorded reaches the goals worker on the internal exchange, a goal
linked to that standard gets one check-in from the gradebook per result, and the
reports worker's progress report charts it. Outside subscribers never see a score."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from services.common.bus import Publisher, Topology
from services.common.catalogue import spec_for_type
from services.common.outbox import OUTBOX
from services.common.service import Worker, build_app, make_store
from services.common.testing import wait_until
from services.goals.adapters.repository import CHECKINS
from services.reports import SERVICE as REPORTS
from services.reports.adapters.repository import STUDENTS
from services.roster import SERVICE as ROSTER
from services.roster.application.imports import import_bundle

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "roster"))
from gradebook_support import STANDARDS, scores, write_gradebook  # noqa: E402
from roster_support import MATRIX, write_bundle  # noqa: E402

D = "d-matrix"
ST1 = f"{D}~st1"
READING = STANDARDS["read"]
GOAL = {
    "statement": "I will read a page aloud to my brother every night to read more smoothly.",
    "focus": {"kind": "standard", "label": "reading fluency", "code": READING},
    "term": "short",
    "specific_actions": ["I will read aloud for 10 minutes each night", "I will reread the tricky sentences",
                         "I will ask my teacher for a new book every Friday"],
    "trackable": {"method": "my fluency check every two weeks",
                  "measure": {"unit": "proficiency (1-4)", "baseline": 1, "target": 3,
                              "learning_objective_id": READING}},
    "achievable_reasons": ["I already read every night", "My teacher listens to me read on Tuesdays"],
    "target_date": "2026-12-18",
    "supports": {"teacher": ["fluency group"], "family": ["listen to me read"], "student": ["bring my book home"]},
}
ROW = re.compile(r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td><td class="num">([^<]*)</td>')


@pytest.fixture
def roster_worker(settings_for):
    settings = settings_for("roster")
    store = make_store(ROSTER, settings)
    store.ensure_indexes()
    worker = Worker(ROSTER, settings, store=store).start()
    yield worker
    worker.stop()
    store.client.drop_database(settings.mongo_db)
    store.client.close()


@pytest.fixture
def reports_worker(settings_for):
    settings = settings_for("reports")
    worker = Worker(REPORTS, settings).start()
    yield worker, build_app(REPORTS, settings, store=worker.store)
    worker.stop()


def gradebook_checkins(db) -> list[dict]:
    return list(db[CHECKINS].find({"source": "gradebook"}).sort([("on", 1)]))


def test_an_imported_result_becomes_one_checkin_on_the_linked_goal_and_in_the_report(
        goals_env, roster_worker, reports_worker, bus_tap, tmp_path, token):
    outside = bus_tap()  # an outside subscriber: the public exchange only
    goals_env.start_worker()
    reports, reports_app = reports_worker
    roster_store = roster_worker.store
    assert import_bundle(roster_store, write_bundle(tmp_path / "roster", MATRIX))["status"] == "applied"
    from services.access import StudentDirectory
    wait_until(lambda: StudentDirectory(goals_env.db).get(ST1) is not None, timeout=60, message="roster in goals")

    student = goals_env.client("student", ST1, district_id=D)
    resp = student.post(f"/students/{ST1}/goals", json=GOAL)
    assert resp.status_code == 201, resp.get_json()
    goal_id = resp.get_json()["goal_id"]
    assert resp.get_json()["plan"]["trackable"]["measure"]["learning_objective_id"] == READING
    assert student.post(f"/goals/{goal_id}/submit").status_code == 200
    hand = student.post(f"/goals/{goal_id}/checkins", json={"status": "on_track", "measure_value": 1.5,
                                                             "on": "2026-10-02"})
    assert hand.status_code == 201, hand.get_json()

    # A result on the goal's standard: one check-in from the gradebook.
    first = import_bundle(roster_store, write_gradebook(tmp_path / "gb1", results=scores(st1_read=2.0)),
                          district_id=D)
    assert first["events"]["GradebookResultRecorded"] == 8
    wait_until(lambda: len(gradebook_checkins(goals_env.db)) == 1, timeout=60, message="gradebook check-in")
    made = gradebook_checkins(goals_env.db)[0]
    assert (made["goal_id"], made["measure_value"], made["on"], made["status"]) == (goal_id, 2.0, "2026-10-01",
                                                                                   "on_track")
    assert made["learning_objective_id"] == READING and made["by_role"] == "service"

    # The same result delivered again (a redelivery) and the same bundle re-imported: nothing new.
    envelope = roster_store.db[OUTBOX].find_one({"name": "GradebookResultRecorded",
                                                 "envelope.data.student_id": ST1,
                                                 "envelope.data.learning_objective_id": READING})["envelope"]
    publisher = Publisher(goals_env.settings.amqp_url, Topology(goals_env.settings.exchange))
    publisher.publish(envelope, spec=spec_for_type(envelope["type"]))
    publisher.close()
    assert import_bundle(roster_store, write_gradebook(tmp_path / "gb2", results=scores(st1_read=2.0)),
                         district_id=D)["status"] == "unchanged"

    # A new result (the next fluency check) arrives as a second check-in, once.
    later = write_gradebook(tmp_path / "gb3", results=scores(st1_read=2.0), second={("st1", "read"): 3.0})
    assert import_bundle(roster_store, later, district_id=D)["events"]["GradebookResultRecorded"] == 1
    wait_until(lambda: [c["measure_value"] for c in gradebook_checkins(goals_env.db)] == [2.0, 3.0]
               or len(gradebook_checkins(goals_env.db)) > 2, timeout=60, message="second gradebook check-in")
    assert [c["measure_value"] for c in gradebook_checkins(goals_env.db)] == [2.0, 3.0]
    checkins = student.get(f"/goals/{goal_id}/checkins").get_json()["checkins"]
    assert [(c["source"], c["measure_value"]) for c in checkins] == [
        ("gradebook", 2.0), ("hand", 1.5), ("gradebook", 3.0)]

    # The teacher's packet shows the linked measure with the gradebook's real values.
    teacher = goals_env.client("teacher", f"{D}~t1", district_id=D)
    packet = teacher.get(f"/students/{ST1}/packet?cycle=2026-fall")
    assert packet.status_code == 200, packet.get_json()
    [entry] = packet.get_json()["goals"]
    assert entry["plan"]["trackable"]["measure"]["learning_objective_id"] == READING
    assert [(c["source"], c["measure_value"]) for c in entry["checkins"]] == [
        ("gradebook", 2.0), ("hand", 1.5), ("gradebook", 3.0)]

    # The progress report charts the gradebook's values beside the hand-recorded one.
    def charted():
        doc = reports.store.db[STUDENTS].find_one({"_id": ST1}) or {}
        points = [c for g in (doc.get("goals") or {}).values() for c in (g.get("checkins") or {}).values()]
        # a gradebook check-in's value may not have arrived yet (it travels separately)
        return sorted(((c.get("source"), c.get("value")) for c in points if c.get("status")),
                      key=lambda p: (p[0] or "", p[1] or -1))
    wait_until(lambda: charted() == [("gradebook", 2.0), ("gradebook", 3.0), ("hand", 1.5)], timeout=60,
               message="report projection")
    auth = {"Authorization": f"Bearer {token(role='teacher', sub=f'{D}~t1', district_id=D)}"}
    page = reports_app.test_client().get(f"/students/{ST1}/reports/2026-10", headers=auth)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, (page.status_code, html[:500])
    assert [r[2] for r in ROW.findall(html)] == ["2", "1.5", "3"], ROW.findall(html)
    assert html.count("<em>From the gradebook</em>") == 2 and f"Tracked with the gradebook: {READING}" in html
    guardian = {"Authorization": f"Bearer {token(role='guardian', sub=f'{D}~g1', district_id=D)}"}
    spanish = reports_app.test_client().get(f"/students/{ST1}/reports/2026-10", headers=guardian)
    assert spanish.get_data(as_text=True).count("<em>Del registro de calificaciones</em>") == 2

    # Scores never reach an outside subscriber.
    public = outside.wait_for("GoalProgressRecorded", count=3, timeout=30)
    assert {m["data"].get("source"): m["data"].get("value") for m in public if m["data"].get("source")} == \
        {"hand": 1.5, "gradebook": None}
    assert not [m for m in outside.messages if "GradebookResultRecorded" in m["type"]
                or "CheckinMeasureRecorded" in m["type"] or "score" in m.get("data", {})]
