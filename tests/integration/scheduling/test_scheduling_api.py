"""The scheduling HTTP API against a real MongoDB-wire server and RabbitMQ: opening a
window invites every family on the bus; siblings book all or nothing; a private word is
paired; reschedule / cancel within policy; families never see each other; snow day."""
import json
from datetime import timedelta

from services.common.timers import TimerRunner
from services.scheduling.entrypoints.handlers import TIMERS

from tests.integration.scheduling.conftest import DAYS, availability, window_body


def codes(resp):
    body = resp.get_json()
    assert resp.mimetype == "application/problem+json", body
    return body.get("code")


def test_open_window_invites_each_family_on_the_bus(env, bus_tap):
    tap = bus_tap()
    env.start_relay()
    wid = env.open_window()
    opened = tap.wait_for("ConferenceWindowOpened")[0]
    assert opened["data"]["window_id"] == wid and opened["data"]["first_day"] == DAYS[0]
    invites = tap.wait_for("InvitationDue", 4)
    by_family = {m["data"]["guardian_id"]: m["data"] for m in invites}
    assert set(by_family) == {"g-1", "g-3a", "g-3b", "g-4"}
    assert by_family["g-1"]["student_ids"] == ["st-1", "st-2"] and not by_family["g-1"]["nudge"]
    assert all(m["districtid"] == "d-1" and m["schoolid"] == "s-1" for m in invites)
    # who has not booked: everyone, until they do
    todo = env.admin.get(f"/windows/{wid}/invitations").get_json()
    assert {i["guardian_id"] for i in todo} == {"g-1", "g-3a", "g-3b", "g-4"}
    assert env.db["timers"].find_one({"_id": f"nudge:{wid}", "status": "pending"})


def test_slots_generated_in_school_time_zone_and_listed_free_busy(env):
    wid = env.open_window()
    slots = env.slots(wid, teacher_id="t-1", date=DAYS[0])
    assert [s["local_start"] for s in slots][:3] == ["15:00", "15:20", "15:40"] and len(slots) == 9
    assert slots[0]["start"].startswith("2026-10-20T20:00:00")  # 15:00 CDT is 20:00 UTC
    assert slots[0]["teacher_name"] == "Laura Lee" and all(s["free"] for s in slots)


def test_siblings_back_to_back_with_travel_gap(env):
    wid = env.open_window()
    g1 = env.guardian("g-1")
    r = env.book(g1, wid, {"student_id": "st-1"}, {"student_id": "st-2"}, date=DAYS[0])
    assert r.status_code == 201, r.get_json()
    a, b = r.get_json()["bookings"]
    assert a["group_id"] == b["group_id"] and {a["room"], b["room"]} == {"101", "202"}
    first, second = sorted((a, b), key=lambda x: x["start"])
    # rooms differ: a 5-minute walk fits into a 20-minute slot -> the very next slot
    assert first["start"].startswith("2026-10-20T20:00") and second["start"].startswith("2026-10-20T20:20")
    assert len(env.outbox("ConferenceBooked")) == 2


def test_siblings_all_or_nothing(env):
    wid = env.open_window()
    taken = env.slot_at(wid, "t-2", DAYS[0], "15:20")
    assert env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:40")}
                    ).status_code == 201
    # t-2's 15:20 goes to a teacher booking on behalf of another family
    env.db["slots"].update_one({"_id": taken}, {"$set": {"booked_by": "b-other"}})
    free = env.slot_at(wid, "t-1", DAYS[0], "15:00")
    r = env.book(env.guardian("g-1"), wid, {"student_id": "st-1", "slot_id": free}, {"student_id": "st-2", "slot_id": taken})
    assert r.status_code == 409 and codes(r) == "slot_taken" and r.get_json()["slot_id"] == taken
    assert env.db["slots"].find_one({"_id": free})["booked_by"] is None  # the sibling's slot stayed free
    assert env.db["bookings"].count_documents({"guardian_id": "g-1"}) == 0
    assert env.outbox("ConferenceBooked") and len(env.outbox("ConferenceBooked")) == 1


