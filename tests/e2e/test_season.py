"""The whole season end to end: every service as gunicorn + worker processes on a
RabbitMQ vhost and a MongoDB-wire server, a real SMTP server (aiosmtpd) and an SMS
gateway stub, driven through HTTP only:

roster import (API) -> windows, availability, open (invitations) -> families book
(siblings back to back, an interpreter, a private word, reschedules, cancellations, a
booking by the teacher, one family that never books) -> goals and self-assessments ->
parent input -> the day before (reminders) -> conference day (held / no show) -> two
weeks later (follow-ups, check-ins, a goal achieved) -> the month's progress reports
(batch job, ReportReady) -> every e-mail counted per recipient, exactly.

Time moves with the test clock of tests/e2e/season.py (all processes read one offset).
"""
from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

import pytest

from services.common.bus import Topology
from services.common.catalogue import all_specs
from tests.e2e.season import (
    ClockedSystem, District, MailSink, Season, SmsSink, Tap, school_cycle, service_env, settle, wait_for,
)
from tests.schema_check import schema_errors

pytestmark = pytest.mark.timeout(1500)


@pytest.fixture(scope="module")
def world(rabbit_vhost, tmp_path_factory):
    with MailSink() as mail, SmsSink() as sms:
        system = ClockedSystem(rabbit_vhost.url, web_workers=1, extra_env=service_env(mail, sms))
        try:
            system.start(timeout=240)
            tap = Tap(system.amqp_url, system.exchange)
            try:
                district = District(tmp_path_factory.mktemp("district") / "district.zip", schools=2, students=40)
                yield system, Season(system, district), mail, sms, tap
            finally:
                tap.close()
        finally:
            system.stop()


class Expect:
    """Messages the season should cause, per (person, kind): handlers.py / notices.py."""

    def __init__(self, season: Season):
        self.season = season
        self.counts: Counter = Counter()

    def add(self, person: str, kind: str, n: int = 1) -> None:
        self.counts[(person, kind)] += n

    def booked(self, b: dict) -> None:
        self.add(b["guardian_id"], "booking_confirmation")
        self.add(b["guardian_id"], "parent_input_request")
        self.add(b["teacher_id"], "teacher_update")

    def rescheduled(self, b: dict) -> None:
        self.add(b["guardian_id"], "reschedule_confirmation")
        self.add(b["teacher_id"], "teacher_update")

    def cancelled(self, b: dict, by_family: bool) -> None:
        self.add(b["guardian_id"], "cancel_confirmation")
        if by_family:
            self.add(b["teacher_id"], "teacher_update")

    def by_kind(self) -> Counter:
        out: Counter = Counter()
        for (_, kind), n in self.counts.items():
            out[kind] += n
        return out

    def by_address(self, email: dict) -> Counter:
        out: Counter = Counter()
        for (person, _), n in self.counts.items():
            out[email[person]] += n
        return out


