"""Who may see what: parent input and private notes never reach the student; a guardian
of another child sees nothing (404, existence not leaked); reads are audit-logged."""
import pytest

GOAL = {"statement": "I will ask questions when I don't understand parts of the math lesson.",
        "focus": {"kind": "standard", "label": "fractions"}, "target_date": "2026-11-20"}
SECRET = "SECRET-worry-about-home"
NOTE = "PRIVATE-note-from-the-talk"


@pytest.fixture
def seeded(goals_env):
    goals_env.seed_roster()
    student = goals_env.client("student", "st-1")
    assert student.post("/students/st-1/goals", json=GOAL).status_code == 201
    resp = goals_env.client("guardian", "g-1").post("/students/st-1/parent-input", json={
        "hopes": "Reads chapter books", "concerns": SECRET, "private_concerns": SECRET + "-private",
        "wants_private_talk": True})
    assert resp.status_code == 201, resp.get_json()
    teacher = goals_env.client("teacher", "t-1", school_ids=["s-1"])
    assert teacher.post("/students/st-1/private-notes", json={"text": NOTE}).status_code == 201
    return goals_env


def test_student_never_sees_parent_input_or_private_notes(seeded):
    student = seeded.client("student", "st-1")
    resp = student.get("/students/st-1/packet")
    assert resp.status_code == 200
    packet = resp.get_json()
    assert packet["sections"] == ["previous_goals", "self_assessment", "reflections", "goals", "evidence"]
    for hidden in ("parent_input", "agenda", "private_notes"):
        assert hidden not in packet
    body = resp.get_data(as_text=True)
    assert SECRET not in body and NOTE not in body and "chapter books" not in body
    for path in ("/students/st-1/parent-input", "/students/st-1/private-notes"):
        resp = student.get(path)
        assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
        assert SECRET not in resp.get_data(as_text=True)
    # A student cannot write the family's form either.
    assert student.post("/students/st-1/parent-input", json={"hopes": "x"}).status_code == 403


def test_adults_of_the_child_see_family_records(seeded):
    teacher = seeded.client("teacher", "t-1", school_ids=["s-1"])
    packet = teacher.get("/students/st-1/packet").get_json()
    assert packet["parent_input"][0]["concerns"] == SECRET and packet["private_notes"][0]["text"] == NOTE
    mine = seeded.client("guardian", "g-1").get("/students/st-1/parent-input").get_json()
    assert mine["parent_input"][0]["guardian_id"] == "g-1"


def test_parent_input_is_for_the_teacher_and_that_family_only(seeded):
    admin = seeded.client("school_admin", "a-1", school_ids=["s-1"])
    resp = admin.get("/students/st-1/packet")
    assert resp.status_code == 200 and resp.get_json()["goals"]
    assert "parent_input" not in resp.get_json() and SECRET not in resp.get_data(as_text=True)
    assert admin.get("/students/st-1/parent-input").status_code == 404
    assert admin.post("/students/st-1/private-notes", json={"text": "x"}).status_code == 403


def test_guardian_of_another_child_gets_404_everywhere(seeded):
    other = seeded.client("guardian", "g-2")
    goal_id = seeded.db["goals"].find_one()["_id"]
    for path in ("/students/st-1/packet", "/students/st-1/parent-input", "/students/st-1/goals",
                 "/students/st-1/private-notes", "/students/st-1/evidence", f"/goals/{goal_id}",
                 "/students/st-1/follow-ups", "/students/nobody/packet"):
        resp = other.get(path)
        assert resp.status_code == 404, path
        assert resp.mimetype == "application/problem+json"
    assert other.post("/students/st-1/parent-input", json={"hopes": "x"}).status_code == 404
    assert other.post(f"/goals/{goal_id}/checkins", json={"status": "on_track"}).status_code == 404
    # Their own child is fine.
    assert other.get("/students/st-2/packet").status_code == 200
    assert seeded.db["audit_log"].count_documents({"actor_id": "g-2", "student_id": "st-1"}) == 0


