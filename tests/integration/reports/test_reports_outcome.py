"""What was agreed at the conference in the progress report and the conference summary:
the family's goals in full (not a count), as goals with their check-ins, and the
teacher's supports and next check-in, from the events over the real bus."""
import datetime as dt

from tests.integration.reports.reports_events import SCHOOL, TEACHER, T0, env, roster, student

FAMILY_GOAL = "Leer juntos 20 minutos cada noche"


def outcome(expect: dict) -> list[dict]:
    sid, gid, bid = expect["student_id"], expect["guardian_id"], expect["booking_id"]
    at = T0 + dt.timedelta(days=14)
    return [
        env("ConferenceOutcomeContent", {"booking_id": bid, "school_id": SCHOOL, "student_id": sid,
                                         "teacher_id": TEACHER, "guardian_id": gid, "cycle": "2026-fall",
                                         "family_goals": [{"id": "fg-1", "text": FAMILY_GOAL}],
                                         "supports": ["Un registro de lectura revisado cada viernes"],
                                         "next_checkin_on": "2026-10-28", "revision": 1}, at=at),
        env("GoalCreated", {"goal_id": "fg-1", "student_id": sid, "school_id": SCHOOL, "cycle": "2026-fall",
                            "focus_kind": "personal", "term": "short", "status": "agreed", "set_by": "family"}, at=at),
        env("GoalContentChanged", {"goal_id": "fg-1", "student_id": sid, "school_id": SCHOOL,
                                   "statement": FAMILY_GOAL, "focus": {"kind": "personal", "label": ""},
                                   "term": "short", "status": "agreed", "plan": {}, "supports": {},
                                   "set_by": "family"}, at=at),
        env("GoalProgressRecorded", {"goal_id": "fg-1", "student_id": sid, "school_id": SCHOOL, "checkin_id": "c-fg",
                                     "date": "2026-10-28", "status": "on_track", "recorded_by_role": "guardian"},
            at=at + dt.timedelta(days=14)),
    ]


def test_the_report_shows_the_familys_goals_in_full_with_their_check_ins(reports):
    events, expect = student(1)
    reports.publish(roster() + events + outcome(expect))
    sid = expect["student_id"]
    html = reports.get(f"/students/{sid}/reports/2026-11", role="guardian", sub=expect["guardian_id"]) \
        .get_data(as_text=True)
    assert html.count(FAMILY_GOAL) >= 2  # a goal of its own (with its check-in) and in the family's goals
    assert "Una meta que su familia fijó en la conferencia." in html
    assert "Un registro de lectura revisado cada viernes" in html and "Próximo seguimiento: 28 de octubre de 2026" in html
    assert "Metas que su familia compartió" not in html  # the words, not a count
    pdf = reports.get(f"/students/{sid}/reports/2026-11?format=pdf", role="guardian", sub=expect["guardian_id"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    summary = reports.get(f"/conferences/{expect['booking_id']}/summary", role="guardian",
                          sub=expect["guardian_id"]).get_data(as_text=True)
    assert FAMILY_GOAL in summary and "Un registro de lectura" in summary
