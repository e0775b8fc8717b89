"""The portal in headless Chromium against the whole system (every service as gunicorn +
worker processes on a RabbitMQ vhost). One walk through a conference season:

1. a district admin imports the roster (first a broken bundle: the error report);
2. a school admin opens a conference window on a 30-minute grid (scheduling API), one
   teacher's times (room 12) by API, the other teacher publishes hers in the portal (no room);
3. a Spanish-speaking guardian books two siblings back to back with the default choice
   (the first free times of the day; the teachers are in different rooms), with an
   interpreter and a private talk, and fills the parent input form, in Spanish;
4. a student writes a vague goal, sees the feedback while typing, fixes and shares it;
5. the teacher opens the agenda and the packet and records the conference as held;
6. the participation dashboard.

Every page gets an axe-core run (no serious or critical violation allowed) and a
screenshot in test-artifacts/portal/.
"""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest

from tests.e2e.portal import seed
from tests.e2e.portal.conftest import AXE
from tests.e2e.portal.walk import Walk

pytestmark = [pytest.mark.timeout(1200)]


def test_a_conference_season_in_the_browser(system, portal, browser, artifacts, tmp_path):
    zone = seed.daytime_zone(datetime.now(timezone.utc))
    good, bad = seed.bundles(tmp_path, zone)
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    ctx.add_init_script(path=str(AXE))
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    walk = Walk(page, portal, artifacts)

    # 1. District admin: the roster import and its error report.
    walk.go("/")
    walk.check("landing")
    with page.expect_navigation():
        page.click("a.button")
    walk.check("dev-sign-in")
    walk.sign_in("dev-district-admin", "district_admin")
    walk.check("admin-home")
    walk.go("/admin/import")
    page.set_input_files("#file", str(bad))
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    assert page.locator("#import-errors tbody tr").count() >= 2
    walk.check("admin-import-errors")
    page.set_input_files("#file", str(good))
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    assert page.locator("#import-summary").is_visible()
    walk.check("admin-import-done")
    walk.sign_out()
    seed.wait_for_roster(system)

    # 2. The school opens a window; one teacher's times by API, the other's in the portal.
    window, admin = seed.open_window(system, zone)
    seed.publish(admin, window, seed.TEACHERS[seed.SIBLINGS[0]])
    assert admin.post("scheduling", f"/windows/{window['window_id']}/open").status_code == 200
    walk.sign_in(seed.TEACHERS[seed.SIBLINGS[1]], "teacher")
    walk.check("teacher-home")
    with page.expect_navigation():
        page.click(f"a[href$='/windows/{window['window_id']}/availability']")
    walk.check("teacher-availability")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert "/agenda" in page.url
    walk.sign_out()

    # 3. The guardian, in Spanish: book both children back to back, then the parent input form.
    walk.sign_in(seed.GUARDIAN, "guardian")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Mis hijos"
    walk.check("family-home")
    with page.expect_navigation():
        page.click(f"a[href$='/windows/{window['window_id']}/book']")
    for sid in seed.SIBLINGS:
        assert page.is_checked(f'input[name=student_id][value="{sid}"]')
    page.check(f'input[name="private_{seed.SIBLINGS[1]}"]')
    page.select_option("#interpreter_language", "es")
    walk.check("family-book")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert page.locator(".booking.booked").count() == 2, page.content()
    assert "Reservado" in page.locator(".notice.success").inner_text()
    assert "hora" in page.locator(".booking .when").first.inner_text()  # the zone is named
    walk.check("family-booked")
    family = system.client(role="guardian", sub=seed.GUARDIAN, district_id=seed.DISTRICT)
    bookings = sorted(family.get("scheduling", "/bookings").json()["bookings"], key=lambda b: b["start"])
    assert {b["student_id"] for b in bookings} == set(seed.SIBLINGS)
    assert all(b["interpreter_language"] == "es" for b in bookings)
    first, second = bookings
    gap = (datetime.fromisoformat(second["start"]) - datetime.fromisoformat(first["end"])).total_seconds()
    assert (datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"])).total_seconds() == 30 * 60
    assert first["room"] != second["room"], "the teachers are in different rooms"
    assert gap == 0, "on a 30-minute grid the next slot counts as back to back"
    # The rest of the walk follows the child whose conference comes first (it will be held).
    child, teacher_id = first["student_id"], first["teacher_id"]

    with page.expect_navigation():  # the language switcher (remembered in the notification preferences)
        page.click(".lang button[value=en]")
    assert page.locator("h1").inner_text() == "My children"
    with page.expect_navigation():
        page.click(".lang button[value=es]")
    assert page.locator("h1").inner_text() == "Mis hijos"
    assert family.get("notifications", "/preferences").json()["language"] == "es"

    with page.expect_navigation():
        page.click(f"[id='child-{child}'] a[href$='/input']")
    page.fill("#hopes", "Que tenga más confianza en matemáticas.")
    page.fill("#concerns", "Le cuesta pedir ayuda en clase.")
    page.fill("#topics", "Matemáticas\nTareas en casa")
    page.fill("#goals_for_child", "Leer 20 minutos cada noche")
    page.check("input[name=wants_private_talk][value=yes]")
    walk.check("family-parent-input-form")
    with page.expect_navigation():
        page.click("#parent-input button[type=submit]")
    assert "Gracias" in page.locator(".notice.success").inner_text()
    walk.check("family-parent-input-sent")
    saved = family.get("goals", f"/students/{child}/parent-input").json()["parent_input"]
    assert saved[0]["wants_private_talk"] is True and saved[0]["topics"] == ["Matemáticas", "Tareas en casa"]
    walk.sign_out()

    # 4. The student: a vague goal, the feedback while typing, the fix, shared.
    walk.sign_in(child, "student")
    walk.check("student-home")
    walk.go("/student/goals/new")
    walk.check("student-goal-new")
    page.fill("#statement", "I want to do better in math")
    page.wait_for_selector('#goal-feedback [data-code="too_vague"]')
    assert "wish, not a plan" in page.locator("#goal-feedback").inner_text()
    walk.check("student-goal-vague")
    page.fill("#statement", "I will ask a question when I do not understand part of the math lesson.")
    page.fill("#focus_label", "Ratios and proportions")
    page.fill("#action-0", "I will read my math notes for 10 minutes after dinner.")
    page.fill("#action-1", "I will do 5 practice problems every school night.")
    page.fill("#action-2", "I will ask my teacher one question every Friday.")
    page.fill("#track_method", "I will write my quiz scores in a chart every Friday.")
    page.fill("#reason-0", "I already know my times tables.")
    page.fill("#reason-1", "My big sister can help me at home.")
    page.fill("#target_date", (date.today() + timedelta(days=35)).isoformat())
    page.fill("#support_teacher", "Check my chart every Friday")
    page.fill("#support_family", "Give me a quiet place to work")
    page.fill("#support_student", "Bring my notes home")
    page.wait_for_selector('#goal-feedback [data-ready="yes"]')
    assert page.locator('#goal-feedback [data-code="too_vague"]').count() == 0
    walk.check("student-goal-ready")
    with page.expect_navigation():
        page.click("#share")
    assert "Shared with the teacher" in page.locator("article.goal").first.inner_text()
    walk.check("student-goals")
    student = system.client(role="student", sub=child, district_id=seed.DISTRICT)
    goals = student.get("goals", f"/students/{child}/goals").json()["goals"]
    assert [g["status"] for g in goals] == ["submitted"]
    goal_id = goals[0]["goal_id"]

    # ... about me, thinking questions, a work sample with its note card, a check-in.
    walk.go("/student/about-me")
    page.fill("#strengths", "Reading\nDrawing")
    page.fill("#areas_for_growth", "Fractions")
    page.fill("#supports", "A quiet place to work")
    walk.check("student-about-me")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    walk.go("/student/thinking")
    page.locator("form.stack textarea").first.fill("It will help me in math class every day.")
    walk.check("student-thinking")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert page.locator(".step.done").count() == 3
    walk.go("/student/work")
    page.set_input_files("#file", str(seed.picture(tmp_path)))
    page.fill("#title", "My fraction poster")
    page.fill("#what_it_shows", "I can add fractions with the same bottom number.")
    page.select_option("#goal_id", goal_id)
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    card = page.locator(".notecard").first
    assert "My fraction poster" in card.inner_text()
    file = page.request.get(portal + card.locator("a").get_attribute("href"))
    assert file.status == 200 and file.headers["content-type"].startswith("image/png")
    walk.check("student-work")
    walk.go("/student/goals")
    page.check(f"#goal-{goal_id} input[name=status][value=on_track]")
    page.fill(f"#c-{goal_id}-note", "I asked two questions this week.")
    with page.expect_navigation():
        page.click(f"#goal-{goal_id} form button[type=submit]")
    assert "On track" in page.locator(f"#goal-{goal_id} .checkins").inner_text()
    walk.check("student-check-in")
    walk.sign_out()

    # 5. The teacher of the first conference: agenda, packet, held.
    walk.sign_in(teacher_id, "teacher")
    with page.expect_navigation():
        page.click(f"a[href$='/windows/{window['window_id']}/agenda']")
    card = page.locator(f"li[data-booking='{first['booking_id']}']")
    assert card.is_visible()
    walk.check("teacher-agenda")
    with page.expect_navigation():
        card.locator("a[href*='/packet']").click()
    packet = page.locator("main").inner_text()
    assert "I will ask a question" in packet and "confianza" in packet, packet
    walk.check("teacher-packet")
    with page.expect_navigation():
        page.click("#goals form button[type=submit]")
    assert "Agreed" in page.locator("#goals").inner_text()
    page.fill("#note-text", "The family wants more reading at home; we agreed on a reading log.")
    with page.expect_navigation():
        page.click("#private-notes form button[type=submit]")
    walk.check("teacher-packet-agreed")
    walk.go(f"/teacher/windows/{window['window_id']}/agenda")
    wait = (datetime.fromisoformat(first["start"]) - datetime.now(timezone.utc)).total_seconds() + 2
    assert wait < 600, f"the first conference starts in {wait:.0f}s"
    if wait > 0:
        time.sleep(wait)
    page.reload()
    with page.expect_navigation():
        page.locator(f"li[data-booking='{first['booking_id']}'] button[value=held]").click()
    assert page.locator(f"li[data-booking='{first['booking_id']}']").get_attribute("class").endswith("held")
    walk.check("teacher-conference-held")
    assert family.get("scheduling", f"/bookings/{first['booking_id']}").json()["status"] == "held"
    walk.go("/teacher/class")
    walk.check("teacher-class-overview")
    walk.sign_out()

    # 6. The school admin: participation dashboard and windows.
    walk.sign_in(f"dev-school-admin-{seed.SCHOOL}", "school_admin")
    walk.go("/admin/dashboard")
    walk.check("admin-dashboard")
    walk.go("/admin/windows")
    walk.check("admin-windows")
    walk.sign_out()

    # The family sees the goal and its check-in, moves the other child's conference, then cancels it.
    walk.sign_in(seed.GUARDIAN, "guardian")
    walk.go(f"/family/children/{child}/goals")
    assert "I will ask a question" in page.locator("main").inner_text()
    walk.check("family-goals")
    walk.go(f"/family/bookings/{second['booking_id']}/move")
    page.locator("input[name=slot_id]").nth(1).check()
    walk.check("family-reschedule")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert page.locator(".notice.success").is_visible(), page.locator("main").inner_text()
    moved = family.get("scheduling", f"/bookings/{second['booking_id']}").json()
    assert moved["start"] != second["start"] and moved["status"] == "booked"
    walk.go(f"/family/bookings/{second['booking_id']}/cancel")
    walk.check("family-cancel")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert family.get("scheduling", f"/bookings/{second['booking_id']}").json()["status"] == "cancelled"
    assert page.locator(f".booking.cancelled[data-booking='{second['booking_id']}']").count() == 1
    walk.check("family-after-cancel")
    ctx.close()
    walk.finish()
