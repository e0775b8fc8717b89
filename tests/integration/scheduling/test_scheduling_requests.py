"""A request window end to end in the scheduling service: families' requests (and the
errors a wrong one gets), capacity warnings, the school's priority mark, the deadline
timer solving once the clock passes it, pins, publishing through the booking's own
steps (once, however often it is asked), the times offered to the family left out,
first-come on what is left, and the teacher's agenda."""
from datetime import datetime, timedelta, timezone

from services.common.timers import TimerRunner
from services.scheduling.entrypoints.handlers import TIMERS
from tests.integration.scheduling.conftest import DAYS, window_body

DEADLINE = datetime(2026, 10, 10, 0, 0, tzinfo=timezone.utc)


def request_window(env, **overrides) -> str:
    body = {"booking_mode": "requests_then_first_come", "requests_deadline": DEADLINE.isoformat()}
    return env.open_window(**{**body, **overrides})


def ask(env, client, wid, guardian, students, ranges, **more):
    return client.put(f"/windows/{wid}/requests/{guardian}", json={
        "students": [{"student_id": s} for s in students],
        "ranges": [{"date": d, "start": a, "end": b} for d, a, b in ranges], **more})


def fire_timers(env) -> int:
    return TimerRunner(env.store, TIMERS, concurrency=1).fire_due()


def names(env, event):
    return [e["data"] for e in env.outbox(event)]


