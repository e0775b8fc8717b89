"""The data talk in headless Chromium against the whole system (every service as gunicorn +
worker processes on a RabbitMQ vhost):

1. the demo district's roster, then a gradebook result set (the plain results CSV, through
   the roster's import API as a district admin);
2. the student opens "my learning" (chart, data table, strengths, areas to grow), starts a
   goal from an area to grow (pre-filled, its measure linked to the standard), shares it;
3. a district admin uploads a new result in the portal; it travels the bus (roster -> goals,
   internal) and arrives on the goal as a check-in marked as from the gradebook, beside the
   hand-recorded one;
4. the teacher's data-talk page and its note; the family's read-only page, in Spanish;
5. the same pages on a phone, in English and Spanish.

Every page gets an axe-core run and a screenshot in test-artifacts/portal/.
"""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.e2e.portal import seed
from tests.e2e.portal.conftest import AXE
from tests.e2e.portal.walk import Walk

pytestmark = [pytest.mark.timeout(1200)]

CHILD = seed.SIBLINGS[0]                    # Henry, grade 3
TEACHER = seed.TEACHERS[CHILD]
RAW_CHILD = CHILD.split("~", 1)[1]          # the SIS's own id, as the district's file names it
FRACTIONS, FLUENCY = "CCSS.MATH.3.NF.A.1", "CCSS.ELA-LITERACY.RF.3.4"
DEADLINE = 240.0                            # a busy shared machine: the bus may take a while