def test_siblings_on_a_thirty_minute_grid_in_two_rooms_with_the_default_choice(env):
    """The default choice (no slots named, default travel gap and longest wait) on a
    30-minute grid whose teachers are in different rooms, every slot free."""
    body = {k: v for k, v in window_body(slot_minutes=30).items() if k not in ("travel_gap_minutes", "max_idle_minutes")}
    window = env.admin.post("/windows", json=body).get_json()
    wid = window["window_id"]
    for teacher, room in (("t-1", "101"), ("t-2", "202")):
        assert env.teacher(teacher).put(f"/windows/{wid}/availability/{teacher}", json=availability(room)).status_code == 200
    assert env.admin.post(f"/windows/{wid}/open").status_code == 200
    assert (window["travel_gap_minutes"], window["max_idle_minutes"]) == (5, 15)
    r = env.book(env.guardian("g-1"), wid, {"student_id": "st-1"}, {"student_id": "st-2"}, date=DAYS[0])
    assert r.status_code == 201, r.get_json()
    first, second = sorted(r.get_json()["bookings"], key=lambda x: x["start"])
    assert first["room"] != second["room"] and first["end"] == second["start"]


def test_no_back_to_back_slots_says_why(env):
    wid = env.open_window()
    for s in env.slots(wid, teacher_id="t-2", date=DAYS[0]):
        env.db["slots"].update_one({"_id": s["slot_id"]}, {"$set": {"booked_by": "b-other"}})
    r = env.book(env.guardian("g-1"), wid, {"student_id": "st-1"}, {"student_id": "st-2"}, date=DAYS[0])
    body = r.get_json()
    assert r.status_code == 409 and codes(r) == "no_back_to_back_slots"
    assert body["reason"] == "teacher_full" and body["student_ids"] == ["st-2"]


def test_one_guardian_is_never_booked_into_two_rooms_at_once(env):
    """Manual choice of the same time for two children in two rooms: refused, nothing
    booked. One child at a time, the second overlapping booking is refused too, and so is
    a move into an overlap; a second guardian attending separately books with their own account."""
    wid = env.open_window()
    g1 = env.guardian("g-1")
    a, b = env.slot_at(wid, "t-1", DAYS[0], "15:00"), env.slot_at(wid, "t-2", DAYS[0], "15:00")
    r = env.book(g1, wid, {"student_id": "st-1", "slot_id": a}, {"student_id": "st-2", "slot_id": b})
    assert r.status_code == 409 and codes(r) == "family_busy", r.get_json()
    assert "already have a conference at this time" in r.get_json()["detail"]
    assert env.db["bookings"].count_documents({"guardian_id": "g-1"}) == 0
    assert env.book(g1, wid, {"student_id": "st-1", "slot_id": a}).status_code == 201
    r = env.book(g1, wid, {"student_id": "st-2", "slot_id": b})
    assert r.status_code == 409 and codes(r) == "family_busy"
    assert env.db["slots"].find_one({"_id": b})["booked_by"] is None
    later = env.slot_at(wid, "t-2", DAYS[0], "15:40")
    second = env.book(g1, wid, {"student_id": "st-2", "slot_id": later}).get_json()["bookings"][0]
    r = g1.post(f"/bookings/{second['booking_id']}/reschedule", json={"slot_id": env.slot_at(wid, "t-2", DAYS[0], "15:20")})
    assert r.status_code == 200  # 15:20 starts when 15:00-15:20 ends: back to back, not overlapping
    r = g1.post(f"/bookings/{second['booking_id']}/reschedule", json={"slot_id": env.slot_at(wid, "t-2", DAYS[0], "15:00")})
    assert r.status_code == 409 and codes(r) == "family_busy"
    # st-3's two guardians: each may come at the same time as the other's other plans
    assert env.book(env.guardian("g-3a"), wid, {"student_id": "st-3", "slot_id": env.slot_at(wid, "t-1", DAYS[1], "16:00")}
                    ).status_code == 201


