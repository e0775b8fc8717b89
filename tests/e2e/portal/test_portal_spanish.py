"""No English on a Spanish page: every page the portal serves, for every kind of person,
against the whole system with a season's worth of data, and every message a Spanish
family received.

The pages are not a list kept by hand: every GET route of the portal app is visited (as
the person its blueprint is for, with the ids this season made), so a page added later
is checked as soon as it exists; a route with a parameter this test has no value for
fails, asking for one. Documents the portal passes on (the progress report, the
conference summary) are checked too; files (PDF, CSV, pictures, calendars) are not pages.
"""
from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta, timezone

import pytest
import requests

from tests.e2e.portal import seed
from tests.spanish_check import english_in

pytestmark = [pytest.mark.timeout(900)]

CHILD, OTHER = seed.SIBLINGS
TEACHER = seed.TEACHERS[CHILD]
# Routes that are not pages for people: probes, assets, files, the district IdP's redirects.
NOT_PAGES = {"static", "metrics_view", "home.healthz", "home.readyz", "home.evidence_file",
             "auth.oidc_start", "auth.oidc_callback", "family.report_document_pdf",
             "home.calendar_feed",  # files (PDF, iCalendar), not pages
             "devtools.mail_message", "devtools.mail",  # messages as sent, each in its recipient's language
             "me.open_item"}  # marks a message read and redirects to its page (checked there)
AUDIENCE = {"family": "guardian", "student": "student", "teacher": "teacher", "admin": "school_admin"}
WORDS_WRITTEN = {  # what people typed in this season (data, not the portal's words)
    "Que tenga más confianza en matemáticas.", "Le cuesta pedir ayuda en clase.", "Matemáticas", "Tareas en casa",
    "Leer 20 minutos cada noche", "Quiero mejorar en matemáticas", "Leí todas las noches esta semana.",
    "Voy a preguntar cuando no entienda una parte de la clase de matemáticas.", "Mi cartel de fracciones",
    "Sé sumar fracciones con el mismo denominador.", "La familia quiere más lectura en casa.",
    "Voy a leer mis apuntes 10 minutos después de cenar.", "Voy a hacer 5 problemas cada noche.",
    "Voy a preguntar a mi maestra cada viernes.", "Voy a anotar mis notas en una tabla cada viernes.",
    "Ya sé las tablas de multiplicar.", "Mi hermana me ayuda en casa.", "Revisar mi tabla los viernes",
    "Un lugar tranquilo para estudiar", "Llevar mis apuntes a casa", "fracciones", "Escuchar en clase",
    "Dibujar", "Leer", "Me ayuda trabajar en silencio.", "Me ayudará en la clase de matemáticas todos los días.",
    "English", "Confer", "12", "B14", "Goal conferences",  # the window's name, as the school typed it
    "Prueba de fracciones", "Lectura en voz alta", "CCSS.MATH.3.NF.A.1", "CCSS.ELA-LITERACY.RF.3.4",  # the gradebook
}


