"""`confer reports rebuild` drops the read models and replays the event log through the
same projection functions: dashboards and reports come out identical."""
import datetime as dt

from click.testing import CliRunner

from reports_events import SCHOOL, T0, env, klass, student
from services.cli import main
from services.common.testing import run_handler
from services.reports.entrypoints.handlers import HANDLERS
from services.reports.adapters.repository import EVENT_LOG, STUDENTS


def changes():
    """Events whose effect depends on what came before: rebooking after a cancel, an
    unenrolment, an unlinked guardian, a deactivated student, a revised goal."""
    later = T0 + dt.timedelta(days=30)
    moved, _ = student(9, school="sch-2", teacher="tch-9")
    booking = {"booking_id": "bk-001", "window_id": "w-1", "school_id": SCHOOL, "student_id": "stu-001",
               "teacher_id": "tch-1", "guardian_id": "grd-001", "start": "2026-10-15T15:00:00Z",
               "end": "2026-10-15T15:20:00Z", "modality": "video", "private_talk": False}
    return moved + [
        env("ConferenceCancelled", {**booking, "booking_id": "bk-002", "student_id": "stu-002",
                                    "reason": "family"}, at=later),
        env("ConferenceBooked", {**booking, "booking_id": "bk-002b", "student_id": "stu-002",
                                 "booked_by_role": "guardian"}, at=later),
        env("StudentUnenrolled", {"student_id": "stu-003", "school_id": SCHOOL, "class_id": "cls-sch-1"}, at=later),
        env("GuardianUnlinked", {"guardian_id": "grd-002", "student_id": "stu-002", "school_id": SCHOOL}, at=later),
        env("PersonDeactivated", {"person_id": "stu-004", "role": "student"}, at=later),
        env("GoalUpdated", {"goal_id": "goal-001-0", "student_id": "stu-001", "school_id": SCHOOL,
                            "status": "revised", "revision": 1, "target_date": "2027-01-15"}, at=later),
        env("GoalAchieved", {"goal_id": "goal-001-1", "student_id": "stu-001", "school_id": SCHOOL,
                             "achieved_on": "2026-11-13"}, at=later),
        env("InvitationDue", {"window_id": "w-1", "school_id": SCHOOL, "guardian_id": "grd-001",
                              "student_ids": ["stu-001", "stu-002"], "nudge": True,
                              "booking_closes_at": "2026-10-10T00:00:00Z"}, at=later),
    ]


def snapshot(reports):
    views = {
        "district": reports.get("/dashboards/district").get_json(),
        "grades": reports.get(f"/dashboards/schools/{SCHOOL}?by=grade").get_json(),
        "teachers": reports.get(f"/dashboards/schools/{SCHOOL}?by=teacher").get_json(),
        "csv": reports.get("/dashboards/district?by=teacher&format=csv").get_data(as_text=True),
        "report": reports.get("/students/stu-001/reports/2026-11").get_data(as_text=True),
    }
    docs = list(reports.store.db[STUDENTS].find({}).sort("_id", 1))
    return views, docs


def test_rebuild_from_the_event_log_gives_identical_dashboards(reports):
    events, _ = klass(4)
    reports.publish(events + changes())
    before, docs_before = snapshot(reports)
    assert before["district"]["total"]["goals_set"] == 10 and before["district"]["total"]["invitations_sent"] == 7
    assert {r["school_id"] for r in before["district"]["rows"]} == {"sch-1", "sch-2"}
    assert reports.store.db[EVENT_LOG].count_documents({}) == len(events) + len(changes())

    result = CliRunner().invoke(main, ["reports", "rebuild", "--yes"], env={
        "MONGO_URL": reports.settings.mongo_url, "MONGO_DB": reports.settings.mongo_db}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"replayed {len(events) + len(changes())} events" in result.output

    after, docs_after = snapshot(reports)
    assert after == before
    assert docs_after == docs_before


def test_a_redelivered_event_is_logged_and_projected_once(reports):
    events, _ = klass(1)
    reports.publish(events)
    assert run_handler(reports.store, HANDLERS, events[-1]) == "duplicate"
    assert reports.store.db[EVENT_LOG].count_documents({}) == len(events)
