"""The reports API around the read models: dashboards as JSON, HTML and CSV, conference
summaries for the family and the teacher, and who may see what."""
import csv
import io

from reports_events import OTHER_SCHOOL, SCHOOL, klass


def test_dashboards_json_html_csv_and_scope(reports):
    events, expects = klass(4)
    reports.publish(events)
    district = reports.get("/dashboards/district").get_json()
    assert [r["school_name"] for r in district["rows"]] == ["Escuela Lovett"]
    assert district["total"]["conferences_held"] == 3 and district["total"]["participation_rate"] == 0.75

    by_teacher = reports.get(f"/dashboards/schools/{SCHOOL}?by=teacher", role="school_admin",
                             school_ids=[SCHOOL]).get_json()
    assert [(r["teacher_id"], r["teacher_name"], r["goals_set"]) for r in by_teacher["rows"]] == [
        ("tch-1", "Marta Álvarez", 8)]
    by_grade = reports.get(f"/dashboards/schools/{SCHOOL}", role="teacher", sub="tch-1",
                           school_ids=[SCHOOL]).get_json()
    assert [(r["grade"], r["families_booked"]) for r in by_grade["rows"]] == [("4", 4)]
    # A teacher of the school with no students here counts nothing of others'.
    assert reports.get(f"/dashboards/schools/{SCHOOL}", role="teacher", sub="tch-2",
                       school_ids=[SCHOOL]).get_json()["total"]["goals_set"] == 0

    page = reports.get("/dashboards/district?format=html&lang=es")
    assert page.mimetype == "text/html" and "Escuela Lovett" in page.get_data(as_text=True)
    assert "<svg" in page.get_data(as_text=True)
    sheet = reports.get(f"/dashboards/schools/{SCHOOL}?by=teacher&format=csv")
    assert sheet.mimetype == "text/csv" and "attachment" in sheet.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(sheet.get_data(as_text=True))))
    assert rows[0]["teacher_name"] == "Marta Álvarez" and rows[0]["no_shows"] == "1"
    assert rows[-1]["school_id"] == "TOTAL" and rows[-1]["conferences_held"] == "3"

    assert reports.get("/dashboards/district", role="school_admin", school_ids=[SCHOOL]).status_code == 403
    assert reports.get(f"/dashboards/schools/{SCHOOL}", role="school_admin",
                       school_ids=[OTHER_SCHOOL]).status_code == 404
    assert reports.get(f"/dashboards/schools/{SCHOOL}", role="guardian",
                       sub=expects[0]["guardian_id"]).status_code == 403
    assert reports.get("/dashboards/district?by=planet").status_code == 422


def test_conference_summary_for_family_and_teacher(reports):
    events, expects = klass(2)
    reports.publish(events)
    first = expects[0]
    path = f"/conferences/{first['booking_id']}/summary"
    teacher = reports.get(path, role="teacher", sub="tch-1").get_data(as_text=True)
    assert "Resumen de la conferencia" in teacher and "Conferencia realizada" in teacher
    assert "28 de octubre de 2026" in teacher  # the follow-up date
    assert 'class="private"' in teacher
    family = reports.get(path, role="guardian", sub=first["guardian_id"])
    assert family.status_code == 200 and 'class="private"' not in family.get_data(as_text=True)
    assert reports.get(path + "?audience=teacher", role="guardian", sub=first["guardian_id"]).status_code == 403
    assert reports.get("/conferences/bk-none/summary").status_code == 404


def test_report_request_errors_and_audit(reports):
    events, expects = klass(1)
    reports.publish(events)
    sid = expects[0]["student_id"]
    bad = reports.get(f"/students/{sid}/reports/2026-13")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert reports.get(f"/students/{sid}/reports/2026-11?format=docx").status_code == 422
    assert reports.get("/students/nobody/reports/2026-11").status_code == 404
    assert reports.app.test_client().get(f"/students/{sid}/reports/2026-11").status_code == 401
    reports.get(f"/students/{sid}/reports/2026-11", role="guardian", sub=expects[0]["guardian_id"])
    audit = reports.store.db["audit_log"].find_one({"actor_id": expects[0]["guardian_id"]})
    assert audit["student_id"] == sid and audit["what"] == "progress_report" and audit["resource_id"] == "2026-11"


