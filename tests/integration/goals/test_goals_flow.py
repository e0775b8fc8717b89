"""The goals service end to end on the real RabbitMQ and MongoDB-wire server: roster in
through the bus, a student's vague goal made better and submitted, parent input, the
teacher's packet, a FollowUpDue answered by a check-in; every event seen once."""
import time

from services.access import StudentDirectory
from services.common.envelope import validate_event
from services.common.testing import wait_until

GOAL = {
    "statement": "I want to understand fractions.",
    "focus": {"kind": "standard", "label": "fractions", "code": "CCSS.MATH.4.NF.A.1"},
    "term": "short",
    "specific_actions": ["I will ask a question when I get stuck",
                         "I will practice fractions for 10 minutes each night",
                         "I will check my work with a partner"],
    "trackable": {"method": "I will color in my fractions chart every Friday",
                  "measure": {"unit": "quiz score", "baseline": 55, "target": 80}},
    "achievable_reasons": ["I already know halves and quarters", "My teacher meets with me on Tuesdays"],
    "target_date": "2026-11-20",
    "supports": {"teacher": ["small group on Tuesdays"], "family": ["ask me about math at dinner"],
                 "student": ["bring my math folder home"]},
}
BETTER = "I will ask questions when I don't understand parts of the math lesson."
SECRET = "She worries about the move to a new house"
PARENT_INPUT = {"hopes": "More confidence in math", "concerns": SECRET, "topics": ["math", "friendships"],
                "goals_for_child": ["Read chapter books every night"], "wants_private_talk": True}
FOLLOW_UP = {"booking_id": "b-1", "school_id": "s-1", "student_id": "st-1", "teacher_id": "t-1",
             "guardian_ids": ["g-1"], "cycle": "2026-fall", "due_at": "2026-10-19T15:00:00Z"}


def one(tap, name, **match):
    """The single event `name` whose data matches `match`, with a valid envelope."""
    found = tap.wait_for(name, where=lambda m: all(m["data"].get(k) == v for k, v in match.items()))
    assert len(found) == 1, found
    spec = validate_event(found[0])
    assert spec.name == name and found[0]["districtid"] == "d-1" and found[0]["schoolid"] == "s-1"
    return found[0]