def _csv(rows) -> bytes:
    lines = ["student,standard,date,score,scale,title"] + [",".join(str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _import(admin, rows, name: str) -> dict:
    resp = admin.post("roster", "/imports/gradebook", files={"file": (name, io.BytesIO(_csv(rows)), "text/csv")},
                      data={"partial": "false"}, timeout=300)
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_my_learning_a_goal_from_data_and_a_result_arriving_as_a_check_in(system, portal, browser, artifacts,
                                                                          tmp_path):
    zone = seed.daytime_zone(datetime.now(timezone.utc))
    good, _bad = seed.bundles(tmp_path, zone)
    admin = system.client()  # the demo district's admin
    with good.open("rb") as fh:
        r = admin.post("roster", "/imports", files={"file": ("good.zip", fh, "application/zip")},
                       data={"partial": "false"}, timeout=300)
    assert r.status_code in (200, 201), r.text
    seed.wait_for_roster(system)

    # 1. The gradebook: fractions still low (an area to grow), reading fluency grew (a strength).
    today = date.today()
    first, second = today - timedelta(days=40), today - timedelta(days=12)
    summary = _import(admin, [
        (RAW_CHILD, FRACTIONS, first, 1, "1-4", "Fractions quiz 1"),
        (RAW_CHILD, FRACTIONS, second, 1, "1-4", "Fractions quiz 2"),
        (RAW_CHILD, FLUENCY, first, 55, "0-100", "Reading fluency check"),
        (RAW_CHILD, FLUENCY, second, 85, "0-100", "Reading fluency check")], "results-1.csv")
    assert summary["status"] == "applied"

    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.add_init_script(path=str(AXE))
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    walk = Walk(page, portal, artifacts)

    # 2. The student: my learning, then a goal from the area to grow.
    walk.sign_in(CHILD, "student")
    walk.check("student-home")
    with page.expect_navigation():
        page.click("nav a[href$='/student/learning']")
    assert page.locator("figure.learning-chart svg[role=img]").count() == 2
    assert page.locator("table.learning-table").count() == 2
    grow = page.locator(f".learning-grow li[data-objective='{FRACTIONS}']")
    assert "good place to grow next" in grow.inner_text()
    assert "You grew in" in page.locator(".learning-strengths").inner_text()
    alt = page.locator("figure.learning-chart desc").first.text_content()
    assert "results from" in alt, alt
    walk.check("student-my-learning")
    with page.expect_navigation():
        grow.locator("a.start-goal").click()
    assert page.locator("#goal-start").is_visible()
    assert page.input_value("#focus_label") == FRACTIONS
    assert page.is_checked("input[name=focus_kind][value=standard]")
    assert page.input_value("input[name=measure_objective]") == FRACTIONS
    assert page.input_value("#measure_target") == "4" and page.is_checked("#measure_keep")
    walk.check("student-goal-from-data")
    page.fill("#statement", "I will practise adding fractions for 10 minutes every school night.")
    page.fill("#action-0", "I will do 5 fraction problems after dinner.")
    page.fill("#action-1", "I will draw each fraction as a picture.")
    page.fill("#action-2", "I will ask my teacher about one problem every Friday.")
    page.fill("#reason-0", "I already know how to cut a shape into equal parts.")
    page.fill("#reason-1", "My big sister can help me at home.")
    page.fill("#target_date", (today + timedelta(days=35)).isoformat())
    page.fill("#support_teacher", "Check my fraction work every Friday")
    page.fill("#support_family", "Give me a quiet place to work")
    page.fill("#support_student", "Bring my math notes home")
    page.wait_for_selector('#goal-feedback [data-ready="yes"]')
    walk.check("student-goal-from-data-ready")
    with page.expect_navigation():
        page.click("#share")
    student = system.client(role="student", sub=CHILD, district_id=seed.DISTRICT)
    goals = student.get("goals", f"/students/{CHILD}/goals").json()["goals"]
    assert [g["status"] for g in goals] == ["submitted"], goals
    goal = goals[0]
    measure = goal["plan"]["trackable"]["measure"]
    assert measure["learning_objective_id"] == FRACTIONS and (measure["baseline"], measure["target"]) == (1, 4)
    assert goal["plan"]["focus"]["code"] == FRACTIONS
    goal_id = goal["goal_id"]
    # A check-in by hand, so the gradebook's arrives beside it.
    page.check(f"#goal-{goal_id} input[name=status][value=on_track]")
    page.fill(f"#c-{goal_id}-note", "I did my fraction problems every night.")
    with page.expect_navigation():
        page.click(f"#goal-{goal_id} form.checkin button[type=submit]")

    walk.sign_out()

    # 3. A new result comes in (the district admin uploads it in the portal): through the
    # bus, it becomes a check-in on the goal.
    results = tmp_path / "results-2.csv"
    results.write_bytes(_csv([(RAW_CHILD, FRACTIONS, today, 2, "1-4", "Fractions quiz 3")]))
    walk.sign_in("dev-district-admin", "district_admin")
    walk.go("/admin/import")
    page.set_input_files("#gradebook-file", str(results))
    with page.expect_navigation():
        page.click("#gradebook-form button[type=submit]")
    done = page.locator("#import-summary")
    assert done.is_visible() and "changes applied" in done.inner_text() and "Results" in done.inner_text()
    walk.check("admin-gradebook-import")
    walk.sign_out()
    walk.sign_in(CHILD, "student")
    arrived = seed.retry(lambda: student.get("goals", f"/goals/{goal_id}/checkins"),
                         lambda resp: resp.status_code == 200 and any(
                             c["source"] == "gradebook" for c in resp.json()["checkins"]),
                         timeout=DEADLINE, what="the new result as a check-in on the goal").json()["checkins"]
    from_gradebook = [c for c in arrived if c["source"] == "gradebook"]
    assert len(from_gradebook) == 1 and from_gradebook[0]["measure_value"] == 2
    assert from_gradebook[0]["status"] == "on_track"  # 2 is beyond the baseline of 1, toward 4
    walk.go("/student/goals")
    checkins = page.locator(f"#goal-{goal_id} .checkins")
    assert checkins.locator("li.source-gradebook").count() == 1
    assert checkins.locator("li.source-hand").count() == 1
    assert "From the gradebook" in checkins.inner_text() and "score 2" in checkins.inner_text()
    assert "Linked to the results on" in page.locator(f"#goal-{goal_id}").inner_text()
    walk.check("student-goal-gradebook-check-in")
    walk.go("/student/learning")  # the new result is on the chart and in the table
    assert "Fractions quiz 3" in page.locator("main").inner_text()
    with page.expect_navigation():
        page.click(".lang button[value=es]")
    assert page.locator("h1").inner_text() == "Mi aprendizaje"
    walk.check("student-my-learning-es")
    walk.go("/student/goals")
    assert "Del registro de notas" in page.locator(f"#goal-{goal_id} .checkins").inner_text()
    walk.check("student-goal-gradebook-check-in-es")
    with page.expect_navigation():
        page.click(".lang button[value=en]")
    walk.sign_out()

    # 4. The teacher's data talk, and its note listed after.
    walk.sign_in(TEACHER, "teacher")
    walk.go(f"/teacher/students/{CHILD}/packet")
    assert "From the gradebook" in page.locator("#goals").inner_text()
    with page.expect_navigation():
        page.click("#data-talk-link")
    assert page.locator("figure.learning-chart").count() == 2
    page.check(f"input[name=objective_id][value='{FRACTIONS}']")
    page.fill("#celebrated", "Reading fluency went from 55 to 85.")
    page.fill("#struggles", "Fractions are still hard; we started a goal.")
    walk.check("teacher-data-talk")
    with page.expect_navigation():
        page.click("#data-talk-form button[type=submit]")
    talks = page.locator("#talks .talk")
    assert talks.count() == 1 and "Reading fluency went from 55 to 85." in talks.inner_text()
    walk.check("teacher-data-talk-noted")
    walk.sign_out()

    # The Spanish-speaking family: the child's learning, read-only.
    walk.sign_in(seed.GUARDIAN, "guardian")
    with page.expect_navigation():
        page.click(f"[id='child-{CHILD}'] a[href$='/learning']")
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Resultados de aprendizaje" in page.locator("h1").inner_text()
    assert page.locator("main form").count() == 0 and page.locator("table.learning-table").count() == 2
    walk.check("family-learning-es")
    walk.go(f"/family/children/{CHILD}/goals")
    assert "Del registro de notas" in page.locator("main").inner_text()
    walk.check("family-goals-es")
    walk.sign_out()
    ctx.close()

    # 5. On a phone, in English and in Spanish.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    phone.add_init_script(path=str(AXE))
    page = phone.new_page()
    page.set_default_timeout(30_000)
    walk.page = page
    page.on("console", walk._console)
    walk.sign_in(CHILD, "student")
    walk.go("/student/learning")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    walk.check("phone-student-my-learning")
    walk.go(f"/student/goals/new?start={FRACTIONS}")
    walk.check("phone-student-goal-from-data")
    walk.go("/student/learning")
    with page.expect_navigation():
        page.click(".lang button[value=es]")
    walk.check("phone-student-my-learning-es")
    walk.go("/student/goals")
    walk.check("phone-student-goals-es")
    with page.expect_navigation():
        page.click(".lang button[value=en]")
    walk.sign_out()
    phone.close()
    walk.finish()