def roster_data(folder) -> set[str]:
    """Names of the district, its schools, classes and people, from the imported bundle."""
    out = set()
    for name, columns in (("orgs.csv", ("name",)), ("classes.csv", ("title",)), ("courses.csv", ("title",)),
                          ("users.csv", ("givenName", "familyName"))):
        with (folder / "demo" / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                out.update(row[c] for c in columns if row.get(c))
    with (folder / "demo" / "users.csv").open(encoding="utf-8") as fh:
        out.update(f"{r['givenName']} {r['familyName']}" for r in csv.DictReader(fh))
    return out


class Person:
    """A browser-like session of one person in the portal, in Spanish."""

    def __init__(self, portal: str, sub: str | None = None, role: str | None = None, school_ids=(), lang="es"):
        self.portal, self.http = portal, requests.Session()
        if sub:
            token = self._csrf("/dev/login")
            data = {"sub": sub, "role": role, "csrf_token": token, "school_id": list(school_ids)}
            assert self.http.post(portal + "/dev/login", data=data, timeout=60).status_code == 200
        token = self._csrf("/")
        assert self.http.post(portal + "/lang", data={"lang": lang, "csrf_token": token, "next": "/"},
                              timeout=60).status_code == 200

    def _csrf(self, path: str) -> str:
        page = self.http.get(self.portal + path, timeout=60).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def get(self, path: str):
        return self.http.get(self.portal + path, timeout=90)


def season(system, tmp_path):
    """A conference season as the services' own API calls make it."""
    zone = seed.daytime_zone(datetime.now(timezone.utc))
    good, _bad = seed.bundles(tmp_path, zone)
    district = system.client()
    with good.open("rb") as fh:
        r = district.post("roster", "/imports", files={"file": ("good.zip", fh, "application/zip")},
                          data={"partial": "false"}, timeout=300)
    assert r.status_code in (200, 201), r.text
    seed.wait_for_roster(system)
    # The child's gradebook (the learning pages: chart, table, strengths, areas to grow).
    raw, first, last = CHILD.split("~", 1)[1], date.today() - timedelta(days=30), date.today() - timedelta(days=5)
    rows = ["student,standard,date,score,scale,title",
            f"{raw},CCSS.MATH.3.NF.A.1,{first},1,1-4,Prueba de fracciones",
            f"{raw},CCSS.MATH.3.NF.A.1,{last},1,1-4,Prueba de fracciones",
            f"{raw},CCSS.ELA-LITERACY.RF.3.4,{first},50,0-100,Lectura en voz alta",
            f"{raw},CCSS.ELA-LITERACY.RF.3.4,{last},90,0-100,Lectura en voz alta"]
    r = district.post("roster", "/imports/gradebook", data={"partial": "false"}, timeout=300, files={
        "file": ("results.csv", "\n".join(rows).encode("utf-8"), "text/csv")})
    assert r.status_code == 201, r.text
    window, admin = seed.open_window(system, zone, minutes_ahead=30)
    seed.publish(admin, window, seed.TEACHERS[CHILD], room="12")
    seed.publish(admin, window, seed.TEACHERS[OTHER], room="B14")
    assert admin.post("scheduling", f"/windows/{window['window_id']}/open").status_code == 200
    family = system.client(role="guardian", sub=seed.GUARDIAN, district_id=seed.DISTRICT)
    booked = seed.retry(lambda: family.post("scheduling", f"/windows/{window['window_id']}/bookings", json={
        "students": [{"student_id": CHILD}, {"student_id": OTHER, "private_talk": True}],
        "interpreter_language": "es", "date": str(window["days"][0]["date"])}),
        lambda resp: resp.status_code == 201, what="book the siblings").json()["bookings"]
    assert family.post("goals", f"/students/{CHILD}/parent-input", json={
        "hopes": "Que tenga más confianza en matemáticas.", "concerns": "Le cuesta pedir ayuda en clase.",
        "topics": ["Matemáticas", "Tareas en casa"], "goals_for_child": ["Leer 20 minutos cada noche"],
        "wants_private_talk": True}).status_code == 201
    student = system.client(role="student", sub=CHILD, district_id=seed.DISTRICT)
    plan = {"statement": "Voy a preguntar cuando no entienda una parte de la clase de matemáticas.",
            "focus": {"kind": "standard", "label": "fracciones"}, "term": "short",
            "specific_actions": ["Voy a leer mis apuntes 10 minutos después de cenar.",
                                 "Voy a hacer 5 problemas cada noche.", "Voy a preguntar a mi maestra cada viernes."],
            "trackable": {"method": "Voy a anotar mis notas en una tabla cada viernes."},
            "achievable_reasons": ["Ya sé las tablas de multiplicar.", "Mi hermana me ayuda en casa."],
            "target_date": (date.today() + timedelta(days=30)).isoformat(),
            "supports": {"teacher": ["Revisar mi tabla los viernes"], "family": ["Un lugar tranquilo para estudiar"],
                         "student": ["Llevar mis apuntes a casa"]}}
    shared = student.post("goals", f"/students/{CHILD}/goals", json=plan).json()
    assert student.post("goals", f"/goals/{shared['goal_id']}/submit").status_code == 200
    draft = student.post("goals", f"/students/{CHILD}/goals", json={
        **plan, "statement": "Quiero mejorar en matemáticas", "specific_actions": ["Leer"],
        "target_date": (date.today() + timedelta(days=200)).isoformat()}).json()
    assert student.post("goals", f"/goals/{shared['goal_id']}/checkins", json={
        "status": "on_track", "note": "Leí todas las noches esta semana."}).status_code == 201
    assert student.post("goals", f"/students/{CHILD}/self-assessment", json={
        "strengths": ["Escuchar en clase", "Dibujar"], "areas_for_growth": ["fracciones"],
        "supports": ["Me ayuda trabajar en silencio."]}).status_code == 201
    questions = student.get("goals", f"/students/{CHILD}/reflection-questions").json()["questions"]
    assert student.post("goals", f"/students/{CHILD}/reflections", json={"answers": {
        questions[0]["id"]: "Me ayudará en la clase de matemáticas todos los días."}}).status_code == 201
    evidence = student.post("goals", f"/students/{CHILD}/evidence", json={
        "title": "Mi cartel de fracciones", "link": "https://example.org/cartel",
        "note": {"what_it_shows": "Sé sumar fracciones con el mismo denominador.",
                 "goal_id": shared["goal_id"]}}).json()
    teacher = system.client(role="teacher", sub=TEACHER, district_id=seed.DISTRICT, school_ids=(seed.SCHOOL,))
    assert teacher.post("goals", f"/students/{CHILD}/private-notes",
                        json={"text": "La familia quiere más lectura en casa."}).status_code == 201
    mine = next(b for b in booked if b["student_id"] == CHILD)
    seed.retry(lambda: family.get("reports", f"/conferences/{mine['booking_id']}/summary"),
               lambda resp: resp.status_code == 200, what="the reports service knows the booking")
    admin = system.client(role="district_admin", sub="dev-district-admin", district_id=seed.DISTRICT)
    job = seed.retry(lambda: admin.post("reports", "/report-jobs", json={
        "period": date.today().strftime("%Y-%m"), "school_id": seed.SCHOOL}),
        lambda resp: resp.status_code == 202, what="a report batch for the school").json()
    return {"student_id": CHILD, "goal_id": draft["goal_id"], "window_id": window["window_id"],
            "booking_id": mine["booking_id"], "evidence_id": evidence["evidence_id"], "job_id": job["id"]}


def test_every_portal_page_is_all_spanish(system, portal, tmp_path):
    ids = season(system, tmp_path)
    data = roster_data(tmp_path) | WORDS_WRITTEN
    from services.portal import create_app

    app = create_app({"dev_login": True, "cookie_secure": False})
    people = {"guardian": Person(portal, seed.GUARDIAN, "guardian"), "student": Person(portal, CHILD, "student"),
              "teacher": Person(portal, TEACHER, "teacher", (seed.SCHOOL,)),
              "school_admin": Person(portal, f"dev-school-admin-{seed.SCHOOL}", "school_admin", (seed.SCHOOL,)),
              "district_admin": Person(portal, "dev-district-admin", "district_admin"), "guest": Person(portal)}
    visited, problems = [], {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.endpoint.startswith("static"):
            continue
        missing = [a for a in rule.arguments if a not in ids]
        assert not missing, f"{rule.rule}: give this test a value for {missing} (a new page to check)"
        path = rule.build(ids, append_unknown=False)[1]
        blueprint = rule.endpoint.split(".")[0]
        who = AUDIENCE.get(blueprint, "guest")
        if rule.endpoint == "admin.roster_import":
            who = "district_admin"
        resp = people[who].get(path)
        assert resp.status_code == 200, f"{path} as {who}: {resp.status_code} {resp.text[:300]}"
        if not resp.headers.get("Content-Type", "").startswith("text/html"):
            continue
        visited.append(path)
        html = resp.text
        assert re.search(r'<html lang="es"', html), f"{path} as {who} is not in Spanish"
        found = english_in(html, data=data)
        if found:
            problems[f"{path} ({who})"] = found
    assert len(visited) >= 20, visited
    # The check sees English when there is some: the same family's page in English.
    english = Person(portal, seed.GUARDIAN, "guardian", lang="en").get("/family/").text
    assert len(english_in(english, data=data)) >= 3
    assert not problems, "English on Spanish pages:\n" + "\n".join(
        f"{page}:\n  " + "\n  ".join(found) for page, found in problems.items())

    # Every message the Spanish family received, as it reads it in the portal's inbox.
    family = system.client(role="guardian", sub=seed.GUARDIAN, district_id=seed.DISTRICT)
    items = seed.retry(lambda: family.get("notifications", "/inbox"),
                       lambda resp: resp.status_code == 200 and {"invitation", "booking_confirmation"}
                       <= {i["kind"] for i in resp.json()}, what="the family's invitation and confirmation").json()
    kinds = {i["kind"] for i in items}
    assert {"invitation", "booking_confirmation"} <= kinds, kinds
    for item in items:
        found = english_in(item["subject"], data=data, html=False) + english_in(item["text"], data=data, html=False)
        assert not found, f"{item['kind']}: " + "\n".join(found)