def test_reads_of_a_childs_record_are_audit_logged(seeded):
    seeded.client("teacher", "t-1", school_ids=["s-1"]).get("/students/st-1/packet?cycle=2026-fall")
    seeded.client("student", "st-1").get("/students/st-1/packet")
    seeded.client("guardian", "g-1").get("/students/st-1/parent-input")
    entries = list(seeded.db["audit_log"].find({}, {"_id": 0, "correlation_id": 0}).sort("at", 1))
    assert [(e["actor_role"], e["actor_id"], e["what"]) for e in entries] == [
        ("teacher", "t-1", "packet"), ("student", "st-1", "packet"), ("guardian", "g-1", "parent_input")]
    first = entries[0]
    assert first["student_id"] == "st-1" and first["district_id"] == "d-1" and first["school_id"] == "s-1"
    assert first["cycle"] == "2026-fall" and first["action"] == "read" and first["at"] == seeded.clock.now


def test_service_accounts_and_bad_input(seeded):
    service = seeded.client("service", "reports", scopes=["students:read"])
    assert service.get("/students/st-1/packet").status_code == 403
    assert service.get("/students/st-1/parent-input").status_code == 404
    student = seeded.client("student", "st-1")
    resp = student.post("/students/st-1/goals", json={**GOAL, "colour": "red"})
    assert resp.status_code == 422 and "colour" in {e["field"] for e in resp.get_json()["errors"]}
    resp = student.get("/students/st-1/goals?cycle=autumn")
    assert resp.status_code == 422 and resp.get_json()["code"] == "cycle_invalid"


def test_separated_households_never_read_each_others_private_talk(seeded):
    """st-1 has two guardians in separate homes: g-1 asked for the private talk (the
    teacher's note defaults to that household), g-9 did not. Each reads only their own."""
    from services.common.testing import make_envelope, run_handler
    from services.goals.entrypoints.handlers import HANDLERS

    run_handler(seeded.store, HANDLERS, make_envelope("GuardianLinked", {
        "guardian_id": "g-9", "student_id": "st-1", "school_id": "s-1"}, subject="st-1"))
    other, own = seeded.client("guardian", "g-9"), seeded.client("guardian", "g-1")
    assert [n["text"] for n in own.get("/students/st-1/private-notes").get_json()["notes"]] == [NOTE]
    assert own.get("/students/st-1/private-notes").get_json()["notes"][0]["guardian_ids"] == ["g-1"]
    assert other.get("/students/st-1/private-notes").get_json() == {"notes": []}
    packet = other.get("/students/st-1/packet")
    assert packet.status_code == 200
    assert NOTE not in packet.get_data(as_text=True) and SECRET not in packet.get_data(as_text=True)
    assert packet.get_json()["private_notes"] == [] and packet.get_json()["parent_input"] == []

    teacher = seeded.client("teacher", "t-1", school_ids=["s-1"])
    later = teacher.post("/students/st-1/private-notes", json={"text": "NOTE-for-g9", "guardian_ids": ["g-9"]})
    assert later.status_code == 201 and later.get_json()["guardian_ids"] == ["g-9"]
    assert [n["text"] for n in other.get("/students/st-1/private-notes").get_json()["notes"]] == ["NOTE-for-g9"]
    assert "NOTE-for-g9" not in own.get("/students/st-1/packet").get_data(as_text=True)
    staff = [n["text"] for n in teacher.get("/students/st-1/private-notes").get_json()["notes"]]
    assert staff == [NOTE, "NOTE-for-g9"]  # the teacher reads both households' notes
    bad = teacher.post("/students/st-1/private-notes", json={"text": "x", "guardian_ids": ["g-404"]})
    assert bad.status_code == 422 and bad.get_json()["code"] == "guardian_not_linked"
