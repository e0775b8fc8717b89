"""The family's goals for the child, from what was agreed at the conference (the
internal ConferenceOutcomeContent over the real bus): goals beside the student's own,
seen and checked in on by the family, the student and the teacher, first in the next
packet; and the teacher's list of follow-ups due."""
from services.common.testing import make_envelope, run_handler, wait_until
from services.goals.entrypoints.handlers import HANDLERS

CONTENT = {"booking_id": "b-1", "school_id": "s-1", "student_id": "st-1", "teacher_id": "t-1", "guardian_id": "g-1",
           "cycle": "2026-fall", "family_goals": [{"id": "fg-1", "text": "Read together 20 minutes every night"}],
           "supports": ["A reading log checked every Friday"], "next_checkin_on": "2026-11-05", "revision": 1}


def test_the_familys_goals_become_goals_tracked_like_the_students(goals_env, bus_tap):
    env = goals_env
    env.seed_roster()
    tap = bus_tap()
    env.start_worker()
    env.publish("ConferenceOutcomeContent", CONTENT, subject="b-1")
    wait_until(lambda: env.db["goals"].find_one({"_id": "fg-1"}), message="family goal stored")
    created = tap.wait_for("GoalCreated", where=lambda m: m["data"]["goal_id"] == "fg-1")[0]
    assert created["data"]["set_by"] == "family" and created["data"]["status"] == "agreed"
    assert "Read together" not in str(created)  # the public event carries ids, not the family's words
    words = env.db["outbox"].find_one({"name": "GoalContentChanged", "envelope.data.goal_id": "fg-1"})
    assert words["private"] and words["envelope"]["data"]["statement"] == CONTENT["family_goals"][0]["text"]

    for role, sub in (("guardian", "g-1"), ("student", "st-1"), ("teacher", "t-1")):
        listing = env.client(role, sub).get("/students/st-1/goals").get_json()["goals"]
        [family] = [g for g in listing if g["goal_id"] == "fg-1"]
        assert family["set_by"] == "family" and family["status"] == "agreed", role
    assert env.client("guardian", "g-2").get("/goals/fg-1").status_code == 404  # another family: nothing

    for role, sub in (("guardian", "g-1"), ("student", "st-1")):
        r = env.client(role, sub).post("/goals/fg-1/checkins", json={"status": "on_track", "note": "Every night"})
        assert r.status_code == 201, r.get_json()
    assert [c["by_role"] for c in env.client("teacher", "t-1").get("/goals/fg-1/checkins").get_json()["checkins"]] \
        == ["guardian", "student"]

    packet = env.client("teacher", "t-1").get("/students/st-1/packet").get_json()
    assert packet["agreements"] == [{"booking_id": "b-1", "cycle": "2026-fall", "family_goal_ids": ["fg-1"],
                                     "supports": ["A reading log checked every Friday"],
                                     "next_checkin_on": "2026-11-05"}]
    nxt = env.client("teacher", "t-1").get("/students/st-1/packet", query_string={"cycle": "2027-spring"}).get_json()
    assert [g["goal_id"] for g in nxt["previous_goals"]] == ["fg-1"]  # reviewed first at the next conference
    assert nxt["previous_goals"][0]["set_by"] == "family"


def test_a_newer_revision_adds_goals_and_an_older_one_changes_nothing(goals_env):
    env = goals_env
    env.seed_roster()
    second = {**CONTENT, "revision": 2, "supports": ["Tuesday group"],
              "family_goals": CONTENT["family_goals"] + [{"id": "fg-2", "text": "Bring the folder home"}]}
    for data in (CONTENT, second, CONTENT):
        run_handler(env.store, HANDLERS, make_envelope("ConferenceOutcomeContent", data, subject="b-1"))
    assert env.db["goals"].count_documents({"set_by": "family"}) == 2
    agreed = env.db["conference_outcomes"].find_one({"_id": "b-1"})
    assert agreed["revision"] == 2 and agreed["supports"] == ["Tuesday group"]
    assert agreed["district_id"] and agreed["school_id"] == "s-1"


def test_a_teacher_sees_the_follow_ups_of_their_conferences(goals_env):
    env = goals_env
    env.seed_roster()
    due = {"booking_id": "b-1", "school_id": "s-1", "student_id": "st-1", "teacher_id": "t-1",
           "guardian_ids": ["g-1"], "cycle": "2026-fall", "due_at": "2026-11-05T14:00:00Z"}
    run_handler(env.store, HANDLERS, make_envelope("FollowUpDue", due, subject="b-1"))
    later = dict(due, due_at="2026-12-03T14:00:00Z")  # the next check-in day agreed later
    run_handler(env.store, HANDLERS, make_envelope("FollowUpDue", later, subject="b-1"))
    mine = env.client("teacher", "t-1").get("/follow-ups").get_json()["follow_ups"]
    assert [(f["student_id"], f["due_at"][:10]) for f in mine] == [("st-1", "2026-11-05"), ("st-1", "2026-12-03")]
    assert env.client("teacher", "t-9").get("/follow-ups").get_json()["follow_ups"] == []
    assert env.client("guardian", "g-1").get("/follow-ups").status_code == 403
    admin = env.client("school_admin", "a-1", school_ids=("s-1",)).get("/follow-ups").get_json()["follow_ups"]
    assert len(admin) == 2


def test_goals_open_in_another_cycle_are_listed_until_they_are_finished(goals_env):
    """A December conference names its cycle 2027-winter while the goals service's default
    cycle is still the fall: the family's goals from it are what the child checks in on, so
    a listing without a cycle shows them; one asked for a cycle shows that cycle only."""
    env = goals_env
    env.seed_roster()
    winter = {**CONTENT, "cycle": "2027-winter", "booking_id": "b-2",
              "family_goals": [{"id": "fg-w", "text": "Read together every night"}]}
    run_handler(env.store, HANDLERS, make_envelope("ConferenceOutcomeContent", winter, subject="b-2"))
    teacher = env.client("teacher", "t-1")

    def listed(**query):
        return [g["goal_id"] for g in teacher.get("/students/st-1/goals", query_string=query).get_json()["goals"]]

    assert "fg-w" in listed() and "fg-w" in listed(cycle="2027-winter")
    assert "fg-w" not in listed(cycle="2026-fall")
    r = teacher.post("/goals/fg-w/status", json={"status": "achieved", "note": ""})
    assert r.status_code == 200, r.get_json()
    assert "fg-w" not in listed() and "fg-w" in listed(cycle="2027-winter")  # finished: in its own cycle only
