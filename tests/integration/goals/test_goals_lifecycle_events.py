"""Consumed events (ConferenceHeld, FollowUpDue) over the real bus, redelivery without a
second effect, and the goal lifecycle with revision history across cycles."""
import time
from datetime import datetime, timezone

from services.common.testing import make_envelope, run_handler, wait_until
from services.goals.entrypoints.handlers import HANDLERS

GOAL = {
    "statement": "I will ask questions when I don't understand parts of the math lesson.",
    "focus": {"kind": "standard", "label": "fractions", "code": "CCSS.MATH.4.NF.A.1"},
    "specific_actions": ["I will ask a question when I get stuck", "I will practice fractions for 10 minutes",
                         "I will check my work with a partner"],
    "trackable": {"method": "I will color in my fractions chart every Friday"},
    "achievable_reasons": ["I already know halves", "My teacher meets with me on Tuesdays"],
    "target_date": "2026-11-20", "supports": {"teacher": ["small group on Tuesdays"]},
}
HELD = {"booking_id": "b-1", "school_id": "s-1", "student_id": "st-1", "teacher_id": "t-1", "cycle": "2026-fall",
        "held_at": "2026-10-20T21:30:00Z", "private_talk": False}


def new_goal(client, **changes) -> str:
    resp = client.post("/students/st-1/goals", json={**GOAL, **changes})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["goal_id"]


def status_of(env, goal_id):
    return env.db["goals"].find_one({"_id": goal_id})["status"]


def test_conference_held_agrees_submitted_goals_once_even_when_redelivered(goals_env, bus_tap):
    env = goals_env
    env.seed_roster()
    student = env.client("student", "st-1")
    submitted, draft = new_goal(student), new_goal(student, statement="I will read every night.")
    assert student.post(f"/goals/{submitted}/submit").status_code == 200
    tap = bus_tap()
    env.start_worker()

    held = env.publish("ConferenceHeld", HELD, subject="b-1", correlation_id="corr-held-1")
    wait_until(lambda: status_of(env, submitted) == "agreed", message="goal agreed")
    agreed = tap.wait_for("GoalUpdated", where=lambda m: m["data"]["status"] == "agreed")
    assert agreed[0]["data"]["goal_id"] == submitted and agreed[0]["correlationid"] == "corr-held-1"
    assert status_of(env, draft) == "draft"
    log = env.db["goals"].find_one({"_id": submitted})["status_log"]
    assert [(s["to_status"], s["by_role"], s["by_id"]) for s in log][-1] == ("agreed", "teacher", "t-1")

    env.publish_envelope(held)  # the broker redelivers the same event
    wait_until(lambda: env.db["processed_events"].count_documents({"event_id": held["id"]}) == 1)
    time.sleep(1.5)
    assert len([m for m in tap.of_type("GoalUpdated") if m["data"]["status"] == "agreed"]) == 1
    assert len(env.db["goals"].find_one({"_id": submitted})["status_log"]) == 2
    assert run_handler(env.store, HANDLERS, held) == "duplicate"


def test_follow_up_due_redelivered_opens_one_follow_up(goals_env):
    env = goals_env
    env.seed_roster()
    due = make_envelope("FollowUpDue", {"booking_id": "b-9", "school_id": "s-1", "student_id": "st-1",
                                        "teacher_id": "t-1", "guardian_ids": ["g-1"], "cycle": "2026-fall",
                                        "due_at": "2026-11-03T15:00:00Z"})
    assert run_handler(env.store, HANDLERS, due) == "processed"
    assert run_handler(env.store, HANDLERS, due) == "duplicate"
    items = env.client("guardian", "g-1").get("/students/st-1/follow-ups").get_json()["follow_ups"]
    assert len(items) == 1 and items[0]["due_at"].startswith("2026-11-03T15:00:00")
    assert env.db["follow_ups"].count_documents({}) == 1