def test_a_request_window_from_requests_to_published_bookings(env, clock):
    wid = request_window(env)
    invitations = names(env, "InvitationDue")
    assert {i["asks"] for i in invitations} == {"request"} and len(invitations) == 4
    assert invitations[0]["requests_deadline"].startswith("2026-10-10T00:00")
    assert env.db["timers"].find_one({"_id": f"requests_deadline:{wid}"})["status"] == "pending"

    # families do not book first-come while requests are taken
    r = env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": env.slot_at(wid, "t-1", DAYS[0], "15:00")})
    assert r.status_code == 409 and r.get_json()["code"] == "requests_only"

    early = [(DAYS[0], "15:00", "15:20")]
    assert ask(env, env.guardian("g-3a"), wid, "g-3a", ["st-3"], early).status_code == 200
    r = ask(env, env.guardian("g-3b"), wid, "g-3b", ["st-3"], early)
    assert r.status_code == 200 and r.get_json()["revision"] == 1
    assert ask(env, env.guardian("g-4"), wid, "g-4", ["st-4"], [(DAYS[0], "15:00", "15:40")]).status_code == 200
    r = ask(env, env.guardian("g-1"), wid, "g-1", ["st-1", "st-2"], [(DAYS[0], "15:00", "16:00")],
            interpreter_language="es", preferred=[{"date": DAYS[0], "start": "15:20", "end": "16:00"}])
    assert r.status_code == 200, r.get_json()
    submitted = names(env, "ConferenceRequestSubmitted")
    assert [e["guardian_id"] for e in submitted] == ["g-3a", "g-3b", "g-4", "g-1"]
    assert set(submitted[-1]) == {"window_id", "school_id", "guardian_id", "student_ids", "revision",
                                  "interpreter_language", "private_talk", "submitted_by_role"}

    # clear errors: a day outside the window, someone else's child, another district
    r = ask(env, env.guardian("g-4"), wid, "g-4", ["st-4"], [("2026-10-25", "15:00", "16:00")])
    assert r.status_code == 422 and r.get_json()["code"] == "invalid_request"
    assert {e["field"] for e in r.get_json()["errors"]} == {"ranges.0.date"}
    assert ask(env, env.guardian("g-4"), wid, "g-4", ["st-1"], early).status_code == 404
    assert ask(env, env.guardian("g-4"), wid, "g-1", ["st-4"], early).status_code in (403, 404)
    outsider = env.client("school_admin", "adm-9")
    outsider.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + env._token(
        role="school_admin", sub="adm-9", district_id="d-2", school_ids=("s-1",))
    assert outsider.get(f"/windows/{wid}/requests").status_code == 404
    assert env.guardian("g-4").get(f"/windows/{wid}/requests/g-1").status_code == 404
    assert env.guardian("g-1").get(f"/windows/{wid}/requests/g-1").get_json()["interpreter_language"] == "es"

    # capacity: Spanish is asked for and no interpreter is set yet
    cap = env.admin.get(f"/windows/{wid}/capacity").get_json()
    assert cap["requests"] == 4 and cap["roster_warnings"] == []
    assert [(w["kind"], w["subject"], w["capacity"], w["demand"]) for w in cap["request_warnings"]] == \
        [("interpreter", "es", 0, 2)]
    r = env.admin.put(f"/windows/{wid}/interpreters", json={"interpreters": [
        {"interpreter_id": "i-1", "languages": ["es"],
         "ranges": [{"date": DAYS[0], "start": "15:00", "end": "17:00"}]}]})
    assert r.status_code == 200, r.get_json()
    assert env.admin.get(f"/windows/{wid}/capacity").get_json()["request_warnings"] == []

    # the school marks g-3b (missed last time): g-3b gets the one time both parents asked for
    assert env.teacher("t-1").put(f"/windows/{wid}/priorities/g-3b", json={"reason": "other"}).status_code == 403
    r = env.admin.put(f"/windows/{wid}/priorities/g-3b", json={"priority": 1, "reason": "missed_last_time"})
    assert r.status_code == 200, r.get_json()

    preview = env.admin.post(f"/windows/{wid}/assignment/preview").get_json()
    assert preview["status"] == "proposed" and preview["trigger"] == "preview" and preview["version"] == 1
    r = env.admin.post(f"/windows/{wid}/assignment/publish", json={"version": 1})
    assert r.status_code == 409 and r.get_json()["code"] == "requests_still_open"

    # the deadline passes: the timer solves once, after its transaction
    assert fire_timers(env) == 0
    clock.now = DEADLINE + timedelta(minutes=1)
    r = ask(env, env.guardian("g-4"), wid, "g-4", ["st-4"], early)
    assert r.status_code == 409 and r.get_json()["code"] == "requests_closed"
    assert fire_timers(env) == 2  # the nudge (3 days after opening) and the deadline
    plan = env.admin.get(f"/windows/{wid}/assignment").get_json()
    assert plan["trigger"] == "deadline" and plan["version"] == 2
    assert env.db["timers"].find_one({"_id": f"requests_deadline:{wid}"})["status"] == "cancelled"
    clock.now += timedelta(minutes=30)
    assert fire_timers(env) == 0  # the stored plan disarmed the retry
    where = {c["student_id"]: (c["guardian_id"], c["teacher_id"], c["start"][11:16]) for c in plan["conferences"]}
    # 15:00 Chicago is 20:00 UTC
    assert where["st-3"] == ("g-3b", "t-1", "20:00") and where["st-4"] == ("g-4", "t-1", "20:20")
    assert where["st-2"][2] == "20:20" and where["st-1"][2] == "20:40"  # siblings back to back, preferred times
    assert {c["interpreter_id"] for c in plan["conferences"] if c["guardian_id"] == "g-1"} == {"i-1"}
    [left] = plan["unassigned"]
    assert left["guardian_id"] == "g-3a" and left["reason"] == "teacher_full" and left["student_ids"] == ["st-3"]
    assert plan["metrics"]["families_assigned"] == 3 and plan["metrics"]["priority_assigned"] == 1

    # pins: a move that breaks the family's times is refused; a pin in place holds
    outside = env.slot_at(wid, "t-1", DAYS[1], "16:00")
    r = env.admin.put(f"/windows/{wid}/assignment/pins/st-4", json={"slot_id": outside})
    assert r.status_code == 409 and r.get_json()["code"] == "pin_breaks_rules"
    in_place = env.slot_at(wid, "t-1", DAYS[0], "15:20")
    r = env.admin.put(f"/windows/{wid}/assignment/pins/st-4", json={"slot_id": in_place})
    assert r.status_code == 200, r.get_json()
    plan = r.get_json()
    assert plan["pins"] == [{"student_id": "st-4", "slot_id": in_place}]

    # publish: only the version reviewed, once
    r = env.admin.post(f"/windows/{wid}/assignment/publish", json={"version": plan["version"] - 1})
    assert r.status_code == 409 and r.get_json()["code"] == "assignment_changed"
    assert env.teacher("t-1").post(f"/windows/{wid}/assignment/publish",
                                   json={"version": plan["version"]}).status_code == 403
    for _ in range(2):
        r = env.admin.post(f"/windows/{wid}/assignment/publish", json={"version": plan["version"]})
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["status"] == "published" and r.get_json()["bookings"] == 4
    booked = names(env, "ConferenceBooked")
    assert sorted(b["student_id"] for b in booked) == ["st-1", "st-2", "st-3", "st-4"]
    assert {b["guardian_id"] for b in booked if b["student_id"] == "st-3"} == {"g-3b"}
    assert {b["interpreter_language"] for b in booked if b["guardian_id"] == "g-1"} == {"es"}
    assert {b["interpreter_id"] for b in env.db["bookings"].find({"guardian_id": "g-1"})} == {"i-1"}
    assert env.db["bookings"].count_documents({"window_id": wid, "active": True}) == 4
    [published] = names(env, "ConferenceAssignmentPublished")
    assert published["families_booked"] == 3 and published["families_offered"] == 1 and published["first_come_open"]
    [offered] = names(env, "ConferenceTimesOffered")
    assert offered["guardian_id"] == "g-3a" and offered["reason"] == "teacher_full"
    [child] = offered["offers"]
    assert child["student_id"] == "st-3" and len(child["slots"]) == 3
    assert child["slots"][0]["start"].startswith("2026-10-20T21:00")  # 16:00, the nearest free time of Ms. Lee

    # the teacher's agenda shows the assigned conferences; first-come is open on what is left
    day = env.teacher("t-1").get(f"/windows/{wid}/teachers/t-1/agenda", query_string={"date": DAYS[0]}).get_json()
    assert [(i["student_name"], i["local_start"]) for i in day if i.get("student_name")][:3] == \
        [("Ava Nguyen", "15:00"), ("Omar Haddad", "15:20"), ("Mateo García", "15:40")]
    r = env.book(env.guardian("g-3a"), wid, {"student_id": "st-3", "slot_id": child["slots"][0]["slot_id"]})
    assert r.status_code == 201, r.get_json()


