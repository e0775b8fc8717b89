"""Hostile input against every service's HTTP API, in-process (each app built by
`services.<svc>.create_app` on a MongoDB-wire server, with a small seeded world):

* schemathesis 4 generates requests from each /openapi.json and sends them with valid
  tokens of each role: no 5xx, no response that breaks its documented schema, no status
  code the operation does not document;
* a BOLA sweep: every path with a path parameter, with another family's / school's /
  district's ids, answers 404 (and exactly what a made-up id gets);
* bodies over MAX_CONTENT_LENGTH and uploads over their limit are refused with 413
  before they are read whole;
* rate limits per token on booking and on the sign-in lookup (/me).

World (the roster integration tests' matrix district): school s1 with teacher t1 (st1,
st4, guardian g1 of both) and t2 (st2, guardian g2); school s2 with t3 (st3, guardian
g3). The objects under attack all belong to g1 / st1 / t1 / school s1 / district d-matrix.
"""
from __future__ import annotations

import importlib
import io
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from services.common.auth import mint
from services.common.config import DEV_JWT_SECRET
from services.common.testing import make_envelope, run_handler, wait_until
from tests.e2e.season import create_app

pytestmark = pytest.mark.timeout(1200)

DISTRICT, OTHER_DISTRICT = "d-matrix", "d-other"
SERVICES = ("roster", "scheduling", "goals", "notifications", "reports")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
EVIDENCE_FIELDS = {"title": "My fractions poster", "what_it_shows": "I can add fractions with the same bottom number"}
MIB = 1024 * 1024
LIMIT = 2 * MIB  # MAX_CONTENT_LENGTH of the apps under test
UTC = timezone.utc

SCHOOLS = {"d-matrix~s1": ("North Elementary", "America/Chicago"), "d-matrix~s2": ("South Elementary", "America/New_York")}
STUDENTS = {"d-matrix~st1": ("d-matrix~s1", "d-matrix~t1", ["d-matrix~g1"]), "d-matrix~st4": ("d-matrix~s1", "d-matrix~t1", ["d-matrix~g1"]), "d-matrix~st2": ("d-matrix~s1", "d-matrix~t2", ["d-matrix~g2"]),
            "d-matrix~st3": ("d-matrix~s2", "d-matrix~t3", ["d-matrix~g3"])}
PEOPLE = {"d-matrix~t1": ("teacher", "d-matrix~s1"), "d-matrix~t2": ("teacher", "d-matrix~s1"), "d-matrix~t3": ("teacher", "d-matrix~s2"), "d-matrix~g1": ("guardian", "d-matrix~s1"),
          "d-matrix~g2": ("guardian", "d-matrix~s1"), "d-matrix~g3": ("guardian", "d-matrix~s2"), "d-matrix~st1": ("student", "d-matrix~s1"), "d-matrix~st2": ("student", "d-matrix~s1"),
          "d-matrix~st3": ("student", "d-matrix~s2"), "d-matrix~st4": ("student", "d-matrix~s1")}


def tok(role: str, sub: str, school_ids=(), district=DISTRICT) -> str:
    return mint(DEV_JWT_SECRET, sub=sub, role=role, district_id=district, school_ids=school_ids, ttl=7200)


def auth(role: str, sub: str, school_ids=(), district=DISTRICT) -> dict:
    return {"Authorization": f"Bearer {tok(role, sub, school_ids, district)}"}


OWNERS = {  # who legitimately holds the objects under attack
    "guardian": auth("guardian", "d-matrix~g1"), "student": auth("student", "d-matrix~st1"),
    "teacher": auth("teacher", "d-matrix~t1", ["d-matrix~s1"]), "school_admin": auth("school_admin", "d-matrix~a1", ["d-matrix~s1"]),
    "district_admin": auth("district_admin", "da1"),
}


# -- the world --------------------------------------------------------------------------
def roster_events() -> list[dict]:
    envs = [make_envelope("SchoolUpdated", {"school_id": s, "name": n, "time_zone": tz, "languages": ["en", "es"],
                                            "active": True}, subject=s, district_id=DISTRICT, school_id=s)
            for s, (n, tz) in SCHOOLS.items()]
    for pid, (role, school) in PEOPLE.items():
        envs.append(make_envelope("PersonProfileChanged", {
            "person_id": pid, "role": role, "given_name": pid.upper(), "family_name": "Test",
            "email": f"{pid}@example.test", "school_ids": [school]}, subject=pid, district_id=DISTRICT,
            school_id=school))
    for sid, (school, teacher, guardians) in STUDENTS.items():
        envs.append(make_envelope("StudentEnrolled", {"student_id": sid, "school_id": school, "class_id": f"c-{teacher}",
                                                      "teacher_ids": [teacher], "grade": "04",
                                                      "school_year": "2026-2027"},
                                  subject=sid, district_id=DISTRICT, school_id=school))
        envs += [make_envelope("GuardianLinked", {"guardian_id": g, "student_id": sid, "school_id": school},
                               subject=sid, district_id=DISTRICT, school_id=school) for g in guardians]
    return envs