def test_household_booking_needs_the_per_household_policy(env):
    wid = env.open_window(policy="per_student")
    r = env.book(env.guardian("g-1"), wid, {"student_id": "st-1"}, {"student_id": "st-2"})
    assert r.status_code == 422 and codes(r) == "household_booking_not_allowed"


def test_private_word_is_paired_and_released_together(env):
    wid = env.open_window()
    slot = env.slot_at(wid, "t-1", DAYS[0], "16:00")
    after = env.slot_at(wid, "t-1", DAYS[0], "16:20")
    r = env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": slot, "private_talk": True},
                 interpreter_language="ar")
    assert r.status_code == 201, r.get_json()
    b = r.get_json()["bookings"][0]
    assert b["private_slot_id"] == after and b["private_talk"] and b["interpreter_language"] == "ar"
    assert {env.db["slots"].find_one({"_id": s})["booked_by"] for s in (slot, after)} == {b["booking_id"]}
    event = env.outbox("ConferenceBooked")[0]["data"]
    assert event["private_talk"] and event["end"].startswith("2026-10-20T21:40")  # through the private word
    # the slot before is free but its follower is not: no room for a private word
    before = env.slot_at(wid, "t-1", DAYS[0], "15:40")
    r2 = env.book(env.guardian("g-3a"), wid, {"student_id": "st-3", "slot_id": before, "private_talk": True})
    assert r2.status_code == 409 and codes(r2) == "private_slot_unavailable"
    assert env.guardian("g-4").post(f"/bookings/{b['booking_id']}/cancel").status_code == 200
    assert {env.db["slots"].find_one({"_id": s})["booked_by"] for s in (slot, after)} == {None}


def test_one_active_conference_per_child_per_family(env):
    wid = env.open_window()
    g4 = env.guardian("g-4")
    assert env.book(g4, wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:00")}).status_code == 201
    r = env.book(g4, wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:20")})
    assert r.status_code == 409 and codes(r) == "student_already_booked"
    assert env.db["slots"].find_one({"_id": env.slot_at(wid, "t-1", DAYS[0], "15:20")})["booked_by"] is None


def test_separated_guardians_book_independently_and_see_only_their_own(env):
    wid = env.open_window()
    ra = env.book(env.guardian("g-3a"), wid, {"student_id": "st-3", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:00")})
    rb = env.book(env.guardian("g-3b"), wid, {"student_id": "st-3", "slot_id": env.slot_at(wid, "t-1", DAYS[1], "17:00")})
    assert ra.status_code == rb.status_code == 201
    mine_a = env.guardian("g-3a").get("/bookings").get_json()["bookings"]
    mine_b = env.guardian("g-3b").get("/bookings").get_json()["bookings"]
    assert [b["guardian_id"] for b in mine_a] == ["g-3a"] and [b["guardian_id"] for b in mine_b] == ["g-3b"]
    other = ra.get_json()["bookings"][0]["booking_id"]
    assert env.guardian("g-3b").get(f"/bookings/{other}").status_code == 404
    assert env.guardian("g-3b").post(f"/bookings/{other}/cancel").status_code == 404


def test_a_family_never_sees_another_familys_name_or_ids(env):
    wid = env.open_window()
    env.book(env.guardian("g-1"), wid, {"student_id": "st-1"}, {"student_id": "st-2"}, date=DAYS[0])
    listing = env.guardian("g-4").get(f"/windows/{wid}/slots").get_data(as_text=True)
    for secret in ("st-1", "st-2", "g-1", "Mateo", "García", "b-"):
        assert secret not in listing
    assert any(not s["free"] for s in json.loads(listing))
    # nor a stranger's window or bookings
    assert env.guardian("g-unknown").get(f"/windows/{wid}/slots").status_code == 404
    assert env.guardian("g-4").get("/bookings").get_json()["bookings"] == []


def test_teacher_books_on_behalf_of_a_family(env):
    wid = env.open_window()
    t1 = env.teacher("t-1")
    r = env.book(t1, wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "17:00")})
    assert r.status_code == 201 and r.get_json()["bookings"][0]["guardian_id"] == "g-4"
    assert env.outbox("ConferenceBooked")[0]["data"]["booked_by_role"] == "teacher"
    r = env.book(t1, wid, {"student_id": "st-3", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "17:20")})
    assert r.status_code == 422 and codes(r) == "guardian_required"
    r = env.book(env.teacher("t-2"), wid, {"student_id": "st-3", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "17:20")})
    assert r.status_code == 404  # not t-2's student
    assert env.guardian("g-4").get("/bookings").get_json()["bookings"][0]["booked_by_role"] == "teacher"


