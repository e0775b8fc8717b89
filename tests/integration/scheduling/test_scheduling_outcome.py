"""What was agreed at a conference (the family's goals, the teacher's supports, the next
check-in) and the teacher's secret calendar link, over the scheduling API."""
from datetime import timedelta

from services.common.catalogue import latest
from tests.integration.scheduling.conftest import DAYS


def held_booking(env, clock, **agreement):
    wid = env.open_window()
    b = env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:40")}
                 ).get_json()["bookings"][0]
    clock.now = env.db["bookings"].find_one({"_id": b["booking_id"]})["start"] + timedelta(minutes=25)
    r = env.teacher("t-1").post(f"/bookings/{b['booking_id']}/outcome", json={"outcome": "held", **agreement})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_held_with_what_was_agreed_emits_ids_in_public_and_words_internally(env, clock):
    out = held_booking(env, clock, family_goals=["Read 20 minutes every night", " "], supports=["A reading log"],
                       next_checkin_on="2026-11-05")
    agreed = out["agreement"]
    assert [g["text"] for g in agreed["family_goals"]] == ["Read 20 minutes every night"]
    assert agreed["supports"] == ["A reading log"] and agreed["next_checkin_on"] == "2026-11-05"
    [public] = env.outbox("ConferenceOutcomeRecorded")
    [private] = env.outbox("ConferenceOutcomeContent")
    assert not latest("ConferenceOutcomeRecorded").private and latest("ConferenceOutcomeContent").private
    fg = agreed["family_goals"][0]["id"]
    assert public["data"]["family_goal_ids"] == [fg] and public["data"]["support_count"] == 1
    assert "Read" not in str(public) and "reading log" not in str(public)  # ids and counts only
    assert private["data"]["family_goals"] == [{"id": fg, "text": "Read 20 minutes every night"}]
    assert private["data"]["guardian_id"] == "g-4" and private["data"]["revision"] == 1
    # the follow-up moves to the morning of the chosen day, in the school's zone (08:00 CST = 14:00 UTC)
    timer = env.db["timers"].find_one({"_id": f"follow_up:{out['booking_id']}"})
    assert timer["due_at"].isoformat().startswith("2026-11-05T14:00")
    # the family sees what was agreed on its booking; another family does not see the booking at all
    mine = env.guardian("g-4").get(f"/bookings/{out['booking_id']}").get_json()
    assert mine["agreement"]["family_goals"][0]["text"] == "Read 20 minutes every night"
    assert env.guardian("g-1").get(f"/bookings/{out['booking_id']}").status_code == 404


def test_goals_are_added_supports_replaced_and_only_the_teacher_or_admin_records(env, clock):
    out = held_booking(env, clock, family_goals=["Read every night"])
    bid = out["booking_id"]
    more = env.teacher("t-1").post(f"/bookings/{bid}/agreement", json={"family_goals": ["Bring the math folder home"],
                                                                     "supports": ["Tuesday group", "Weekly note"]})
    assert more.status_code == 200, more.get_json()
    agreed = more.get_json()["agreement"]
    assert [g["text"] for g in agreed["family_goals"]] == ["Read every night", "Bring the math folder home"]
    assert agreed["family_goals"][0]["id"] == out["agreement"]["family_goals"][0]["id"]  # kept: it is a goal now
    assert agreed["supports"] == ["Tuesday group", "Weekly note"] and agreed["revision"] == 2
    assert sorted(e["data"]["revision"] for e in env.outbox("ConferenceOutcomeContent")) == [1, 2]
    assert env.teacher("t-2").post(f"/bookings/{bid}/agreement", json={"supports": ["x"]}).status_code in (403, 404)
    assert env.guardian("g-4").post(f"/bookings/{bid}/agreement", json={"supports": ["x"]}).status_code in (403, 404)
    assert env.admin.post(f"/bookings/{bid}/agreement", json={"supports": ["From the office"]}).status_code == 200


def test_what_was_agreed_gets_field_by_field_errors(env, clock):
    wid = env.open_window()
    b = env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:40")}
                 ).get_json()["bookings"][0]
    early = env.teacher("t-1").post(f"/bookings/{b['booking_id']}/agreement", json={"supports": ["x"]})
    assert early.status_code == 409 and early.get_json()["code"] == "conference_not_held"
    clock.now = env.db["bookings"].find_one({"_id": b["booking_id"]})["start"] + timedelta(minutes=25)
    bad = env.teacher("t-1").post(f"/bookings/{b['booking_id']}/outcome", json={
        "outcome": "held", "family_goals": ["x" * 301], "next_checkin_on": "2026-10-01"})
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.get_json()["errors"]}
    assert {"family_goals.0"} <= fields or "family_goals" in fields
    late = env.teacher("t-1").post(f"/bookings/{b['booking_id']}/outcome", json={
        "outcome": "held", "family_goals": ["fine"], "next_checkin_on": "2026-10-01"})
    assert late.status_code == 422 and late.get_json()["code"] == "outcome_invalid"
    assert [e["field"] for e in late.get_json()["errors"]] == ["next_checkin_on"]
    assert env.db["bookings"].find_one({"_id": b["booking_id"]})["status"] == "booked"  # nothing half-done
    no_show = env.teacher("t-1").post(f"/bookings/{b['booking_id']}/outcome",
                                      json={"outcome": "no_show", "supports": ["x"]})
    assert no_show.status_code == 422


def test_a_teachers_secret_calendar_link_needs_no_token_and_a_new_one_ends_the_old(env, clock):
    held_booking(env, clock)
    assert env.teacher("t-1").get("/teachers/t-1/calendar-feed").status_code == 404
    first = env.teacher("t-1").post("/teachers/t-1/calendar-feed")
    assert first.status_code == 201
    path = first.get_json()["path"]
    assert env.teacher("t-1").get("/teachers/t-1/calendar-feed").get_json()["path"] == path
    anonymous = env.app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar" and feed.data.count(b"BEGIN:VEVENT") == 1
    assert anonymous.get("/feeds/not-a-token.ics").status_code == 404
    assert anonymous.get("/teachers/t-1/calendar-feed").status_code == 401  # only the feed itself is open
    assert env.teacher("t-2").post("/teachers/t-1/calendar-feed").status_code == 403
    assert env.guardian("g-4").post("/teachers/t-1/calendar-feed").status_code == 403
    second = env.teacher("t-1").post("/teachers/t-1/calendar-feed").get_json()["path"]
    assert second != path and anonymous.get(path).status_code == 404 and anonymous.get(second).status_code == 200