class World:
    def __init__(self, mongo_url: str, tmp_path):
        self.apps, self.stores, self.ids = {}, {}, {}
        for svc in SERVICES:
            config = {"mongo_url": mongo_url, "mongo_db": f"hostile_{svc}_{uuid.uuid4().hex[:6]}",
                      "amqp_url": "memory://", "max_content_length": LIMIT}
            if svc == "goals":
                config["extra"] = {"evidence_max_bytes": 300_000}
            app = create_app(svc, config)
            self.apps[svc] = app
            self.stores[svc] = app.extensions["confer"]["store"]
        self.tmp_path = tmp_path
        self._seed()

    def client(self, svc: str):
        return self.apps[svc].test_client()

    def handle(self, svc: str, env: dict) -> None:
        handlers = importlib.import_module(f"services.{svc}").SERVICE.handlers()  # the declared table
        if env["type"].split(".")[-2] in handlers:
            run_handler(self.stores[svc], handlers, env)

    def _seed(self) -> None:
        from services.roster.application.imports import import_bundle
        from tests.integration.roster.roster_support import MATRIX, write_bundle

        summary = import_bundle(self.stores["roster"], write_bundle(self.tmp_path / "matrix", MATRIX))
        self.ids["import_id"] = summary["import_id"]
        for env in roster_events():
            for svc in SERVICES[1:]:
                self.handle(svc, env)
        self._scheduling()
        self._goals()
        self._notifications()
        self._reports()

    def _scheduling(self) -> None:
        c, now = self.client("scheduling"), datetime.now(UTC)
        day = (now + timedelta(days=5)).date().isoformat()
        r = c.post("/windows", headers=OWNERS["school_admin"], json={
            "school_id": "d-matrix~s1", "cycle": "2026-fall", "days": [{"date": day, "start": "15:00", "end": "16:00"}],
            "slot_minutes": 15, "booking_opens_at": (now - timedelta(hours=1)).isoformat(),
            "booking_closes_at": (now + timedelta(days=4)).isoformat(), "waitlist": True})
        assert r.status_code == 201, r.get_json()
        wid = self.ids["window_id"] = r.get_json()["window_id"]
        self.ids["day"] = day
        for t in ("d-matrix~t1", "d-matrix~t2"):
            r = c.put(f"/windows/{wid}/availability/{t}", headers=OWNERS["school_admin"],
                      json={"room": "101", "ranges": [{"date": day, "start": "15:00", "end": "16:00"}]})
            assert r.status_code == 200, r.get_json()
        assert c.post(f"/windows/{wid}/open", headers=OWNERS["school_admin"]).status_code == 200
        slots = c.get(f"/windows/{wid}/slots?teacher_id=d-matrix~t1&free=true", headers=OWNERS["guardian"]).get_json()
        r = c.post(f"/windows/{wid}/bookings", headers=OWNERS["guardian"],
                   json={"students": [{"student_id": "d-matrix~st1", "slot_id": slots[0]["slot_id"]}]})
        assert r.status_code == 201, r.get_json()
        self.ids["booking_id"] = r.get_json()["bookings"][0]["booking_id"]
        self.ids["slot_id"] = slots[1]["slot_id"]
        r = c.post(f"/windows/{wid}/waitlist", headers=OWNERS["guardian"], json={"student_id": "d-matrix~st4"})
        self.ids["entry_id"] = r.get_json()["entry_id"] if r.status_code == 201 else "wl-none"
        r = c.post("/teachers/d-matrix~t1/calendar-feed", headers=OWNERS["teacher"])
        assert r.status_code == 201, r.get_json()
        self.ids["feed_token"] = r.get_json()["token"]

    def _goals(self) -> None:
        from tests.e2e.season import GOAL_TEMPLATE

        c = self.client("goals")
        r = c.post("/students/d-matrix~st1/goals", headers=OWNERS["student"],
                   json={**GOAL_TEMPLATE, "target_date": "2027-01-29"})
        assert r.status_code == 201, r.get_json()
        self.ids["goal_id"] = r.get_json()["goal_id"]
        r = c.post("/students/d-matrix~st1/evidence/files", headers=OWNERS["student"],
                   data={**EVIDENCE_FIELDS, "file": (io.BytesIO(PNG), "sample.png", "image/png")},
                   content_type="multipart/form-data")
        assert r.status_code == 201, r.get_json()
        self.ids["evidence_id"] = r.get_json()["evidence_id"]

    def _notifications(self) -> None:
        from services.common.timers import TimerRunner
        from services.notifications.entrypoints.handlers import TIMERS

        for name, data in (("ConferenceWindowOpened", {
                "window_id": self.ids["window_id"], "school_id": "d-matrix~s1", "cycle": "2026-fall", "first_day": self.ids["day"],
                "last_day": self.ids["day"], "booking_closes_at": "2030-01-01T00:00:00Z", "slot_minutes": 15,
                "invitations": [{"guardian_id": "d-matrix~g1", "student_ids": ["d-matrix~st1", "d-matrix~st4"]}]}),
                ("InvitationDue", {"window_id": self.ids["window_id"], "school_id": "d-matrix~s1", "guardian_id": "d-matrix~g1",
                                   "student_ids": ["d-matrix~st1", "d-matrix~st4"], "nudge": False,
                                   "booking_closes_at": "2030-01-01T00:00:00Z"})):
            self.handle("notifications", make_envelope(name, data, district_id=DISTRICT, school_id="d-matrix~s1"))
        TimerRunner(self.stores["notifications"], TIMERS).fire_due()
        c = self.client("notifications")
        [item] = c.get("/inbox", headers=OWNERS["guardian"]).get_json()
        self.ids["item_id"] = item["id"]
        r = c.post("/webhooks", headers=OWNERS["district_admin"], json={"url": "https://192.0.32.10/confer"})
        assert r.status_code == 201, r.get_json()
        self.ids["webhook_id"] = r.get_json()["id"]

    def _reports(self) -> None:
        from services.common.timers import TimerRunner
        from services.reports.entrypoints.handlers import TIMERS

        b = {"booking_id": self.ids["booking_id"], "window_id": self.ids["window_id"], "school_id": "d-matrix~s1",
             "student_id": "d-matrix~st1", "teacher_id": "d-matrix~t1", "guardian_id": "d-matrix~g1", "start": "2026-11-25T21:00:00Z",
             "end": "2026-11-25T21:15:00Z", "modality": "in_person", "private_talk": False}
        for name, data in (("ConferenceBooked", {**b, "booked_by_role": "guardian"}),
                           ("ConferenceHeld", {k: b[k] for k in ("booking_id", "school_id", "student_id",
                                                                 "teacher_id")}
                            | {"cycle": "2026-fall", "held_at": b["start"], "private_talk": False})):
            self.handle("reports", make_envelope(name, data, district_id=DISTRICT, school_id="d-matrix~s1"))
        self.ids["period"] = "2026-11"
        c = self.client("reports")
        r = c.post("/report-jobs", headers=OWNERS["school_admin"], json={"period": "2026-11", "school_id": "d-matrix~s1"})
        assert r.status_code == 202, r.get_json()
        self.ids["job_id"] = r.get_json()["id"]
        store = self.stores["reports"]
        TimerRunner(store, TIMERS).fire_due()
        wait_until(lambda: c.get(f"/report-jobs/{self.ids['job_id']}", headers=OWNERS["school_admin"])
                   .get_json()["status"] == "done", timeout=60, message="report job")
        self.ids["report_id"] = f"rpt-2026-11-{OWN_IDS['student']}"


