"""Every message leads somewhere: a season driven through the services' APIs (with the
dev clock) makes the notifications service send every message kind, in English and in
Spanish, to each kind of recipient (families, students, teachers), by e-mail (caught
by a real SMTP server), SMS (the SMS provider's API) and in-app. Every link in every
one of them is then opened in the portal as its recipient (through the dev sign-in and
back): 200, the page that lets them act, in their language, nothing of another family.
Opened by nobody, the same link asks to sign in; opened by another family or another
role, it is "not found" (or, for a page every family has, that family's own page).

The system runs as in `confer dev` (tests/e2e/portal/conftest.py `DevSystem`)."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from services.devmail import extract_links
from services.roster.domain.ids import confer_id
from tests.e2e.season import DISTRICT, District, Season, school_cycle, wait_for

pytestmark = [pytest.mark.timeout(3600)]
FAMILY_KINDS = {"invitation", "nudge", "booking_confirmation", "reschedule_confirmation", "cancel_confirmation",
                "reminder", "parent_input_request", "follow_up_prompt", "goal_achieved", "report_ready"}
EXPECTED = {"guardian": FAMILY_KINDS, "student": {"checkin_prompt"}, "teacher": {"teacher_digest"}}
# A page and what shows it lets its person act (a form, the booking, the report ...).
PAGES = [
    (r"^/family/windows/[^/]+/book$", 'name="student_id"'),
    (r"^/family/bookings/[^/]+$", "data-booking="),
    (r"^/family/children/[^/]+/input$", 'id="parent-input"'),
    (r"^/family/children/[^/]+/check-in$", "card-form checkin"),
    (r"^/family/children/[^/]+/goals$", 'id="goal-'),
    (r"^/family/children/[^/]+/report$", 'class="document"'),
    (r"^/family/$", 'id="child-'),
    (r"^/student/check-in$", "card-form checkin"),
    (r"^/teacher/windows/[^/]+/agenda$", "data-booking="),
    (r"^/teacher/students/[^/]+/packet$", 'id="goals"'),
    (r"^/teacher/follow-ups$", 'id="follow-ups-open"'),
    (r"^/teacher/$", 'id="calendar"'),
    (r"^/preferences$", 'id="preferences"'),
]
GENERIC = (r"^/family/windows/", r"^/family/$", r"^/preferences$", r"^/teacher/follow-ups$", r"^/teacher/$",
           r"^/teacher/windows/[^/]+/agenda$", r"^/student/check-in$")  # the same page for everyone of that role: shows the visitor's own
EVERYONE = (r"^/preferences$",)  # ... for every role


def users(district: District) -> dict:
    with zipfile.ZipFile(district.path) as z:
        # keyed by Confer's district-scoped ids (services/roster/domain/ids.py), as events and tokens carry them
        return {confer_id(DISTRICT, r["sourcedId"]): r for r in csv.DictReader(io.StringIO(z.read("users.csv").decode()))}


def pick_families(season: Season) -> list[dict]:
    """Two families of one school, each with one child, the children with different teachers."""
    chosen: list[dict] = []
    for sid, st in sorted(season.students.items()):
        if not st["teacher_ids"] or not st["guardian_ids"]:
            continue
        gid = st["guardian_ids"][0]
        if len([s for s in season.students.values() if gid in s["guardian_ids"]]) != 1:
            continue
        if chosen and (st["school_id"] != chosen[0]["school_id"] or st["teacher_ids"][0] == chosen[0]["teacher"]):
            continue
        chosen.append({"guardian": gid, "student": sid, "teacher": st["teacher_ids"][0], "school_id": st["school_id"],
                       "name": st["given_name"]})
        if len(chosen) == 2:
            return chosen
    raise AssertionError("the demo district has no two such families")


class Portal:
    """The portal over HTTP as one person (or nobody), signing in through the dev page."""

    def __init__(self, base: str):
        self.base = base

    def open(self, link: str, sub: str | None = None, role: str | None = None) -> requests.Response:
        s = requests.Session()
        r = s.get(link, timeout=60)
        if sub is None or urlsplit(r.url).path != "/dev/login":
            return r
        token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
        nxt = parse_qs(urlsplit(r.url).query).get("next", [""])[0]
        return s.post(self.base + "/dev/login", data={"sub": sub, "role": role, "next": nxt, "csrf_token": token},
                      timeout=60)


def marker(path: str) -> str:
    for rx, mark in PAGES:
        if re.search(rx, path):
            return mark
    raise AssertionError(f"a link to a page the test does not know: {path}")


def test_every_link_in_every_message_opens_the_page_that_lets_its_recipient_act(dev_system, tmp_path):
    system, portal = dev_system.system, Portal(dev_system.portal_url)
    district = District(tmp_path / "district.zip", schools=1, students=30)
    people = users(district)
    season = Season(system, district)
    season.import_district()
    season.discover()
    a, b = pick_families(season)
    a.update(lang="es", other="en")
    b.update(lang="en", other="es")
    school = a["school_id"]
    for fam in (a, b):  # each person's language, as the preferences page saves it
        for role, sub in (("guardian", fam["guardian"]), ("student", fam["student"]), ("teacher", fam["teacher"])):
            api = season.as_(role, sub, (school,) if role == "teacher" else ())
            wait_for(lambda: api.put("notifications", "/preferences", json={"language": fam["lang"]}).status_code
                     == 200, 120, message="preferences saved")
        wait_for(lambda: season.guardian(fam["guardian"]).get("goals", f"/students/{fam['student']}/goals",
                                                              expect=None).status_code == 200, 180,
                 message="goals knows the family")

    # Invitations; a day later the nudge; then book, move, cancel and book again.
    def arrived(*kinds, role="guardian"):
        for fam in (a, b):
            sub = fam[role]
            wait_for(lambda: _kinds(season, sub, role, school) >= set(kinds), 600,
                     message=f"{kinds} for {sub}: have {_kinds(season, sub, role, school)}")

    season.open_windows(days_ahead=3, closes_in=timedelta(days=2))
    arrived("invitation")
    system.set_clock(system.now() + timedelta(hours=25))
    arrived("nudge")  # before booking: a family that has booked is not nudged
    window = season.windows[school]
    for fam in (a, b):
        g = season.guardian(fam["guardian"])
        [first] = season.book(fam["guardian"], [fam["student"]])
        free = season.free_slots(g, school, fam["teacher"])
        g.post("scheduling", f"/bookings/{first['booking_id']}/reschedule", expect=200,
               json={"slot_id": free[0]["slot_id"]})
        g.post("scheduling", f"/bookings/{first['booking_id']}/cancel", expect=200)
        [fam["booking"]] = season.book(fam["guardian"], [fam["student"]])
        # the student's own goal, agreed at the conference: there is something to check in on
        day = date.fromisoformat(window["day"])
        season.write_goal(fam["student"], school_cycle(day), (day + timedelta(days=60)).isoformat())
    arrived("booking_confirmation", "reschedule_confirmation", "cancel_confirmation", "parent_input_request")
    # The day before: reminders. The conference: held, with the family's goals.
    starts = {fam["guardian"]: datetime.fromisoformat(fam["booking"]["start"]) for fam in (a, b)}
    system.set_clock(min(starts.values()) - timedelta(hours=23))
    arrived("reminder")
    system.set_clock(max(starts.values()) + timedelta(minutes=30))
    for fam in (a, b):
        held = season.teacher(fam["teacher"]).post(
            "scheduling", f"/bookings/{fam['booking']['booking_id']}/outcome", expect=200,
            json={"outcome": "held", "family_goals": [f"Goal of the {fam['lang']} family"], "supports": ["A log"]})
        fam["family_goal"] = held.json()["agreement"]["family_goals"][0]["id"]
    # Two weeks on: the follow-up; a family goal achieved; the month's reports.
    system.set_clock(max(starts.values()) + timedelta(days=14, hours=1))
    arrived("follow_up_prompt")
    for fam in (a, b):
        wait_for(lambda: season.teacher(fam["teacher"]).get("goals", f"/goals/{fam['family_goal']}",
                                                            expect=None).status_code == 200, 180,
                 message="the family's goal is a goal")
        season.teacher(fam["teacher"]).post("goals", f"/goals/{fam['family_goal']}/status", expect=200,
                                            json={"status": "achieved", "note": ""})
    arrived("goal_achieved")
    period = system.now().astimezone(ZoneInfo(season.schools[school]["time_zone"])).strftime("%Y-%m")
    job = season.school_admin(school).post("reports", "/report-jobs", expect=202,
                                           json={"period": period, "school_id": school}).json()
    wait_for(lambda: season.school_admin(school).get("reports", f"/report-jobs/{job['id']}").json()["status"] == "done",
             600, message="the report batch")
    arrived("report_ready")

    # Every kind reached every role, in both languages, on every channel they have.
    recipients = [("guardian", f["guardian"], f) for f in (a, b)] + [("student", f["student"], f) for f in (a, b)] + \
        [("teacher", f["teacher"], f) for f in (a, b)]
    for role, sub, fam in recipients:
        wait_for(lambda: _kinds(season, sub, role, school) >= EXPECTED[role], 600,
                 message=f"every {role} message for {sub}: have {_kinds(season, sub, role, school)}")
    messages = _messages(season, dev_system.mailbox, people, recipients, school)
    covered = {(m["kind"], m["role"], m["lang"]) for m in messages}
    for role, kinds in EXPECTED.items():
        for kind in kinds:
            for lang in ("en", "es"):
                assert (kind, role, lang) in covered, (kind, role, lang)
    assert {m["channel"] for m in messages} == {"email", "sms", "inapp"}

    # Open every link (each distinct link once per recipient: the same link comes in the
    # e-mail, the SMS and the in-app message): as the recipient, through the dev sign-in
    # and back; as nobody; as another family (or student, or teacher); as another role.
    links = defaultdict(list)
    for m in messages:
        assert m["links"], (m["kind"], m["channel"], "a message without a link")
        for link in m["links"]:
            links[(link, m["sub"], m["role"])].append(m)
    for (link, sub, role), carried in sorted(links.items()):
        m = carried[0]
        fam, other = m["family"], b if m["family"] is a else a
        assert link.startswith(dev_system.portal_url + "/"), (m["kind"], link)
        parts = urlsplit(link)
        path, want = parts.path + (f"?{parts.query}" if parts.query else ""), marker(parts.path)
        mine = portal.open(link, sub, role)
        got = urlsplit(mine.url)
        assert mine.status_code == 200 and got.path + (f"?{got.query}" if got.query else "") == path, \
            (m["kind"], link, mine.status_code, mine.url)
        assert want in mine.text, (m["kind"], link, want)
        assert f'<html lang="{m["lang"]}">' in mine.text, (m["kind"], m["lang"], link)
        assert other["name"] not in mine.text or other["name"] in fam["name"], (m["kind"], link, "other family")
        nobody = portal.open(link)
        assert urlsplit(nobody.url).path == "/dev/login", (link, nobody.url)
        stranger = portal.open(link, other[role], role)  # the same role, another family
        if any(re.search(rx, parts.path) for rx in GENERIC):
            assert stranger.status_code == 200 and (fam["name"] not in stranger.text or
                                                    fam["name"] in other["name"]), (link, "someone else's data")
        else:
            assert stranger.status_code == 404, (m["kind"], link, "opened by", other[role], stranger.status_code)
        if not any(re.search(rx, parts.path) for rx in EVERYONE):
            wrong = ("teacher", fam["teacher"]) if role != "teacher" else ("guardian", fam["guardian"])
            assert portal.open(link, wrong[1], wrong[0]).status_code == 404, (link, "opened by another role")
    print(f"\nLINKS {len(messages)} messages ({dict(Counter((m['channel']) for m in messages))}), "
          f"{len(links)} distinct links per recipient, {len(covered)} (kind, role, language) opened")


def _kind(item: dict) -> str:
    """A teacher's update in the inbox is rendered as a one-item teacher_digest."""
    return "teacher_digest" if item["kind"] == "teacher_update" else item["kind"]