def test_a_requests_only_window_lets_only_the_offered_family_book(env, clock):
    wid = request_window(env, booking_mode="requests")
    early = [(DAYS[0], "15:00", "15:20")]
    for g in ("g-3a", "g-3b"):
        assert ask(env, env.guardian(g), wid, g, ["st-3"], early).status_code == 200
    r = env.guardian("g-3a").delete(f"/windows/{wid}/requests/g-3a")
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"
    assert ask(env, env.guardian("g-3a"), wid, "g-3a", ["st-3"], early).get_json()["revision"] == 3
    clock.now = DEADLINE + timedelta(seconds=1)
    assert fire_timers(env) == 2  # the nudge and the deadline
    plan = env.admin.get(f"/windows/{wid}/assignment").get_json()
    assert plan["metrics"]["families_assigned"] == 1 and len(plan["unassigned"]) == 1
    r = env.admin.post(f"/windows/{wid}/assignment/publish", json={"version": plan["version"]})
    assert r.status_code == 200 and r.get_json()["offered_families"] == [plan["unassigned"][0]["guardian_id"]]
    left = plan["unassigned"][0]["guardian_id"]
    slot = env.slot_at(wid, "t-1", DAYS[0], "15:20")
    r = env.book(env.guardian("g-4"), wid, {"student_id": "st-4", "slot_id": slot})
    assert r.status_code == 409 and r.get_json()["code"] == "requests_only"
    assert env.book(env.guardian(left), wid, {"student_id": "st-3", "slot_id": slot}).status_code == 201