@pytest.fixture(scope="module")
def world(mongo_daemon, tmp_path_factory):
    w = World(mongo_daemon.url, tmp_path_factory.mktemp("hostile"))
    yield w
    for store in w.stores.values():
        store.client.drop_database(store.db.name)


# -- 1. schemathesis ------------------------------------------------------------------------
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
EXAMPLES = 5


def test_fuzz_every_operation_with_every_role(world):
    tried, failures = Counter(), defaultdict(set)
    for svc in SERVICES:
        schema = schemathesis.openapi.from_wsgi("/openapi.json", world.apps[svc])
        for result in schema.get_all_operations():
            op = result.ok()
            ids = {**OWN_IDS, **world.ids}
            fixed = {p.name: ids[_ID_FOR[p.name]] for p in op.path_parameters if p.name in _ID_FOR}
            mutating = op.method.upper() in ("POST", "PUT", "PATCH", "DELETE")
            for role, headers in OWNERS.items():
                # Seeded objects are read with their real ids too (deeper paths), never changed by the
                # fuzzer: the BOLA sweep below needs them as they are.
                for path_parameters in ({}, fixed) if fixed and not mutating else ({},):
                    strategy = op.as_strategy(path_parameters=path_parameters or None)

                    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
                    @given(case=strategy)
                    def run(case):
                        tried[svc] += 1
                        response = case.call(headers=headers)
                        try:
                            _problem_json(response)
                            case.validate_response(response, checks=CHECKS)
                        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported below
                            failures[(svc, op.label, response.status_code)].add(
                                f"{role}: {case.method} {case.formatted_path} query={case.query} "
                                f"body={case.body!r:.150} -> {_first_line(exc)[:160]}")

                    run()
    print(f"\nHOSTILE schemathesis requests: {dict(tried)} = {sum(tried.values())}")
    for key, msgs in sorted(failures.items()):
        print("HOSTILE failure", key, sorted(msgs)[:2])
    assert not failures, f"{len(failures)} operations answered 5xx or broke their documented contract"