def test_revisions_keep_history_and_achievement_is_announced(goals_env):
    env = goals_env
    env.seed_roster()
    student, teacher = env.client("student", "st-1"), env.client("teacher", "t-1", school_ids=["s-1"])
    goal_id = new_goal(student)
    assert student.post(f"/goals/{goal_id}/submit").status_code == 200
    assert student.post(f"/goals/{goal_id}/status", json={"status": "agreed"}).status_code == 403
    assert env.client("guardian", "g-1").patch(f"/goals/{goal_id}", json={"statement": "x"}).status_code == 403
    assert teacher.post(f"/goals/{goal_id}/status", json={"status": "agreed"}).status_code == 200

    better = "I will ask one question in every math lesson."
    resp = student.patch(f"/goals/{goal_id}", json={"statement": better})
    assert resp.status_code == 409 and resp.get_json()["code"] == "invalid_transition"
    resp = student.patch(f"/goals/{goal_id}", json={"statement": better, "reason": "I already ask at home"})
    goal = resp.get_json()
    assert resp.status_code == 200 and goal["status"] == "revised"
    assert [r["previous"]["statement"] for r in goal["revisions"]] == [GOAL["statement"]]
    assert goal["revisions"][0]["reason"] == "I already ask at home" and goal["plan"]["statement"] == better

    assert teacher.post(f"/goals/{goal_id}/status", json={"status": "agreed"}).status_code == 200
    resp = teacher.post(f"/goals/{goal_id}/status", json={"status": "achieved", "next_steps": "Try decimals"})
    assert resp.status_code == 200 and resp.get_json()["next_steps"] == "Try decimals"
    outbox = {d["name"]: d for d in env.db["outbox"].find()}
    assert outbox["GoalAchieved"]["envelope"]["data"]["achieved_on"] == "2026-10-05"
    assert outbox["GoalContentChanged"]["private"] is True
    resp = student.post(f"/goals/{goal_id}/checkins", json={"status": "on_track"})
    assert resp.status_code == 422 and resp.get_json()["code"] == "checkin_invalid"
    history = student.get(f"/goals/{goal_id}").get_json()
    assert [s["to_status"] for s in history["status_log"]] == ["submitted", "agreed", "revised", "agreed", "achieved"]


def test_previous_goals_come_first_in_the_next_cycles_packet(goals_env):
    env = goals_env
    env.seed_roster()
    env.clock.now = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
    student, teacher = env.client("student", "st-1"), env.client("teacher", "t-1", school_ids=["s-1"])
    old = new_goal(student, cycle="2026-spring", target_date="2026-04-10")
    assert student.post(f"/goals/{old}/submit").status_code == 200
    assert teacher.post(f"/goals/{old}/status", json={"status": "agreed"}).status_code == 200
    resp = teacher.post(f"/goals/{old}/status", json={"status": "carried_over", "next_cycle": "2026-fall"})
    assert resp.status_code == 200

    env.clock.now = datetime(2026, 10, 5, 15, 0, tzinfo=timezone.utc)
    assert student.post("/students/st-1/self-assessment", json={
        "strengths": ["I ask for help"], "areas_for_growth": ["reading longer books"]}).status_code == 201
    questions = student.get("/students/st-1/reflection-questions").get_json()
    assert questions["id"] == "primary"
    resp = student.post("/students/st-1/reflections", json={"answers": {"primary.who_helps": "My teacher"}})
    assert resp.status_code == 201
    bad = student.post("/students/st-1/reflections", json={"answers": {"middle.meaningful": "x"}})
    assert bad.status_code == 422

    packet = teacher.get("/students/st-1/packet?cycle=2026-fall").get_json()
    assert packet["sections"][:4] == ["previous_goals", "self_assessment", "reflections", "goals"]
    assert [g["goal_id"] for g in packet["previous_goals"]] == [old]
    assert packet["previous_goals"][0]["status"] == "carried_over"
    [carried] = packet["goals"]
    assert carried["carried_from"] == old and carried["status"] == "draft" and carried["plan"]["target_date"] is None
    assert packet["self_assessment"]["strengths"] == ["I ask for help"]
    assert packet["reflections"] == [{"question_id": "primary.who_helps", "question": "Who can help me?",
                                      "answer": "My teacher"}]
    assert packet["agenda"][0]["kind"] == "review_previous_goals"