def test_the_other_household_gets_404_for_the_summary_and_none_of_its_conference(reports):
    """A second guardian of the child, in another home: the first household's conference
    summary is 404 for them (like a conference that does not exist), and their copy of the
    progress report shows no conference and no parent input of the other household."""
    from reports_events import env

    events, expects = klass(2)
    first = expects[0]
    reports.publish(events + [env("GuardianLinked", {"guardian_id": "g-other", "student_id": first["student_id"],
                                                      "school_id": first.get("school_id", SCHOOL)})])
    summary = f"/conferences/{first['booking_id']}/summary"
    assert reports.get(summary, role="guardian", sub=first["guardian_id"]).status_code == 200
    other = reports.get(summary, role="guardian", sub="g-other")
    assert other.status_code == 404 and other.get_json()["code"] == "conference_not_found"
    none = reports.get("/conferences/bk-none/summary", role="guardian", sub="g-other").get_json()
    assert {k: v for k, v in other.get_json().items() if k not in ("detail", "correlation_id")} == \
        {k: v for k, v in none.items() if k not in ("detail", "correlation_id")}
    report = f"/students/{first['student_id']}/reports/2026-11"
    own = reports.get(report, role="guardian", sub=first["guardian_id"]).get_data(as_text=True)
    theirs = reports.get(report, role="guardian", sub="g-other").get_data(as_text=True)
    staff = reports.get(report, role="teacher", sub="tch-1").get_data(as_text=True)
    held = ("Conferencia realizada", "Conference held")
    assert any(h in own for h in held) and any(h in staff for h in held)
    assert not any(h in theirs for h in held)


def test_households_counted_at_once_when_the_window_opens_and_notes_reach_the_report(reports):
    """ConferenceWindowOpened (v2) carries every invitation: right after it is consumed
    the dashboard counts every invited household, before any InvitationDue arrives. A
    family with two children is one household. A check-in's note reaches the report."""
    from reports_events import env, roster

    reports.publish(roster() + [
        env("StudentEnrolled", {"student_id": s, "school_id": SCHOOL, "class_id": "cls-1", "teacher_ids": ["tch-1"],
                                "grade": "4", "school_year": "2026-2027"}) for s in ("st-a", "st-b", "st-c")])
    invitations = [{"guardian_id": "grd-1", "student_ids": ["st-a", "st-b"]},
                   {"guardian_id": "grd-2", "student_ids": ["st-c"]}]
    reports.publish([env("ConferenceWindowOpened", {
        "window_id": "w-9", "school_id": SCHOOL, "cycle": "2027-winter", "first_day": "2026-12-16",
        "last_day": "2026-12-17", "booking_closes_at": "2026-12-15T08:00:00Z", "slot_minutes": 30,
        "invitations": invitations})])
    total = reports.get(f"/dashboards/schools/{SCHOOL}", role="school_admin", school_ids=[SCHOOL]).get_json()["total"]
    assert (total["households_invited"], total["families_invited"], total["households_booked"]) == (2, 3, 0)
    booking = {"booking_id": "bk-a", "window_id": "w-9", "school_id": SCHOOL, "student_id": "st-a",
               "teacher_id": "tch-1", "guardian_id": "grd-1", "start": "2026-12-17T01:00:00Z",
               "end": "2026-12-17T01:30:00Z", "modality": "in_person", "private_talk": False}
    reports.publish([env("ConferenceBooked", {**booking, "booked_by_role": "guardian"}),
                     env("ConferenceBooked", {**booking, "booking_id": "bk-b", "student_id": "st-b",
                                              "start": "2026-12-17T01:30:00Z", "end": "2026-12-17T02:00:00Z",
                                              "booked_by_role": "guardian"}),
                     env("GoalProgressRecorded", {"goal_id": "g-a", "student_id": "st-a", "school_id": SCHOOL,
                                                  "checkin_id": "c-1", "date": "2026-12-10", "status": "on_track",
                                                  "recorded_by_role": "student"}),
                     env("CheckinNoteRecorded", {"goal_id": "g-a", "student_id": "st-a", "school_id": SCHOOL,
                                                 "checkin_id": "c-1", "note": "I read every night this week."}),
                     env("GoalContentChanged", {"goal_id": "g-a", "student_id": "st-a", "school_id": SCHOOL,
                                                "statement": "I will read 20 minutes every night",
                                                "focus": {"kind": "learning_skill", "label": "reading"},
                                                "term": "short", "status": "agreed", "plan": {}, "supports": {}})])
    by_grade = reports.get(f"/dashboards/schools/{SCHOOL}", role="school_admin", school_ids=[SCHOOL]).get_json()
    assert (by_grade["total"]["households_booked"], by_grade["total"]["booking_rate"]) == (1, 0.5)
    report = reports.get("/students/st-a/reports/2026-12?lang=en").get_data(as_text=True)
    assert "I read every night this week." in report