def _kinds(season: Season, sub: str, role: str = "guardian", school: str | None = None) -> set[str]:
    api = season.as_(role, sub, (school,) if role == "teacher" and school else ())
    return {_kind(i) for i in api.get("notifications", "/inbox?limit=200").json()}


def _messages(season, mailbox, people, recipients, school) -> list[dict]:
    """In-app items (with their kind) as each person sees them, and the e-mails and SMS
    that carried the same message (same subject, same address), each with its links."""
    caught = mailbox.list(5000)
    out = []
    for role, sub, fam in recipients:
        person = people[sub]
        lang = fam["lang"]
        email, phone = person["email"].lower(), person.get("sms") or person.get("phone")
        api = season.as_(role, sub, (school,) if role == "teacher" else ())
        for item in api.get("notifications", "/inbox?limit=200").json():
            base = {"kind": _kind(item), "role": role,
                    "sub": sub, "lang": item["lang"], "family": fam}
            assert item["lang"] == lang, (sub, item["kind"], item["lang"])
            out.append({**base, "channel": "inapp", "links": extract_links(item.get("link") or "")})
            for m in caught:
                if m["channel"] == "email" and email in m["to"] and m["subject"] == item["subject"]:
                    out.append({**base, "channel": "email", "links": m["links"]})
                elif m["channel"] == "sms" and phone in m["to"] and m["text"].startswith(item["subject"]):
                    out.append({**base, "channel": "sms", "links": m["links"]})
    return out