def test_reschedule_and_cancel_within_policy(env, clock):
    wid = env.open_window()
    g4 = env.guardian("g-4")
    b = env.book(g4, wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:00")}).get_json()["bookings"][0]
    new_slot = env.slot_at(wid, "t-1", DAYS[2], "16:00")
    r = g4.post(f"/bookings/{b['booking_id']}/reschedule", json={"slot_id": new_slot})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["slot_id"] == new_slot and r.get_json()["sequence"] == 1
    assert env.db["slots"].find_one({"_id": b["slot_id"]})["booked_by"] is None
    moved = env.outbox("ConferenceRescheduled")[0]["data"]
    assert moved["previous_start"].startswith("2026-10-20T20:00") and moved["start"].startswith("2026-10-22T21:00")
    # after the cut-off (24 h before) the family can no longer change it; the school can
    clock.now = env.db["bookings"].find_one({"_id": b["booking_id"]})["start"] - timedelta(hours=23)
    r = g4.post(f"/bookings/{b['booking_id']}/cancel")
    assert r.status_code == 409 and codes(r) == "cancellation_cutoff_passed"
    r = env.admin.post(f"/bookings/{b['booking_id']}/cancel")
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert env.outbox("ConferenceCancelled")[0]["data"]["reason"] == "school"
    assert TimerRunner(env.store, TIMERS).fire_due() >= 1  # its time's reminder is due: nobody left to remind
    assert env.outbox("ConferenceReminderDue") == []


def test_booking_rules_give_clear_errors(env, clock):
    wid = env.open_window()
    g4 = env.guardian("g-4")
    r = env.book(g4, wid, {"student_id": "st-4", "slot_id": "nope"})
    assert r.status_code == 404 and codes(r) == "slot_not_found"
    r = g4.post(f"/windows/{wid}/bookings", json={"students": [{"student_id": "st-4"}], "colour": "red"})
    assert r.status_code == 422 and any(e["field"] == "colour" for e in r.get_json()["errors"])
    r = env.book(g4, wid, {"student_id": "st-1"})
    assert r.status_code == 404  # not her child
    clock.now = clock.now.replace(month=10, day=19, hour=1)
    r = env.book(g4, wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:00")})
    assert r.status_code == 409 and codes(r) == "booking_closed"


def test_window_validation_is_field_by_field(env):
    r = env.admin.post("/windows", json=window_body(slot_minutes=25, booking_closes_at="2026-09-01T00:00:00Z"))
    assert r.status_code == 422
    r = env.admin.post("/windows", json=window_body(booking_closes_at="2026-09-01T00:00:00Z"))
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"booking_closes_at"}
    assert env.guardian("g-4").post("/windows", json=window_body()).status_code == 403


def test_snow_day_moves_or_releases_each_booking(env):
    wid = env.open_window()
    g4, g3a = env.guardian("g-4"), env.guardian("g-3a")
    keep = env.book(g4, wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:20"),
                              "private_talk": True}).get_json()["bookings"][0]
    lost = env.book(g3a, wid, {"student_id": "st-3", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "16:00")}
                    ).get_json()["bookings"][0]
    # on the make-up day, t-1's 16:00 is already taken by g-1's child
    env.book(env.guardian("g-1"), wid, {"student_id": "st-1", "slot_id": env.slot_at(wid, "t-1", DAYS[2], "16:00")})
    r = env.admin.post(f"/windows/{wid}/days/{DAYS[0]}/move", json={"to_date": DAYS[2]})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["moved"] == [keep["booking_id"]] and r.get_json()["released"] == [lost["booking_id"]]
    moved = env.outbox("ConferenceRescheduled")
    assert len(moved) == 1 and moved[0]["data"]["start"].startswith("2026-10-22T20:20")
    assert moved[0]["data"]["private_talk"]
    cancelled = env.outbox("ConferenceCancelled")
    assert [c["data"]["reason"] for c in cancelled] == ["day_moved"]
    assert env.db["slots"].count_documents({"window_id": wid, "local_date": DAYS[0]}) == 0
    assert DAYS[0] not in [d["date"] for d in env.admin.get(f"/windows/{wid}").get_json()["days"]]