def _problem_json(response) -> None:
    """Every error is RFC 9457 problem+json with the HTTP status in its body (the
    OpenAPI documents errors as flask-smorest's application/json Error, which no
    response uses, so schemathesis cannot check them: this does)."""
    if response.status_code < 400:
        return
    ctype = (response.headers.get("content-type") or [""])[0]
    assert ctype.startswith("application/problem+json"), f"error without problem+json: {ctype}"
    body = response.json()
    assert body.get("status") == response.status_code and body.get("title"), f"bad problem document: {body}"


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300]


# -- 2. BOLA ----------------------------------------------------------------------------------
_ID_FOR = {"school_id": "school", "teacher_id": "teacher", "guardian_id": "guardian", "student_id": "student",
           "import_id": "import_id", "window_id": "window_id", "booking_id": "booking_id", "entry_id": "entry_id",
           "goal_id": "goal_id", "evidence_id": "evidence_id", "item_id": "item_id", "webhook_id": "webhook_id",
           "job_id": "job_id", "report_id": "report_id", "period": "period", "day": "day", "token": "feed_token"}

FAMILY_ELSEWHERE = [("guardian", "d-matrix~g3", ()), ("student", "d-matrix~st3", ())]
FAMILY_SAME_SCHOOL = [("guardian", "d-matrix~g2", ()), ("student", "d-matrix~st2", ())]
STAFF_ELSEWHERE = [("teacher", "d-matrix~t3", ("d-matrix~s2",)), ("school_admin", "d-matrix~a2", ("d-matrix~s2",))]
OTHER_TEACHER = [("teacher", "d-matrix~t2", ("d-matrix~s1",))]
OTHER_DISTRICT_ADMIN = [("district_admin", "x-admin", (), OTHER_DISTRICT)]
OTHER_DISTRICT_STAFF = [("school_admin", "x-a1", ("d-matrix~s1",), OTHER_DISTRICT), ("teacher", "d-matrix~t1", ("d-matrix~s1",), OTHER_DISTRICT)]

CHILD = FAMILY_ELSEWHERE + FAMILY_SAME_SCHOOL + STAFF_ELSEWHERE + OTHER_TEACHER + OTHER_DISTRICT_ADMIN
SCHOOL_WIDE = FAMILY_ELSEWHERE + STAFF_ELSEWHERE + OTHER_DISTRICT_ADMIN + OTHER_DISTRICT_STAFF
TEACHER_OWN = OTHER_TEACHER + STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF
FAMILY_OWN = FAMILY_ELSEWHERE + FAMILY_SAME_SCHOOL + OTHER_DISTRICT_ADMIN
DISTRICT_OWN = OTHER_DISTRICT_ADMIN