def test_a_whole_season(world):
    system, season, mail, sms, tap = world
    timings: dict[str, float] = {}
    started = last = time.monotonic()

    def lap(name: str) -> None:
        nonlocal last
        timings[name] = round(time.monotonic() - last, 1)
        last = time.monotonic()

    expect = Expect(season)

    # -- 1. roster in ------------------------------------------------------------------
    summary = season.import_district()
    assert summary["status"] == "applied" and summary["error_count"] == 0
    assert summary["events"]["StudentEnrolled"] == 40
    settle(system, tap, timeout=300)
    season.discover()
    assert len(season.schools) == 2 and len(season.students) == 40
    assert season.import_district()["status"] == "unchanged"  # idempotent: the same bundle changes nothing
    lap("roster")

    # -- 2. windows open: one invitation per guardian per school -------------------------
    season.open_windows(days_ahead=3)
    for sid in season.schools:
        for g in season.guardians_in(sid):
            expect.add(g, "invitation")
    cycle = season.windows[sorted(season.schools)[0]]["cycle"]
    lap("windows")

    # -- 3. families book -------------------------------------------------------------
    groups: dict[tuple[str, str], list[str]] = {}
    for sid, s in sorted(season.students.items()):
        groups.setdefault((s["school_id"], s["guardian_ids"][0]), []).append(sid)
    siblings = [(k, v) for k, v in sorted(groups.items()) if len(v) > 1]
    singles = [(k, v[0]) for k, v in sorted(groups.items()) if len(v) == 1]
    assert siblings and len(singles) >= 10, (len(siblings), len(singles))
    (skip, by_teacher, interpreter, private, move1, move2, cancel_only, cancel_rebook, school_cancel,
     no_show) = singles[:10]
    final: dict[str, dict] = {}  # student -> their active booking

    for (school, g), kids in siblings:
        made = season.book(g, kids)
        assert len(made) == len(kids) and len({b["group_id"] for b in made}) == 1
        ends = sorted((b["start"], b["end"]) for b in made)
        assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:])), ends  # back to back, never overlapping
        for b in made:
            expect.booked(b)
            final[b["student_id"]] = b
    for (school, g), sid in singles:
        if (school, g) == skip[0]:
            continue
        teacher = season.students[sid]["teacher_ids"][0]
        extra = {}
        if sid == interpreter[1]:
            extra["interpreter_language"] = "es"
        if sid == private[1]:
            extra["private_talk"] = True
        by = season.teacher(teacher) if sid == by_teacher[1] else None
        [b] = season.book(g, [sid], by=by, **extra)
        assert b["booked_by_role"] == ("teacher" if by else "guardian")
        expect.booked(b)
        final[sid] = b
    assert final[private[1]]["private_slot_id"] and final[interpreter[1]]["interpreter_language"] == "es"

    # Reschedules (by the family), cancellations (two by families, one by the school), a rebooking.
    for (school, g), sid in (move1, move2):
        old = final[sid]
        slot = [s for s in season.free_slots(season.guardian(g), school, old["teacher_id"])
                if s["slot_id"] != old["slot_id"]][-1]
        moved = season.guardian(g).post("scheduling", f"/bookings/{old['booking_id']}/reschedule", expect=200,
                                        json={"slot_id": slot["slot_id"]}).json()
        assert moved["slot_id"] == slot["slot_id"] and moved["sequence"] == 1
        expect.rescheduled(moved)
        final[sid] = moved
    for (school, g), sid in (cancel_only, cancel_rebook):
        b = final.pop(sid)
        out = season.guardian(g).post("scheduling", f"/bookings/{b['booking_id']}/cancel", expect=200).json()
        assert out["status"] == "cancelled" and out["cancel_reason"] == "family"
        expect.cancelled(b, by_family=True)
    (school, g), sid = cancel_rebook
    [b] = season.book(g, [sid])
    expect.booked(b)
    final[sid] = b
    (school, g), sid = school_cancel
    b = final.pop(sid)
    out = season.teacher(b["teacher_id"]).post("scheduling", f"/bookings/{b['booking_id']}/cancel",
                                                expect=200).json()
    assert out["cancel_reason"] == "school"
    expect.cancelled(b, by_family=False)
    # A slot is never booked twice: another family trying a taken slot gets 409.
    (school2, g2), sid2 = skip
    taken = next((b for b in final.values() if b["school_id"] == school2
                  and b["teacher_id"] in season.students[sid2]["teacher_ids"]), None)
    if taken:
        r = season.book(g2, [sid2], slot_id=taken["slot_id"], expect=409)
        assert r.headers["Content-Type"].startswith("application/problem+json"), r.headers
        assert r.json()["code"] == "slot_taken", r.json()
    lap("bookings")

    # -- 4. students prepare, families send their input --------------------------------
    today = date.fromisoformat(season.windows[sorted(season.schools)[0]]["day"])
    assert cycle == school_cycle(today)
    target = min(today + timedelta(days=60), date(int(cycle[:4]) + 1, 6, 1)).isoformat()
    goals: dict[str, dict] = {}
    for sid in sorted(final):
        goals[sid] = season.write_goal(sid, cycle, target)
        assert goals[sid]["status"] == "submitted"
        season.student(sid).post("goals", f"/students/{sid}/self-assessment", expect=201, json={
            "cycle": cycle, "strengths": ["I listen in class"], "areas_for_growth": ["fractions"],
            "supports": ["small group"], "classwork_progress": "I finished my reading log"})
    with_input = sorted(final)[::2]
    for i, sid in enumerate(with_input):
        b = final[sid]
        season.guardian(b["guardian_id"]).post("goals", f"/students/{sid}/parent-input", expect=201, json={
            "cycle": cycle, "hopes": "More confidence in math", "concerns": "homework time",
            "topics": ["math"], "goals_for_child": ["Read every night"], "wants_private_talk": i == 0})
        for t in season.students[sid]["teacher_ids"]:
            expect.add(t, "teacher_update")
    lap("goals and parent input")

    # -- 5. the day before: reminders -------------------------------------------------
    active = [b for sid in season.schools for b in season.bookings(sid) if b["status"] == "booked"]
    assert sorted(b["booking_id"] for b in active) == sorted(b["booking_id"] for b in final.values())
    starts = sorted(b["start"] for b in active)
    first, last_start = _dt(starts[0]), _dt(starts[-1])
    system.set_clock(last_start - timedelta(hours=23))
    reminders = tap.wait_for("ConferenceReminderDue", count=len(active), timeout=300)
    assert sorted(m["data"]["booking_id"] for m in reminders) == sorted(b["booking_id"] for b in active)
    for b in active:
        expect.add(b["guardian_id"], "reminder")
    lap("reminders")

    # -- 6. conference day: held, one no show ---------------------------------------------
    system.set_clock(last_start + timedelta(minutes=20))
    assert system.now() > first
    held = []
    for b in sorted(active, key=lambda b: b["start"]):
        outcome = "no_show" if b["student_id"] == no_show[1] else "held"
        out = season.teacher(b["teacher_id"]).post("scheduling", f"/bookings/{b['booking_id']}/outcome",
                                                   expect=200, json={"outcome": outcome}).json()
        assert out["status"] == outcome
        if outcome == "held":
            held.append(b)
    settle(system, tap)
    for b in held:
        [goal] = season.student(b["student_id"]).get("goals", f"/students/{b['student_id']}/goals?cycle={cycle}") \
            .json()["goals"]
        assert goal["status"] == "agreed", goal
    lap("conference day")

    # -- 7. two weeks later: follow-ups and check-ins -----------------------------------
    system.set_clock(last_start + timedelta(days=14, minutes=30))
    due = tap.wait_for("FollowUpDue", count=len(held), timeout=300)
    assert sorted(m["data"]["booking_id"] for m in due) == sorted(b["booking_id"] for b in held)
    for b in held:  # the family and the student are asked to check in; the teacher hears it is due
        expect.add(b["guardian_id"], "follow_up_prompt")
        expect.add(b["student_id"], "checkin_prompt")
        expect.add(b["teacher_id"], "teacher_update")
    settle(system, tap)
    for b in held:
        sid = b["student_id"]
        me = season.student(sid)
        [open_item] = me.get("goals", f"/students/{sid}/follow-ups").json()["follow_ups"]
        assert open_item["booking_id"] == b["booking_id"]
        checkin = me.post("goals", f"/goals/{goals[sid]['goal_id']}/checkins", expect=201,
                          json={"status": "on_track", "note": "I asked two questions", "measure_value": 65}).json()
        assert checkin["closed_follow_ups"] == [open_item["follow_up_id"]]
    star = held[0]
    season.teacher(star["teacher_id"]).post("goals", f"/goals/{goals[star['student_id']]['goal_id']}/status",
                                            expect=200, json={"status": "achieved", "note": "Well done"})
    for g in season.students[star["student_id"]]["guardian_ids"]:
        expect.add(g, "goal_achieved")
    for t in season.students[star["student_id"]]["teacher_ids"]:
        expect.add(t, "teacher_update")
    settle(system, tap)
    lap("follow-ups")

    # -- 8. the month's progress reports --------------------------------------------------
    period = today.strftime("%Y-%m")
    r = season.admin.post("reports", "/report-jobs", expect=202, json={"period": period})
    job_id = r.json()["id"]
    job = wait_for(lambda: (j := season.admin.get("reports", f"/report-jobs/{job_id}").json())["status"]
                   in ("done", "failed") and j, timeout=300, message="report job")
    assert job["status"] == "done" and job["total"] == 40 and job["done"] == 40 and job["failed"] == 0, job
    ready = tap.wait_for("ReportReady", count=40, timeout=300)
    assert len({m["data"]["student_id"] for m in ready}) == 40
    for s in season.students.values():
        for g in s["guardian_ids"]:
            expect.add(g, "report_ready")
    lap("reports")

    # -- 9. every e-mail, exactly --------------------------------------------------------
    email = season.district.email
    want = expect.by_address(email)
    total = sum(want.values())
    got_total = mail.wait_for(total, timeout=600)
    got = mail.by_recipient()
    print(f"\nSEASON e-mails expected {total}, received {got_total}; by kind {dict(expect.by_kind())}; "
          f"SMS {len(sms.messages)}; events {dict(Counter(m['type'].split('.')[-2] for m in tap.messages))}")
    assert mail.duplicates() == {}, mail.duplicates()
    assert sms.duplicates() == {}, sms.duplicates()
    diff = {a: (want[a], got[a]) for a in set(want) | set(got) if want[a] != got[a]}
    assert diff == {}, f"per-recipient (expected, received) differences: {diff}"
    assert got_total == total
    students = sum(n for (p, _), n in expect.counts.items() if p in season.students)
    assert len(sms.messages) == total - students  # every recipient here has a phone, except the students
    lap("deliveries")

    # -- 10. the final state of every service -----------------------------------------------
    # roster
    assert season.admin.get("roster", "/schools").json()["total"] == 2
    # scheduling
    statuses = Counter(b["status"] for sid in season.schools for b in season.bookings(sid))
    assert statuses == {"held": len(held), "no_show": 1, "cancelled": 3}, statuses
    # goals
    for sid, goal in goals.items():
        [now] = season.student(sid).get("goals", f"/students/{sid}/goals?cycle={cycle}").json()["goals"]
        want_status = ("achieved" if sid == star["student_id"] else "submitted" if sid == no_show[1]
                       else "agreed" if sid in {b["student_id"] for b in held} else "submitted")
        assert now["status"] == want_status, (sid, now["status"], want_status)
    for b in held:
        items = season.student(b["student_id"]).get("goals", f"/students/{b['student_id']}/follow-ups?status=all") \
            .json()["follow_ups"]
        assert [i["status"] for i in items] == ["closed"]
    # notifications: every recipient's inbox holds exactly the notices counted above
    people = sorted({p for p, _ in expect.counts})
    for person in people:
        api = season.teacher(person) if person in season.teachers else \
            season.student(person) if person in season.students else season.guardian(person)
        inbox = api.get("notifications", "/inbox?limit=200").json()
        kinds = Counter(i["kind"] for i in inbox)
        want_kinds = Counter({k: n for (p, k), n in expect.counts.items() if p == person})
        assert kinds == want_kinds, (person, kinds, want_kinds)
    # reports: the stored report opens for the family; the dashboard counts the season
    sid = star["student_id"]
    guardian = season.guardian(season.students[sid]["guardian_ids"][0])
    html = guardian.get("reports", f"/reports/rpt-{period}-{sid}").text
    assert season.students[sid]["given_name"] in html
    dash = season.admin.get("reports", "/dashboards/district?by=school").json()["total"]
    print(f"SEASON dashboard {dash}")
    assert dash["conferences_held"] == len(held) and dash["no_shows"] == 1
    assert dash["goals_achieved"] == 1 and dash["followups_due"] == len(held)
    # every follow-up was closed by a check-in recorded after it fell due (afternoon
    # conferences in the Americas fall due after 00:00 UTC: instants compare, not dates)
    assert dash["followups_completed"] == len(held), dash
    lap("final state")

    # -- 11. the event contract, as an outside system sees it -----------------------------
    # The tap is a durable queue bound to '#' on the public exchange (as `confer events
    # subscribe` declares for a district system) and on the internal one; every event the
    # season published must validate against its published JSON Schema (standard
    # jsonschema validator), and no private event may reach the public exchange.
    settle(system, tap)
    topology = Topology(system.exchange)
    private = {s.type for s in all_specs() if s.private}
    received = list(tap.messages)
    assert not tap.undecodable, tap.undecodable[:3]
    invalid = [e for m in received for e in schema_errors(m)]
    assert not invalid, f"{len(invalid)} schema violations: {invalid[:10]}"
    public = Counter(m["type"].split(".")[-2] for m in received if tap.exchange_of[m["id"]] == topology.public.name)
    internal = Counter(m["type"].split(".")[-2] for m in received if tap.exchange_of[m["id"]] == topology.internal.name)
    assert sum(public.values()) + sum(internal.values()) == len(received)
    assert not {m["type"] for m in received if tap.exchange_of[m["id"]] == topology.public.name} & private
    assert all(tap.exchange_of[m["id"]] == topology.internal.name for m in received if m["type"] in private)
    assert {"StudentEnrolled", "GoalCreated", "ConferenceBooked", "ConferenceHeld", "FollowUpDue",
            "GoalProgressRecorded", "ReportReady", "NotificationSent"} <= set(public), public
    print(f"SEASON contract: {len(received)} events valid against docs/events; public {dict(public)}; "
          f"internal {dict(internal)}")
    lap("contract")
    print(f"SEASON timings (s) {timings}; total {time.monotonic() - started:.0f} s; "
          f"bookings held {len(held)}")


def _dt(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value.replace("Z", "+00:00"))