def test_student_goal_parent_input_packet_and_follow_up(goals_env, bus_tap):
    env = goals_env
    tap = bus_tap(internal=True)
    env.start_worker()
    for envelope in env.roster_envelopes():
        env.publish_envelope(envelope)
    directory = StudentDirectory(env.db)
    wait_until(lambda: (r := directory.get("st-1")) and r.guardian_ids == ("g-1",) and r.teacher_ids == ("t-1",)
               and directory.get("st-2") and directory.school("s-1"), message="roster projection")

    student = env.client("student", "st-1")
    guardian = env.client("guardian", "g-1")
    teacher = env.client("teacher", "t-1", school_ids=["s-1"])

    # Feedback before saving anything.
    resp = student.post("/goals/check", json={**GOAL, "student_id": "st-1"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["can_submit"] is False
    assert [f["code"] for f in resp.get_json()["feedback"]] == ["too_vague"]
    assert env.db["goals"].count_documents({}) == 0

    # Draft the vague goal: saved, with the same feedback.
    resp = student.post("/students/st-1/goals", json=GOAL, headers={"Idempotency-Key": "draft-1"})
    assert resp.status_code == 201, resp.get_json()
    goal = resp.get_json()
    goal_id = goal["goal_id"]
    assert goal["status"] == "draft" and goal["cycle"] == "2026-fall" and not goal["can_submit"]
    assert "too_vague" in [f["code"] for f in goal["feedback"]]
    assert one(tap, "GoalCreated", goal_id=goal_id)["data"]["status"] == "draft"
    # A retried POST with the same Idempotency-Key creates nothing new.
    again = student.post("/students/st-1/goals", json=GOAL, headers={"Idempotency-Key": "draft-1"})
    assert again.status_code == 201 and again.get_json()["goal_id"] == goal_id
    assert env.db["goals"].count_documents({}) == 1

    # Submitting a vague goal is refused with the feedback.
    resp = student.post(f"/goals/{goal_id}/submit")
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert resp.get_json()["code"] == "goal_not_ready"
    assert "statement" in {e["field"] for e in resp.get_json()["errors"]}

    # Fix it, then submit.
    resp = student.patch(f"/goals/{goal_id}", json={"statement": BETTER})
    assert resp.status_code == 200 and resp.get_json()["feedback"] == [] and resp.get_json()["can_submit"]
    one(tap, "GoalUpdated", goal_id=goal_id, status="draft")
    resp = student.post(f"/goals/{goal_id}/submit")
    assert resp.status_code == 200 and resp.get_json()["status"] == "submitted"
    one(tap, "GoalUpdated", goal_id=goal_id, status="submitted")
    words = one(tap, "GoalContentChanged", goal_id=goal_id, status="submitted")
    assert words["data"]["statement"] == BETTER and words["data"]["supports"]["teacher"] == ["small group on Tuesdays"]

    # The family sends its parent input.
    resp = guardian.post("/students/st-1/parent-input", json=PARENT_INPUT)
    assert resp.status_code == 201, resp.get_json()
    pi_event = one(tap, "ParentInputSubmitted", student_id="st-1")
    assert pi_event["data"] == {"student_id": "st-1", "guardian_id": "g-1", "school_id": "s-1", "cycle": "2026-fall",
                                "private_talk_requested": True, "family_goal_count": 1}
    assert SECRET not in str(pi_event)

    # The teacher reads the packet: goals with history, parent input, agenda.
    resp = teacher.get("/students/st-1/packet?cycle=2026-fall")
    assert resp.status_code == 200, resp.get_json()
    packet = resp.get_json()
    assert packet["sections"][0] == "previous_goals"
    assert [g["goal_id"] for g in packet["goals"]] == [goal_id]
    assert [c["to_status"] for c in packet["goals"][0]["status_log"]] == ["submitted"]
    [family_input] = packet["parent_input"]
    assert family_input["concerns"] == SECRET and family_input["topics"] == ["math", "friendships"]
    assert {a["kind"] for a in packet["agenda"]} == {"family_goal_differs", "private_talk"}
    assert env.db["audit_log"].count_documents({"what": "packet", "actor_id": "t-1", "student_id": "st-1"}) == 1

    # Two weeks later the scheduling service says a follow-up is due.
    env.publish("FollowUpDue", FOLLOW_UP, subject="b-1")
    wait_until(lambda: student.get("/students/st-1/follow-ups").get_json()["follow_ups"], message="follow-up open")
    [open_item] = student.get("/students/st-1/follow-ups").get_json()["follow_ups"]
    assert open_item["status"] == "open" and open_item["booking_id"] == "b-1"

    # The student checks in: progress is recorded and the follow-up closes.
    resp = student.post(f"/goals/{goal_id}/checkins",
                        json={"status": "on_track", "note": "I asked two questions", "measure_value": 65})
    assert resp.status_code == 201, resp.get_json()
    checkin = resp.get_json()
    assert checkin["closed_follow_ups"] == [open_item["follow_up_id"]] and checkin["on"] == "2026-10-05"
    progress = one(tap, "GoalProgressRecorded", goal_id=goal_id)
    assert progress["data"]["value"] == 65 and progress["data"]["recorded_by_role"] == "student"
    assert "I asked two questions" not in str(progress)
    assert student.get("/students/st-1/follow-ups").get_json()["follow_ups"] == []
    closed = student.get("/students/st-1/follow-ups?status=closed").get_json()["follow_ups"]
    assert closed[0]["closed_by_checkin"] == checkin["checkin_id"]

    # Every step's event exactly once: nothing more arrives later.
    time.sleep(1.0)
    counts = {name: len(tap.of_type(name)) for name in (
        "GoalCreated", "GoalUpdated", "GoalContentChanged", "ParentInputSubmitted", "GoalProgressRecorded")}
    assert counts == {"GoalCreated": 1, "GoalUpdated": 2, "GoalContentChanged": 3, "ParentInputSubmitted": 1,
                      "GoalProgressRecorded": 1}
    for message in tap.messages:
        validate_event(message)
    assert env.db["outbox"].count_documents({"status": {"$ne": "sent"}}) == 0
