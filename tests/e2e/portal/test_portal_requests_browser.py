"""A request window in headless Chromium against the whole system (issue 20):

1. the school opens a window in request mode (scheduling API: two teachers' times, a
   Spanish interpreter, a deadline a few minutes ahead);
2. the Spanish-speaking guardian follows the invitation's link on a phone-sized screen:
   it leads to the request page; a wrong time is refused in Spanish; the family sends
   two times for both children with an interpreter, adds a third, withdraws and sends
   them again, all before the deadline;
3. the school admin opens the window's schedule page: capacity, the family served first
   (it needs an interpreter), a preview, fixes one
   conference where it is; once the deadline has passed (its timer solves again,
   keeping the fixed conference) publishes, and reads the result;
4. the family sees both conferences (in Spanish, and the page in English too), and each
   teacher sees their conference on the agenda.

Every page gets an axe-core run and a screenshot in test-artifacts/portal/.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.portal import seed
from tests.e2e.portal.conftest import AXE
from tests.e2e.portal.walk import Walk

pytestmark = [pytest.mark.timeout(1800)]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


def request_window(system, zone: str, *, deadline_in: timedelta, day_in: timedelta) -> tuple[dict, object]:
    """An open request window for today (two teachers with rooms, one Spanish
    interpreter all day), its requests deadline `deadline_in` from now."""
    admin = system.client(role="school_admin", sub="adm-000002", district_id=seed.DISTRICT,
                          school_ids=(seed.SCHOOL,))
    now = system.clock()  # the services' (dev) clock
    local = now.astimezone(ZoneInfo(zone))
    start = (local + day_in).replace(second=0, microsecond=0)
    start = start.replace(minute=start.minute - start.minute % 10)
    end = min(start + timedelta(hours=2), local.replace(hour=23, minute=50, second=0, microsecond=0))
    body = {"school_id": seed.SCHOOL, "name": "Goal conferences", "slot_minutes": 20, "policy": "per_household",
            "days": [{"date": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}],
            "booking_opens_at": (now - timedelta(hours=1)).isoformat(),
            "booking_closes_at": (now + timedelta(days=1)).isoformat(), "cancellation_cutoff_hours": 0,
            "booking_mode": "requests", "requests_deadline": (now + deadline_in).isoformat()}
    window = seed.retry(lambda: admin.post("scheduling", "/windows", json=body), lambda r: r.status_code == 201,
                        what="create the request window").json()
    seed.publish(admin, window, seed.TEACHERS[seed.SIBLINGS[0]], room="12")
    seed.publish(admin, window, seed.TEACHERS[seed.SIBLINGS[1]], room="B14")
    day = {"date": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    resp = admin.put("scheduling", f"/windows/{window['window_id']}/interpreters", json={"interpreters": [
        {"interpreter_id": "int-es-1", "languages": ["es"], "ranges": [day]}]})
    assert resp.status_code == 200, resp.text
    assert admin.post("scheduling", f"/windows/{window['window_id']}/open").status_code == 200
    return {**window, "day": day}, admin


def set_language(page, code: str) -> None:
    if page.locator("html").get_attribute("lang") != code:
        with page.expect_navigation():
            page.click(f".lang button[value={code}]")
    assert page.locator("html").get_attribute("lang") == code


def test_a_family_requests_times_in_spanish_and_the_school_previews_and_publishes(dev_system, browser, artifacts,
                                                                                  tmp_path):
    # The system in development mode: the deadline is passed by moving the services' clock
    # (the portal reads it too), not by waiting for it.
    system, portal, clock = dev_system.system, dev_system.portal_url, dev_system.system.clock
    zone = seed.daytime_zone(datetime.now(timezone.utc))
    good, _bad = seed.bundles(tmp_path, zone)
    with good.open("rb") as fh:
        r = system.client().post("roster", "/imports", files={"file": ("good.zip", fh, "application/zip")},
                                 data={"partial": "false"}, timeout=300)
    assert r.status_code in (200, 201), r.text
    seed.wait_for_roster(system)
    window, admin = request_window(system, zone, deadline_in=timedelta(minutes=10), day_in=timedelta(minutes=45))
    wid, day = window["window_id"], window["day"]
    deadline = datetime.fromisoformat(window["requests_deadline"].replace("Z", "+00:00"))
    family = system.client(role="guardian", sub=seed.GUARDIAN, district_id=seed.DISTRICT)

    phone = browser.new_context(viewport=PHONE, locale="es-US")
    phone.add_init_script(path=str(AXE))
    page = phone.new_page()
    page.set_default_timeout(60_000)
    walk = Walk(page, portal, artifacts)

    # 2. The guardian, in Spanish on a phone: the invitation's link leads to the request page.
    invitation = seed.retry(lambda: family.get("notifications", "/inbox"),
                            lambda resp: resp.status_code == 200 and any(
                                i["kind"] == "invitation" for i in resp.json()),
                            timeout=420, what="the invitation").json()  # slow when the machine is busy
    link = next(i["link"] for i in invitation if i["kind"] == "invitation")
    assert link.endswith(f"/family/windows/{wid}/book"), link
    walk.sign_in(seed.GUARDIAN, "guardian")
    set_language(page, "es")
    assert page.locator(f"a[href$='/family/windows/{wid}/request']").count() == 1  # home: "tell us when"
    walk.go(link[link.index("/family/"):])
    assert page.url.endswith(f"/family/windows/{wid}/request"), page.url
    assert page.locator("h1").inner_text() == "¿Cuándo puede venir?"
    assert "Díganos antes del" in page.locator("#deadline").inner_text()
    walk.check("family-request-empty-es")

    for sid in seed.SIBLINGS:
        assert page.is_checked(f'input[name=student_id][value="{sid}"]')
    start, end = day["start"], day["end"]
    later = (datetime.strptime(start, "%H:%M") + timedelta(minutes=40)).strftime("%H:%M")
    page.select_option("#range_date_0", day["date"])
    page.fill("#range_start_0", later)
    page.fill("#range_end_0", start)  # the end before the start: refused in Spanish, nothing sent
    page.select_option("#interpreter_language", "es")
    with page.expect_navigation():
        page.click("#send-request")
    assert "El final debe ser después del inicio." in page.locator("#range-0-error").inner_text()
    assert "Sus horarios necesitan un arreglo." in page.locator("#request-error").inner_text()
    walk.check("family-request-error-es")
    assert family.get("scheduling", f"/windows/{wid}/requests/{seed.GUARDIAN}").status_code == 404

    page.fill("#range_start_0", start)
    page.fill("#range_end_0", later)
    page.select_option("#range_date_1", day["date"])
    page.fill("#range_start_1", (datetime.strptime(start, "%H:%M") + timedelta(minutes=60)).strftime("%H:%M"))
    page.fill("#range_end_1", end)
    with page.expect_navigation():
        page.click("#more-times")  # one more row, what was typed kept, nothing sent
    assert page.locator("#range_date_3").count() == 1 and page.input_value("#range_start_0") == start
    page.select_option("#range_date_3", day["date"])
    page.fill("#range_start_3", start)
    page.fill("#range_end_3", end)
    page.check("input[name=modality][value=in_person]")
    assert page.input_value("#interpreter_language") == "es"
    walk.check("family-request-filled-es")
    with page.expect_navigation():
        page.click("#send-request")
    assert "¡Gracias! Tenemos sus horarios." in page.locator(".notice.success").inner_text()
    assert page.locator("#request-sent li").count() == 3
    walk.check("family-request-sent-es")
    sent = family.get("scheduling", f"/windows/{wid}/requests/{seed.GUARDIAN}").json()
    assert sent["status"] == "active" and sent["interpreter_language"] == "es" and len(sent["ranges"]) == 3
    assert {c["student_id"] for c in sent["students"]} == set(seed.SIBLINGS)

    # ... withdraws, then sends the two times again (the stored request fills the form).
    with page.expect_navigation():
        page.click("#withdraw-form button[type=submit]")
    assert "retirados" in page.locator(".notice.success").inner_text()
    assert page.locator("#request-sent").count() == 0
    assert family.get("scheduling", f"/windows/{wid}/requests/{seed.GUARDIAN}").json()["status"] == "withdrawn"
    page.select_option("#range_date_0", day["date"])
    page.fill("#range_start_0", start)
    page.fill("#range_end_0", end)
    page.select_option("#interpreter_language", "es")
    with page.expect_navigation():
        page.click("#send-request")
    assert page.locator(".notice.success").count() == 1, page.locator("main").inner_text()
    assert clock() < deadline, "the family's steps must happen before the deadline"

    # ... and the same page in English, for the screenshots.
    set_language(page, "en")
    assert page.locator("h1").inner_text() == "When can you come?"
    walk.check("family-request-sent-en")
    set_language(page, "es")
    walk.sign_out()

    # 3. The school admin: capacity, a preview, fix a conference; publish after the deadline.
    for viewport, lang in ((DESK, "en"), (PHONE, "es")):
        page.set_viewport_size(viewport)
        walk.sign_in(f"dev-school-admin-{seed.SCHOOL}", "school_admin")
        set_language(page, lang)
        walk.go(f"/admin/windows?school_id={seed.SCHOOL}")
        with page.expect_navigation():
            page.click(f"a[href$='/admin/windows/{wid}/assignment']")
        if lang == "en":
            assert page.locator("#request-count").inner_text() == "1"
            walk.check("admin-assignment-before-en")
            page.click("#requests summary")  # the families' times; this one is served first
            page.select_option(f"[id='reason-{seed.GUARDIAN}']", "needs_interpreter")
            with page.expect_navigation():
                page.click(f"[data-family='{seed.GUARDIAN}'] form.priority button[type=submit]")
            assert "Needs an interpreter" in page.locator(f"[data-family='{seed.GUARDIAN}']").inner_text()
            with page.expect_navigation(timeout=180_000):
                page.click("#preview-form button[type=submit]")
            assert "1 of 1 families have a time" in page.locator(".notice.success").inner_text()
            assert page.locator("table.plan tbody tr").count() == 2
            served_first = page.locator("#plan-metrics li", has_text="families served first").inner_text()
            assert "1 / 1" in served_first, served_first
            assert page.locator("#all-assigned").is_visible()
            first = page.locator("table.plan tbody tr").first
            fixed = first.get_attribute("data-student")
            with page.expect_navigation(timeout=180_000):
                first.locator("form.pin button[type=submit]").click()  # its own time: fixed there
            assert "fixed" in page.locator(f"[id='conf-{fixed}']").inner_text()
            walk.check("admin-assignment-preview-en")
        else:
            assert "Horario propuesto" in page.locator("#plan").inner_text()
            walk.check("admin-assignment-preview-es")
            set_language(page, "en")
            page.set_viewport_size(DESK)
        walk.sign_out()

    plan = admin.get("scheduling", f"/windows/{wid}/assignment").json()
    assert plan["pins"] == [{"student_id": fixed, "slot_id": next(
        c["slot_id"] for c in plan["conferences"] if c["student_id"] == fixed)}]
    assert clock() < deadline, "the school's steps must happen before the deadline"
    clock.set(deadline + timedelta(seconds=1))  # every service (and the portal) now reads a time past it
    # The deadline's timer solves once more (families can no longer change anything); the fixed conference holds.
    plan = seed.retry(lambda: admin.get("scheduling", f"/windows/{wid}/assignment"),
                      lambda resp: resp.status_code == 200 and resp.json()["trigger"] == "deadline",
                      what="the plan solved at the deadline").json()
    assert any(c["student_id"] == fixed and c["pinned"] for c in plan["conferences"])

    walk.sign_in(f"dev-school-admin-{seed.SCHOOL}", "school_admin")
    set_language(page, "en")
    walk.go(f"/admin/windows/{wid}/assignment")
    assert page.locator("#publish-form").count() == 1
    with page.expect_navigation(timeout=300_000):
        page.click("#publish-form button[type=submit]")
    assert "Published: 2 conferences are booked" in page.locator(".notice.success").inner_text()
    assert page.locator("#result-bookings").inner_text() == "2 conferences booked"
    assert page.locator("#publish-form").count() == 0
    walk.check("admin-assignment-published-en")
    walk.sign_out()

    # 4. The family's conferences, and each teacher's agenda.
    bookings = seed.retry(lambda: family.get("scheduling", "/bookings"),
                          lambda resp: len(resp.json()["bookings"]) == 2, what="the assigned bookings").json()
    bookings = sorted(bookings["bookings"], key=lambda b: b["start"])
    assert {b["student_id"] for b in bookings} == set(seed.SIBLINGS)
    assert all(b["interpreter_language"] == "es" and b["status"] == "booked" for b in bookings)
    walk.sign_in(seed.GUARDIAN, "guardian")
    set_language(page, "es")
    assert page.locator(".booking.booked").count() == 2
    walk.check("family-home-assigned-es")
    walk.go(f"/family/windows/{wid}/request")
    assert page.locator("#times-h").inner_text() == "Sus conferencias"
    assert page.locator("#request-form").count() == 0  # after the deadline: nothing to change here
    walk.check("family-request-assigned-es")
    walk.sign_out()
    page.set_viewport_size(DESK)
    for b in bookings:
        walk.sign_in(b["teacher_id"], "teacher")
        walk.go(f"/teacher/windows/{wid}/agenda?date={day['date']}")
        assert page.locator(f"li[data-booking='{b['booking_id']}']").is_visible(), page.locator("main").inner_text()
        walk.check(f"teacher-agenda-{b['teacher_id'].rsplit('-', 1)[-1]}")
        walk.sign_out()
    phone.close()
    walk.finish()