def test_a_request_window_needs_a_deadline_that_fits(env):
    r = env.admin.post("/windows", json=window_body(booking_mode="requests"))
    assert r.status_code == 422 and {e["field"] for e in r.get_json()["errors"]} == {"requests_deadline"}
    r = env.admin.post("/windows", json=window_body(booking_mode="requests", requests_deadline="2026-10-21T00:00:00Z"))
    assert r.status_code == 422
    assert sorted(e["message"] for e in r.get_json()["errors"]) == ["must be before booking closes",
                                                                   "must be before the first conference day starts"]


def test_openapi_documents_the_request_window_api(env):
    spec = env.app.test_client().get("/openapi.json").get_json()
    for path in ("/windows/{window_id}/requests/{guardian_id}", "/windows/{window_id}/requests",
                 "/windows/{window_id}/priorities/{guardian_id}", "/windows/{window_id}/interpreters",
                 "/windows/{window_id}/capacity", "/windows/{window_id}/assignment",
                 "/windows/{window_id}/assignment/preview", "/windows/{window_id}/assignment/pins/{student_id}",
                 "/windows/{window_id}/assignment/publish"):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert schemas["RequestIn"]["additionalProperties"] is False
    assert set(schemas["WindowIn"]["properties"]["booking_mode"]["enum"]) == {
        "first_come", "requests", "requests_then_first_come"}


def test_the_nudge_of_a_request_window_asks_families_without_a_request(env, clock):
    wid = request_window(env)
    assert ask(env, env.guardian("g-4"), wid, "g-4", ["st-4"], [(DAYS[0], "15:00", "16:00")]).status_code == 200
    clock.now += timedelta(days=3, minutes=1)  # the nudge, a week before the deadline
    assert fire_timers(env) == 1
    nudges = [e for e in names(env, "InvitationDue") if e["nudge"]]
    assert sorted(e["guardian_id"] for e in nudges) == ["g-1", "g-3a", "g-3b"]
    assert {e["asks"] for e in nudges} == {"request"}
    assert {e["requests_deadline"][:16] for e in nudges} == {"2026-10-10T00:00"}


def test_a_solve_lost_after_the_deadline_fired_is_done_when_the_timer_fires_again(env, clock, monkeypatch):
    """The deadline timer's transaction commits before the solve runs: if the worker dies
    in between (here, the solve fails once), the timer it re-armed fires again."""
    from services.scheduling.application import assignment

    wid = request_window(env)
    assert ask(env, env.guardian("g-4"), wid, "g-4", ["st-4"], [(DAYS[0], "15:00", "16:00")]).status_code == 200
    real, calls = assignment.solve_window, []

    def dies_once(*a, **kw):
        calls.append(kw["trigger"])
        if len(calls) == 1:
            raise ConnectionError("the worker went away")
        return real(*a, **kw)

    monkeypatch.setattr(assignment, "solve_window", dies_once)
    clock.now = DEADLINE + timedelta(minutes=1)
    fire_timers(env)
    assert calls == ["deadline"] and env.db["assignment_plans"].find_one({"_id": wid}) is None
    timer = env.db["timers"].find_one({"_id": f"requests_deadline:{wid}"})
    assert timer["status"] == "pending" and timer["payload"]["tries"] == 1
    clock.now += timedelta(minutes=10)
    assert fire_timers(env) == 1
    plan = env.db["assignment_plans"].find_one({"_id": wid})
    assert calls == ["deadline", "deadline"] and plan["trigger"] == "deadline" and plan["version"] == 1
    assert env.db["timers"].find_one({"_id": f"requests_deadline:{wid}"})["status"] == "cancelled"
