"""A conference season in the browser, as the people do it, with the development pages
a newcomer uses: the dev mail page (what was sent, with its links) and the dev clock.

Used by tests/e2e/portal/test_portal_season.py against the whole system, and runnable
against `confer dev` (see that test's module docstring). Every step goes through the
portal's pages; the messages' links are followed from the e-mails the SMTP catcher
received (the dev mail page lists them), signing in as the recipient when asked.
"""
from __future__ import annotations

import re
import time

from urllib.parse import quote

import requests
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo


class SeasonWalk:
    def __init__(self, page, base: str, shots: Path, check=None):
        self.page, self.base, self.shots = page, base.rstrip("/"), Path(shots)
        self.count = 0
        self.check = check  # e.g. walk.Walk.check (axe-core + screenshot); else a screenshot

    # -- plumbing ---------------------------------------------------------------------
    def shot(self, name: str) -> None:
        self.page.wait_for_load_state("load")
        if self.check:
            self.check(name)
            return
        self.count += 1
        self.page.screenshot(path=str(self.shots / f"{self.count:02d}-{name}.png"), full_page=True)

    def go(self, path: str):
        return self.page.goto(path if path.startswith("http") else self.base + path)

    def submit(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)

    def sign_in(self, sub: str, role: str) -> None:
        if self.page.locator(".signout").count():
            self.sign_out()
        self.go("/dev/login")
        self.submit(f'button[data-sub="{sub}"][data-role="{role}"]')

    def sign_out(self) -> None:
        self.submit(".signout button[type=submit]")

    def sign_in_here(self, sub: str, role: str) -> None:
        """On the sign-in page a link sent us to: pick the person; back to the link's page."""
        assert "/dev/login" in self.page.url, f"expected the sign-in page, got {self.page.url}"
        self.submit(f'button[data-sub="{sub}"][data-role="{role}"]')

    def main_text(self) -> str:
        return self.page.locator("main").inner_text()

    def main_text_or_body(self) -> str:
        """A document page (a printable schedule) has no portal <main>."""
        main = self.page.locator("main")
        return main.inner_text() if main.count() else self.page.locator("body").inner_text()

    # -- the development pages -------------------------------------------------------
    def now(self) -> datetime:
        self.go("/dev/clock")
        return datetime.fromisoformat(self.page.locator("#dev-now").get_attribute("data-iso"))

    def advance_to(self, when: datetime) -> datetime:
        """Move the dev clock forward (whole hours) until it is at least `when`."""
        hours = max(1, int((when - self.now()).total_seconds() // 3600) + 1)
        self.page.fill("#amount", str(hours))
        self.page.select_option("#unit", "hours")
        self.submit("#clock-form button[type=submit]")
        assert self.page.locator(".notice.success").count() == 1, self.main_text()
        return datetime.fromisoformat(self.page.locator("#dev-now").get_attribute("data-iso"))

    def sent_links(self, pattern: str, *, channel: str = "email", to: str | None = None,
                   timeout: float = 180.0) -> list[str]:
        """Links (newest message first) matching `pattern` in messages sent on `channel`
        (to `to`, an address or a person id), from the dev mail page; waits for them."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            self.go(f"/dev/mail?channel={channel}" + (f"&to={quote(to)}" if to else ""))
            found = []
            for item in self.page.locator("#sent li.message").all():
                if to and to.lower() not in (item.get_attribute("data-to") or "").lower().split(","):
                    continue
                found += [a.get_attribute("href") for a in item.locator(".links a").all()
                          if rx.search(a.get_attribute("href") or "")]
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"no {channel} message with a link like {pattern!r} to {to}")
            time.sleep(2)

    def follow(self, link: str, sub: str, role: str) -> None:
        """Open a message's link as its recipient: through sign-in when needed, back to it."""
        self.go(link)
        if "/dev/login" in self.page.url:
            self.sign_in_here(sub, role)
        path = re.sub(r"^https?://[^/]+", "", link).split("#")[0]
        assert self.page.url.split("#")[0].endswith(path), f"{link} led to {self.page.url}"

    # -- the season's steps -------------------------------------------------------------
    def open_window(self, school_id: str, day, teacher_id: str, *, slot_minutes: int = 20) -> str:
        """A district admin makes the window, the teacher gives times, the admin opens it."""
        self.sign_in("dev-district-admin", "district_admin")
        self.go(f"/admin/windows?school_id={school_id}")
        self.page.fill("#name", f"Fall conferences {day}")
        self.page.fill("#day_0", day.isoformat())
        self.page.fill("#day_0_start", "15:00")
        self.page.fill("#day_0_end", "18:00")
        self.page.select_option("#slot_minutes", str(slot_minutes))
        self.submit("form.stack.card button[type=submit]")
        window_id = self.page.locator("section.card h2").last.get_attribute("id")[2:]
        self.sign_in(teacher_id, "teacher")
        self.go(f"/teacher/windows/{window_id}/availability")
        self.page.fill("#room", "12")
        self.submit("form.stack button[type=submit]")
        assert self.page.locator(".notice.success").count() == 1, self.main_text()
        self.shot("teacher-times")
        self.sign_in("dev-district-admin", "district_admin")
        self.go(f"/admin/windows?school_id={school_id}")
        self.submit(f"#w-{window_id} ~ form button[type=submit]")
        assert self.page.locator(".notice.success").count() == 1, self.main_text()
        self.shot("admin-window-open")
        self.sign_out()
        return window_id


def school_day(now: datetime, zone: str, days: int):
    return (now.astimezone(ZoneInfo(zone)) + timedelta(days=days)).date()


FAMILY_GOAL = {"en": "Read together for 20 minutes every night", "es": "Leer juntos 20 minutos cada noche"}
SUPPORT = {"en": "A reading log checked every Friday", "es": "Un registro de lectura revisado cada viernes"}


def walk_season(sw: SeasonWalk, *, school_id: str, zone: str, guardian: str, email: str, child: str,
                teacher: str, lang: str, days_ahead: int = 3) -> dict:
    """Book from the invitation, confirm and remind, hold the conference and record the
    family's goals, two weeks on the follow-up, the check-in, the report. Returns ids."""
    words = {"es": {"saved": "Gracias", "held": "Realizada"}, "en": {"saved": "Thank you", "held": "Held"}}[lang]
    start_now = sw.now()
    day = school_day(start_now, zone, days_ahead)
    window_id = sw.open_window(school_id, day, teacher)

    # The invitation e-mail: its link books (through sign-in, back to the booking page).
    [invite, *_] = sw.sent_links(rf"/family/windows/{window_id}/book$", to=email)
    sw.follow(invite, guardian, "guardian")
    assert sw.page.locator("html").get_attribute("lang") == lang
    sw.page.check(f'input[name=student_id][value="{child}"]')  # quoted: ids carry "~"
    for other in sw.page.locator("input[name=student_id]").all():
        if other.get_attribute("value") != child:
            other.uncheck()
    sw.shot(f"{lang}-family-book-from-invitation")
    sw.submit("form.stack button[type=submit]")
    booking_id = sw.page.locator(f".booking.booked").first.get_attribute("data-booking")
    sw.shot(f"{lang}-family-booked")

    # The confirmation: its link opens the booking, which adds to the calendar.
    [confirm, *_] = sw.sent_links(rf"/family/bookings/{booking_id}$", to=email)
    sw.follow(confirm, guardian, "guardian")
    with sw.page.expect_download() as dl:
        sw.page.click("a[href$='/calendar.ics']")
    ics = Path(dl.value.path()).read_text()
    assert "BEGIN:VEVENT" in ics and booking_id in ics, ics
    sw.shot(f"{lang}-family-booking-page")

    # The parent input request: its link opens the form.
    [form, *_] = sw.sent_links(rf"/family/children/{child}/input$", to=email)
    sw.follow(form, guardian, "guardian")
    sw.page.fill("#hopes", "More confidence in reading." if lang == "en" else "Más confianza al leer.")
    sw.page.fill("#goals_for_child", FAMILY_GOAL[lang])
    sw.submit("#parent-input button[type=submit]")
    assert words["saved"] in sw.page.locator(".notice.success").inner_text()

    # A day before: the reminder, whose link opens the booking.
    start = datetime.combine(day, datetime.strptime("15:00", "%H:%M").time(), ZoneInfo(zone))
    sw.advance_to(start - timedelta(hours=23))
    [remind, *_] = sw.sent_links(rf"/family/bookings/{booking_id}$", to=email, timeout=240)
    sw.follow(remind, guardian, "guardian")
    sw.shot(f"{lang}-family-reminded")

    # The conference: the teacher records it held, with the family's goals and supports.
    sw.advance_to(start + timedelta(minutes=30))
    sw.sign_in(teacher, "teacher")
    sw.go(f"/teacher/windows/{window_id}/agenda?date={day}")
    item = sw.page.locator(f"li[data-booking='{booking_id}']")
    with sw.page.expect_navigation():
        item.locator("a.outcome").click()
    assert FAMILY_GOAL[lang] in sw.page.locator("#family_goals").input_value()  # from the parent input form
    sw.page.fill("#supports", SUPPORT[lang])
    next_checkin = sw.page.locator("#next_checkin_on").input_value()
    sw.shot("teacher-outcome")
    sw.submit("#outcome-form button[type=submit]")
    assert "held" in (sw.page.locator(f"li[data-booking='{booking_id}']").get_attribute("class") or "") or \
        "/packet" in sw.page.url, sw.page.url
    # The teacher's calendar link works in a calendar app (no sign-in); the printable schedule.
    sw.go("/teacher/")
    sw.submit("#calendar form button[type=submit]")
    feed = requests.get(sw.page.locator("#feed-url").input_value(), timeout=60)
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar"), feed.text[:300]
    assert feed.text.count("BEGIN:VEVENT") >= 1
    sw.shot("teacher-calendar-link")
    sw.go(f"/teacher/windows/{window_id}/schedule")
    assert "held" in sw.main_text_or_body()  # the conference, marked held, on the printable schedule
    sw.sign_in(guardian, "guardian")
    home = sw.main_text()
    assert FAMILY_GOAL[lang] in home and SUPPORT[lang] in home, home  # the summary, not "still to book"
    assert sw.page.locator(f".booking.held[data-booking='{booking_id}']").count() == 1
    sw.shot(f"{lang}-family-home-after-conference")

    # Two weeks on: the follow-up is due (teacher's list), the family's link checks in.
    sw.advance_to(datetime.combine(datetime.fromisoformat(next_checkin).date(),
                                   datetime.strptime("08:30", "%H:%M").time(), ZoneInfo(zone)))
    [follow, *_] = sw.sent_links(rf"/family/children/{child}/check-in$", to=email, timeout=240)
    sw.sign_in(teacher, "teacher")
    sw.go("/teacher/follow-ups")
    assert sw.page.locator(f"#follow-ups-open tr[data-student='{child}']").count() == 1, sw.main_text()
    sw.shot("teacher-follow-ups-due")
    sw.sign_out()
    sw.follow(follow, guardian, "guardian")
    goal = sw.page.locator("article.goal", has_text=FAMILY_GOAL[lang])
    goal.locator("input[name=status][value=on_track]").check()
    goal.locator("textarea[name=note]").fill("We read every night." if lang == "en" else "Leemos cada noche.")
    sw.shot(f"{lang}-family-check-in")
    with sw.page.expect_navigation():
        goal.locator("button[type=submit]").click()
    assert words["saved"] in sw.page.locator(".notice.success").inner_text()
    sw.sign_in(teacher, "teacher")
    sw.go("/teacher/follow-ups")
    assert sw.page.locator(f"#follow-ups-open tr[data-student='{child}']").count() == 0

    # The progress report: an admin makes the month's reports; the family's link reads it.
    period = sw.now().astimezone(ZoneInfo(zone)).strftime("%Y-%m")
    sw.sign_in("dev-district-admin", "district_admin")
    sw.go("/admin/reports")
    sw.page.fill("#period", period)
    sw.page.select_option("#school_id", school_id)
    sw.submit("#report-batch button[type=submit]")
    # The page refreshes itself while the batch runs (the progress bar moves).
    sw.page.wait_for_selector("#job[data-status=done]", timeout=300_000)
    sw.shot("admin-report-batch-done")
    sw.sign_out()
    [report, *_] = sw.sent_links(rf"/family/children/{child}/report\?period={period}$", to=email, timeout=600)
    sw.follow(report, guardian, "guardian")
    doc = sw.page.frame_locator("iframe.document").locator("body")
    text = doc.inner_text()
    assert FAMILY_GOAL[lang] in text and SUPPORT[lang] in text, text
    assert ("on track" if lang == "en" else "en camino") in text.lower(), text  # the check-in
    sw.shot(f"{lang}-family-report")
    return {"window_id": window_id, "booking_id": booking_id, "period": period}