# (service, METHOD, path template) -> (attackers, body). Every operation with a path
# parameter must be listed: a new one fails the sweep until someone decides who may not.
BOLA = {
    ("roster", "GET", "/schools/{school_id}/classes"): (SCHOOL_WIDE, None),
    ("roster", "GET", "/teachers/{teacher_id}/students"): (TEACHER_OWN + FAMILY_OWN, None),
    ("roster", "GET", "/guardians/{guardian_id}/children"): (FAMILY_OWN + STAFF_ELSEWHERE, None),
    ("roster", "GET", "/students/{student_id}"): (CHILD, None),
    ("roster", "GET", "/imports/{import_id}"): (DISTRICT_OWN, None),
    ("roster", "GET", "/schools/{school_id}/people"): (SCHOOL_WIDE + FAMILY_SAME_SCHOOL + OTHER_TEACHER, None),
    # a child's learning data and the data talks: only the student, their family, their teachers, their admins
    ("roster", "GET", "/students/{student_id}/learning"): (CHILD, None),
    ("roster", "GET", "/students/{student_id}/data-talks"): (CHILD, None),
    ("roster", "POST", "/students/{student_id}/data-talks"): (CHILD, "data_talk"),
    ("scheduling", "GET", "/windows/{window_id}"): (SCHOOL_WIDE, None),
    ("scheduling", "PUT", "/windows/{window_id}/availability/{teacher_id}"): (
        STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, "availability"),
    ("scheduling", "POST", "/windows/{window_id}/open"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "POST", "/windows/{window_id}/days/{day}/move"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF,
                                                                     "move"),
    ("scheduling", "GET", "/windows/{window_id}/slots"): (SCHOOL_WIDE, None),
    ("scheduling", "GET", "/windows/{window_id}/invitations"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "GET", "/windows/{window_id}/teachers/{teacher_id}/agenda?date={day}"): (TEACHER_OWN, None),
    ("scheduling", "GET", "/windows/{window_id}/schedule.html"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "GET", "/windows/{window_id}/waitlist"): (SCHOOL_WIDE, None),
    ("scheduling", "POST", "/windows/{window_id}/waitlist"): (FAMILY_ELSEWHERE + FAMILY_SAME_SCHOOL, "waitlist"),
    ("scheduling", "DELETE", "/windows/{window_id}/waitlist/{entry_id}"): (
        FAMILY_ELSEWHERE + FAMILY_SAME_SCHOOL + STAFF_ELSEWHERE, None),
    ("scheduling", "POST", "/windows/{window_id}/bookings"): (FAMILY_ELSEWHERE + FAMILY_SAME_SCHOOL, "booking"),
    ("scheduling", "GET", "/bookings/{booking_id}"): (CHILD, None),
    ("scheduling", "POST", "/bookings/{booking_id}/reschedule"): (CHILD, "reschedule"),
    ("scheduling", "POST", "/bookings/{booking_id}/cancel"): (CHILD, None),
    ("scheduling", "POST", "/bookings/{booking_id}/outcome"): (TEACHER_OWN, "outcome"),
    ("scheduling", "GET", "/bookings/{booking_id}/calendar.ics"): (CHILD, None),
    ("scheduling", "GET", "/teachers/{teacher_id}/calendar.ics"): (TEACHER_OWN, None),
    ("scheduling", "GET", "/teachers/{teacher_id}/calendar-feed"): (TEACHER_OWN + FAMILY_OWN, None),
    ("scheduling", "POST", "/teachers/{teacher_id}/calendar-feed"): (TEACHER_OWN + FAMILY_OWN, None),
    ("scheduling", "POST", "/bookings/{booking_id}/agreement"): (CHILD, "agreement"),
    # request windows (issue 20): a family's request is its guardian's (staff of the school may act for it);
    # the school's marks, interpreters, capacity and assignment are its staff's.
    ("scheduling", "PUT", "/windows/{window_id}/requests/{guardian_id}"): (
        FAMILY_ELSEWHERE + FAMILY_SAME_SCHOOL + STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, "request"),
    ("scheduling", "GET", "/windows/{window_id}/requests/{guardian_id}"): (
        FAMILY_ELSEWHERE + FAMILY_SAME_SCHOOL + STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "DELETE", "/windows/{window_id}/requests/{guardian_id}"): (
        FAMILY_ELSEWHERE + FAMILY_SAME_SCHOOL + STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "GET", "/windows/{window_id}/requests"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "PUT", "/windows/{window_id}/priorities/{guardian_id}"): (
        STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, "priority"),
    ("scheduling", "DELETE", "/windows/{window_id}/priorities/{guardian_id}"): (
        STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "GET", "/windows/{window_id}/priorities"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "PUT", "/windows/{window_id}/interpreters"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF,
                                                                "interpreters"),
    ("scheduling", "GET", "/windows/{window_id}/interpreters"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "GET", "/windows/{window_id}/capacity"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "GET", "/windows/{window_id}/assignment"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "POST", "/windows/{window_id}/assignment/preview"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF,
                                                                        None),
    ("scheduling", "PUT", "/windows/{window_id}/assignment/pins/{student_id}"): (
        STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, "pin"),
    ("scheduling", "DELETE", "/windows/{window_id}/assignment/pins/{student_id}"): (
        STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("scheduling", "POST", "/windows/{window_id}/assignment/publish"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF,
                                                                        "publish"),
    ("goals", "GET", "/students/{student_id}/goals"): (CHILD, None),
    ("goals", "POST", "/students/{student_id}/goals"): (CHILD, "goal"),
    ("goals", "GET", "/goals/{goal_id}"): (CHILD, None),
    ("goals", "PATCH", "/goals/{goal_id}"): (CHILD, "goal_patch"),
    ("goals", "DELETE", "/goals/{goal_id}"): (CHILD, None),
    ("goals", "POST", "/goals/{goal_id}/submit"): (CHILD, None),
    ("goals", "POST", "/goals/{goal_id}/status"): (CHILD, "goal_status"),
    ("goals", "GET", "/goals/{goal_id}/checkins"): (CHILD, None),
    ("goals", "POST", "/goals/{goal_id}/checkins"): (CHILD, "checkin"),
    ("goals", "GET", "/students/{student_id}/follow-ups"): (CHILD, None),
    ("goals", "GET", "/students/{student_id}/self-assessment"): (CHILD, None),
    ("goals", "POST", "/students/{student_id}/self-assessment"): (CHILD, "self_assessment"),
    ("goals", "GET", "/students/{student_id}/reflection-questions"): (CHILD, None),
    ("goals", "GET", "/students/{student_id}/reflections"): (CHILD, None),
    ("goals", "POST", "/students/{student_id}/reflections"): (CHILD, "reflections"),
    ("goals", "GET", "/students/{student_id}/parent-input"): (CHILD, None),
    ("goals", "POST", "/students/{student_id}/parent-input"): (CHILD, "parent_input"),
    ("goals", "GET", "/students/{student_id}/private-notes"): (CHILD, None),
    ("goals", "POST", "/students/{student_id}/private-notes"): (CHILD, "private_note"),
    ("goals", "GET", "/students/{student_id}/packet"): (CHILD, None),
    ("goals", "GET", "/students/{student_id}/evidence"): (CHILD, None),
    ("goals", "POST", "/students/{student_id}/evidence"): (CHILD, "evidence_link"),
    ("goals", "POST", "/students/{student_id}/evidence/files"): (CHILD, "evidence_file"),
    ("goals", "GET", "/evidence/{evidence_id}/file"): (CHILD, None),
    ("notifications", "POST", "/inbox/{item_id}/read"): (FAMILY_OWN + STAFF_ELSEWHERE, None),
    ("notifications", "DELETE", "/webhooks/{webhook_id}"): (DISTRICT_OWN, None),
    ("reports", "GET", "/students/{student_id}/reports/{period}"): (CHILD, None),
    ("reports", "GET", "/reports/{report_id}"): (CHILD, None),
    ("reports", "GET", "/conferences/{booking_id}/summary"): (CHILD, None),
    ("reports", "GET", "/dashboards/schools/{school_id}"): (STAFF_ELSEWHERE + OTHER_DISTRICT_STAFF, None),
    ("reports", "GET", "/report-jobs/{job_id}"): (STAFF_ELSEWHERE + OTHER_DISTRICT_ADMIN, None),
}

# Public by design: the unguessable token in the path is the key (a teacher's calendar
# subscription). Tested on their own below: a made-up or replaced token answers 404.
CAPABILITY_LINKS = {("scheduling", "GET", "/feeds/{token}.ics")}

OWN_IDS = {"school": "d-matrix~s1", "teacher": "d-matrix~t1", "guardian": "d-matrix~g1", "student": "d-matrix~st1"}


def bodies(world) -> dict:
    from tests.e2e.season import GOAL_TEMPLATE

    day = world.ids["day"]
    return {
        "availability": {"json": {"ranges": [{"date": day, "start": "15:00", "end": "16:00"}]}},
        "move": {"json": {"to_date": (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()}},
        "waitlist": {"json": {"student_id": "d-matrix~st1"}},
        "booking": {"json": {"students": [{"student_id": "d-matrix~st1", "slot_id": world.ids["slot_id"]}]}},
        "reschedule": {"json": {"slot_id": world.ids["slot_id"]}},
        "request": {"json": {"students": [{"student_id": "d-matrix~st1"}],
                             "ranges": [{"date": day, "start": "15:00", "end": "15:30"}]}},
        "priority": {"json": {"reason": "missed_last_time"}},
        "interpreters": {"json": {"interpreters": []}},
        "pin": {"json": {"slot_id": world.ids["slot_id"]}},
        "publish": {"json": {"version": 1}},
        "outcome": {"json": {"outcome": "held"}},
        "agreement": {"json": {"supports": ["A reading log"]}},
        "goal": {"json": {**GOAL_TEMPLATE, "target_date": "2027-01-29"}},
        "goal_patch": {"json": {"statement": "I will read every night."}},
        "goal_status": {"json": {"status": "agreed"}},
        "checkin": {"json": {"status": "on_track"}},
        "self_assessment": {"json": {"strengths": ["reading"]}},
        "reflections": {"json": {"answers": {"proud": "my reading"}}},
        "parent_input": {"json": {"hopes": "reading"}},
        "private_note": {"json": {"text": "note"}},
        "data_talk": {"json": {"shared_at": f"{day}T15:00:00+00:00", "celebrated": "reading"}},
        "evidence_link": {"json": {"link": "https://example.test/work", "title": "my work"}},
        "evidence_file": {"data": {}, "content_type": "multipart/form-data"},
    }


def _fill(template: str, ids: dict, bogus: bool) -> str:
    """The path with the owner's ids; with `bogus`, its last object id made up (its
    parents kept, so the answer shows whether that object's existence leaks)."""
    import re

    names = [n for n in re.findall(r"\{(\w+)\}", template) if n not in ("period", "day")]

    def value(m) -> str:
        name = m.group(1)
        real = ids.get(_ID_FOR[name]) or OWN_IDS[_ID_FOR[name]]
        return f"{real[:2]}-zz{uuid.uuid4().hex[:8]}" if bogus and name == names[-1] else real

    return re.sub(r"\{(\w+)\}", value, template)


def test_bola_sweep_answers_404_for_other_families_schools_and_districts(world):
    declared = set()
    for svc in SERVICES:
        spec = world.client(svc).get("/openapi.json").get_json()
        for path, ops in spec["paths"].items():
            if "{" in path:
                declared |= {(svc, m.upper(), path) for m in ops if m in ("get", "post", "put", "patch", "delete")}
    rules = {(svc, m, t.split("?")[0]) for svc, m, t in BOLA} | set(CAPABILITY_LINKS)
    missing = declared - rules
    assert not missing, f"object endpoints without a BOLA rule: {sorted(missing)}"
    tried, leaks, refused = 0, [], Counter()
    ids = {**OWN_IDS, **world.ids}
    for (svc, method, template), (attackers, body_key) in sorted(BOLA.items()):
        if (svc, method, template.split("?")[0]) not in declared:
            continue
        client = world.client(svc)
        for attacker in attackers:
            role, sub, schools, district = (*attacker, DISTRICT)[:4]
            headers = auth(role, sub, schools, district)
            results = []
            for bogus in (False, True):
                kw = dict(bodies(world)[body_key]) if body_key else {}
                if "data" in kw:
                    kw["data"] = {**EVIDENCE_FIELDS, "file": (io.BytesIO(PNG), "a.png", "image/png")}
                r = client.open(_fill(template, ids, bogus), method=method, headers=headers, **kw)
                results.append(r.status_code)
                tried += 1
            real, made_up = results
            refused[real] += 1
            if real != 404:
                leaks.append((svc, method, template, role, sub, district, real, made_up))
    print(f"\nHOSTILE BOLA requests: {tried}; statuses for others' real ids: {dict(refused)}")
    for leak in leaks:
        print("HOSTILE BOLA not 404:", leak)
    assert not [x for x in leaks if x[6] < 400], "another family's / school's object was served or changed"
    assert not [x for x in leaks if x[6] != x[7]], "a real id and a made-up id answer differently: existence leaks"
    others = [x for x in leaks if x[6] != 403]
    assert not others, f"object requests by others answered other than 404 / a role-wide 403: {others}"


# -- 3. oversized bodies ------------------------------------------------------------------------
class _Body(io.RawIOBase):
    """A request body of `size` bytes that exist only when read; counts what was read."""

    def __init__(self, size: int):
        self.size, self.pos, self.read_bytes = size, 0, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, offset, whence=0):
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def readinto(self, b):
        n = max(0, min(len(b), self.size - self.pos))
        b[:n] = b"x" * n
        self.pos += n
        self.read_bytes += n
        return n


OVERSIZED = [  # (service, method, path, role, content type)
    ("roster", "POST", "/imports", "district_admin", "multipart/form-data; boundary=x"),
    ("scheduling", "POST", "/windows/{window_id}/bookings", "guardian", "application/json"),
    ("goals", "POST", "/students/d-matrix~st1/goals", "student", "application/json"),
    ("goals", "POST", "/students/d-matrix~st1/evidence/files", "student", "multipart/form-data; boundary=x"),
    ("notifications", "PUT", "/preferences", "guardian", "application/json"),
    ("reports", "POST", "/report-jobs", "school_admin", "application/json"),
]


@pytest.mark.parametrize("svc,method,path,role,ctype", OVERSIZED, ids=[f"{o[0]}{o[2]}" for o in OVERSIZED])
def test_oversized_bodies_are_refused_before_they_are_read(world, svc, method, path, role, ctype):
    size = LIMIT + MIB
    body = _Body(size)
    path = path.format(**world.ids)
    r = world.client(svc).open(path, method=method, input_stream=body,
                               headers={**OWNERS[role], "Content-Type": ctype, "Content-Length": str(size)})
    assert r.status_code == 413, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "application/problem+json"
    assert body.read_bytes < 256 * 1024, f"{body.read_bytes} bytes read before refusing"


def test_an_upload_over_its_own_limit_is_refused_while_streaming(world):
    """Under MAX_CONTENT_LENGTH but over the evidence limit (300 kB here), with no length
    declared for the file part: refused with 413 and nothing stored."""
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * 600_000
    r = world.client("goals").post("/students/d-matrix~st1/evidence/files", headers=OWNERS["student"],
                                   data={**EVIDENCE_FIELDS, "file": (io.BytesIO(big), "big.png", "image/png")},
                                   content_type="multipart/form-data")
    assert r.status_code == 413, r.get_json()
    assert r.get_json()["code"] == "file_too_large"
    listed = world.client("goals").get("/students/d-matrix~st1/evidence", headers=OWNERS["student"]).get_json()
    assert all(e.get("filename") != "big.png" for e in listed.get("evidence", []))


# -- 4. rate limits ----------------------------------------------------------------------------
BURST = 200  # over every per-person limit (roster /me: 120 a minute)


@pytest.mark.parametrize("svc,method,path,role,body", [
    ("scheduling", "POST", "/windows/{window_id}/bookings", "guardian",
     {"students": [{"student_id": "d-matrix~st4", "slot_id": "d-matrix~t1:20000101T0000Z"}]}),
    ("roster", "GET", "/me", "guardian", None),
], ids=["booking", "sign-in lookup /me"])
def test_rate_limit_per_token(world, svc, method, path, role, body):
    client = world.client(svc)
    statuses, started = Counter(), time.monotonic()
    retry_after = None
    for _ in range(BURST):
        r = client.open(path.format(**world.ids), method=method, headers=OWNERS[role], json=body)
        statuses[r.status_code] += 1
        if r.status_code == 429:
            retry_after = r.headers.get("Retry-After")
            break
    print(f"\nHOSTILE rate limit {svc} {path}: {dict(statuses)} in {time.monotonic() - started:.1f} s")
    assert 429 in statuses, f"no rate limiting: {BURST} {method} {path} with one token, none refused with 429"
    assert retry_after and int(retry_after) > 0
    other = client.open(path.format(**world.ids), method=method, headers=auth(role, "d-matrix~g2"), json=body)
    assert other.status_code != 429, "the limit is per token, not global"


# -- 5. OPTIONS, HEAD and tokens without a district ---------------------------------------------
import re  # noqa: E402
def _every_path(world, svc, signed_only: bool = False) -> list[tuple[str, list[str]]]:
    """(concrete path, documented methods) for every path of a service's OpenAPI, with
    the owners' ids in it; with `signed_only`, only operations that need a bearer token
    (not those documented with ``security: []``, such as a calendar subscription)."""
    spec = world.client(svc).get("/openapi.json").get_json()
    ids = {**OWN_IDS, **world.ids}
    out = []
    for template, ops in spec["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: ids.get(_ID_FOR.get(m.group(1), ""), "x"), template)
        methods = [m.upper() for m, op in ops.items() if m in ("get", "post", "put", "patch", "delete")
                   and not (signed_only and op.get("security") == [])]
        if methods:
            out.append((path, methods))
    return out


ANONYMOUS = {}
NO_DISTRICT = {"Authorization": "Bearer " + mint(DEV_JWT_SECRET, sub="da1", role="district_admin", ttl=600)}
EMPTY_DISTRICT = {"Authorization": "Bearer " + mint(DEV_JWT_SECRET, sub="da1", role="district_admin",
                                                    district_id="", ttl=600)}


def test_options_and_head_on_every_path_never_answer_5xx(world):
    """Every method on every path, for every role, anonymous and without a district: no
    5xx for lack of a principal (OPTIONS /imports answered 500 once)."""
    callers = {**OWNERS, "anonymous": ANONYMOUS, "no district": NO_DISTRICT}
    tried, bad = Counter(), []
    for svc in SERVICES:
        client = world.client(svc)
        for path, methods in _every_path(world, svc):
            for who, headers in callers.items():
                for method in ("OPTIONS", "HEAD"):
                    r = client.open(path, method=method, headers=headers)
                    tried[method] += 1
                    if r.status_code >= 500:
                        bad.append((svc, method, path, who, r.status_code))
                    if method == "OPTIONS" and r.status_code == 200:
                        allowed = set(r.headers.get("Allow", "").split(", "))
                        if not set(methods) <= allowed:
                            bad.append((svc, method, path, who, f"Allow: {r.headers.get('Allow')}"))
    print(f"\nHOSTILE OPTIONS/HEAD requests: {dict(tried)}")
    assert not bad, bad[:20]


def test_a_token_without_a_district_gets_401_on_every_operation_of_every_service(world):
    tried, bad = 0, []
    for svc in SERVICES:
        client = world.client(svc)
        for path, methods in _every_path(world, svc, signed_only=True):
            if path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
                continue
            for method in methods:
                for headers in (NO_DISTRICT, EMPTY_DISTRICT):
                    r = client.open(path, method=method, headers=headers, json={})
                    tried += 1
                    if r.status_code != 401 or r.mimetype != "application/problem+json":
                        bad.append((svc, method, path, r.status_code))
    print(f"\nHOSTILE no-district requests: {tried}")
    assert tried > 100 and not bad, bad[:20]


def test_a_calendar_subscription_opens_only_with_its_current_token(world):
    """The feed link needs no bearer token (calendar apps cannot send one): the token is
    the key. A made-up token, and the old one after the teacher makes a new link, answer
    404 to anyone; the current one serves the teacher's calendar."""
    c = world.client("scheduling")
    old = world.ids["feed_token"]
    assert c.get(f"/feeds/{old}.ics").status_code == 200
    for headers in ({}, OWNERS["guardian"], NO_DISTRICT):
        r = c.get(f"/feeds/zz{uuid.uuid4().hex}.ics", headers=headers)
        assert r.status_code == 404 and r.mimetype == "application/problem+json", r.status_code
    r = c.post("/teachers/d-matrix~t1/calendar-feed", headers=OWNERS["teacher"])
    assert r.status_code == 201, r.get_json()
    new = world.ids["feed_token"] = r.get_json()["token"]
    assert c.get(f"/feeds/{old}.ics").status_code == 404
    r = c.get(f"/feeds/{new}.ics")
    assert r.status_code == 200 and r.data.startswith(b"BEGIN:VCALENDAR")