def test_snow_day_to_a_new_date_regenerates_slots(env):
    wid = env.open_window()
    b = env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "17:40")}
                 ).get_json()["bookings"][0]
    r = env.admin.post(f"/windows/{wid}/days/{DAYS[0]}/move", json={"to_date": "2026-10-27"})
    assert r.status_code == 200 and r.get_json()["moved"] == [b["booking_id"]]
    after = env.guardian("g-4").get(f"/bookings/{b['booking_id']}").get_json()
    assert after["start"].startswith("2026-10-27T22:40") and after["sequence"] == 1
    assert len(env.slots(wid, teacher_id="t-2", date="2026-10-27")) == 9
    timer = env.db["timers"].find_one({"_id": f"reminders:{wid}:20261027T2240Z"})  # the new time's reminder
    assert timer["status"] == "pending" and timer["due_at"].day == 26


def test_agenda_outcome_calendar_and_master_schedule(env, clock):
    wid = env.open_window()
    b = env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:40")},
                 interpreter_language="ar").get_json()["bookings"][0]
    env.book(env.guardian("g-3a"), wid, {"student_id": "st-3", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:00")})
    day = env.teacher("t-1").get(f"/windows/{wid}/teachers/t-1/agenda", query_string={"date": DAYS[0]}).get_json()
    assert [(i["local_start"], i["student_name"]) for i in day] == [("15:00", "Ava Nguyen"), ("15:40", "Omar Haddad")]
    assert day[1]["interpreter_language"] == "ar" and day[1]["room"] == "101"
    assert env.teacher("t-2").get(f"/windows/{wid}/teachers/t-1/agenda", query_string={"date": DAYS[0]}).status_code == 403
    early = env.teacher("t-1").post(f"/bookings/{b['booking_id']}/outcome", json={"outcome": "held"})
    assert early.status_code == 409 and codes(early) == "conference_not_started"
    clock.now = env.db["bookings"].find_one({"_id": b["booking_id"]})["start"] + timedelta(minutes=25)
    r = env.teacher("t-1").post(f"/bookings/{b['booking_id']}/outcome", json={"outcome": "held"})
    assert r.status_code == 200 and r.get_json()["status"] == "held"
    held = env.outbox("ConferenceHeld")[0]["data"]
    assert held["cycle"] == "2026-fall" and held["held_at"].startswith("2026-10-20T20:40")
    assert env.db["timers"].find_one({"_id": f"follow_up:{b['booking_id']}"})["due_at"].day == 3  # 3 Nov
    ics = env.guardian("g-4").get(f"/bookings/{b['booking_id']}/calendar.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar" and b"Omar" in ics.data
    feed = env.teacher("t-1").get("/teachers/t-1/calendar.ics")
    assert feed.status_code == 200 and feed.data.count(b"BEGIN:VEVENT") == 2
    assert env.guardian("g-4").get("/teachers/t-1/calendar.ics").status_code == 403
    html = env.admin.get(f"/windows/{wid}/schedule.html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert "Omar Haddad" in text and "Rania Haddad" in text and "interpreter: Arabic" in text and "Ken Ito" in text
    assert "Tuesday, October 20, 2026" in text and "Room 101" in text and "Central Time" in text
    spanish = env.admin.get(f"/windows/{wid}/schedule.html", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert 'lang="es"' in spanish and "martes, 20 de octubre de 2026" in spanish and "intérprete: árabe" in spanish
    assert "Aula 101" in spanish and "hora central" in spanish
    mine = env.teacher("t-2").get(f"/windows/{wid}/schedule.html").get_data(as_text=True)
    assert "Omar" not in mine and "Ken Ito" in mine
    assert env.guardian("g-4").get(f"/windows/{wid}/schedule.html").status_code == 403


def test_waitlist_books_the_first_family_when_a_slot_frees(env):
    wid = env.open_window()
    t2_slots = env.slots(wid, teacher_id="t-2")
    env.db["slots"].update_many({"teacher_id": "t-2"}, {"$set": {"booked_by": "b-full"}})  # t-2 is full
    mine = env.slot_at(wid, "t-1", DAYS[0], "15:00")
    booked = env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": mine}).get_json()["bookings"][0]
    r = env.guardian("g-1").post(f"/windows/{wid}/waitlist", json={"student_id": "st-2"})
    assert r.status_code == 201, r.get_json()
    r = env.guardian("g-3a").post(f"/windows/{wid}/waitlist", json={"student_id": "st-3"})
    assert r.status_code == 409 and codes(r) == "slots_available"  # t-1 still has room
    env.db["slots"].update_one({"_id": t2_slots[3]["slot_id"]}, {"$set": {"booked_by": booked["booking_id"]}})
    env.db["bookings"].update_one({"_id": booked["booking_id"]},
                                  {"$set": {"private_slot_id": t2_slots[3]["slot_id"]}})
    assert env.guardian("g-4").post(f"/bookings/{booked['booking_id']}/cancel").status_code == 200
    got = env.guardian("g-1").get("/bookings").get_json()["bookings"]
    assert [(b["student_id"], b["slot_id"], b["booked_by_role"]) for b in got] == [
        ("st-2", t2_slots[3]["slot_id"], "waitlist")]
    assert env.guardian("g-1").get(f"/windows/{wid}/waitlist").get_json() == []


def test_openapi_documents_the_api(env):
    spec = env.app.test_client().get("/openapi.json").get_json()
    assert "/windows/{window_id}/bookings" in spec["paths"]
    assert spec["components"]["schemas"]["BookingIn"]["additionalProperties"] is False


def test_teacher_breaks_and_republished_availability_keep_bookings(env):
    wid = env.open_window()
    booked = env.slot_at(wid, "t-1", DAYS[0], "17:20")
    assert env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": booked}).status_code == 201
    body = {"room": "105", "ranges": [{"date": DAYS[0], "start": "15:00", "end": "17:00"}],
            "breaks": [{"date": DAYS[0], "start": "16:00", "end": "16:30"}]}
    r = env.teacher("t-1").put(f"/windows/{wid}/availability/t-1", json=body)
    assert r.status_code == 200 and r.get_json()["kept_booked"] == [booked], r.get_json()
    day = env.slots(wid, teacher_id="t-1", date=DAYS[0])
    assert [s["local_start"] for s in day] == ["15:00", "15:20", "15:40", "16:30", "17:20"]
    assert {s["room"] for s in day} == {"105"} and [s["free"] for s in day] == [True] * 4 + [False]
    assert env.slots(wid, teacher_id="t-1", date=DAYS[2]) == []  # days left out lose their free slots
    assert env.teacher("t-2").put(f"/windows/{wid}/availability/t-1", json=body).status_code == 403
    bad = dict(body, ranges=[{"date": DAYS[0], "start": "14:00", "end": "15:00"}])
    r = env.admin.put(f"/windows/{wid}/availability/t-1", json=bad)
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_availability"
