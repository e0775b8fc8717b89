"""A season in the browser with the development tools, against the whole system in
development mode (tests/e2e/portal/conftest.py `DevSystem`): every service as gunicorn +
worker processes reading one dev clock, a real SMTP server catching the e-mails, the
portal with the dev sign-in, the dev mail page and the dev clock.

A Spanish-speaking family follows the links inside the e-mails it really received
(invitation, confirmation, parent input request, reminder, follow-up, report ready) and
does what each asks: book, add to calendar, send the form, check in, read the report.
The teacher holds the conference and records the family's goals and the supports; the
clock moves two weeks on; the follow-up is due on the teacher's list; the family checks
in; an admin makes the month's reports (progress bar); the report shows the check-in
and the family's goals. Screenshots (and axe-core on each) in test-artifacts/portal/.

Against `confer dev` instead: `python -m tests.e2e.portal.test_portal_season` (see main).
"""
from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

import pytest
import requests

from tests.e2e.portal.conftest import AXE
from tests.e2e.portal.season_walk import SeasonWalk, walk_season
from tests.e2e.portal.walk import Walk
from tests.e2e.season import District, Season, wait_for

pytestmark = [pytest.mark.timeout(2400)]


def pick_family(season: Season, district: District, lang: str) -> dict:
    """A guardian speaking `lang` with one child, the child's teacher and school."""
    for sid, st in sorted(season.students.items()):
        for gid in st["guardian_ids"]:
            kids = [s for s in season.students.values() if gid in s["guardian_ids"]]
            if len(kids) == 1 and district.email.get(gid) and st["teacher_ids"] and \
                    _language(district, gid) == lang:
                return {"guardian": gid, "child": sid, "teacher": st["teacher_ids"][0], "school_id": st["school_id"],
                        "email": district.email[gid]}
    raise AssertionError(f"no {lang} family with one child in the demo district")


def _language(district: District, person_id: str) -> str:
    with zipfile.ZipFile(district.path) as z:
        rows = {r["sourcedId"]: r for r in csv.DictReader(io.StringIO(z.read("users.csv").decode()))}
    # the file has the SIS's sourcedIds; Confer's ids are district-scoped (services/roster/domain/ids.py)
    return (rows[person_id.split("~", 1)[-1]].get("metadata.preferredLanguage") or "en")[:2]


def test_a_season_walked_in_the_browser_with_the_dev_clock_and_the_real_emails(dev_system, browser, artifacts,
                                                                               tmp_path):
    system = dev_system.system
    district = District(tmp_path / "district.zip", schools=1, students=30)
    season = Season(system, district)
    season.import_district()
    season.discover()
    family = pick_family(season, district, "es")
    guardian = system.client(role="guardian", sub=family["guardian"])
    wait_for(lambda: guardian.get("goals", f"/students/{family['child']}/goals").status_code == 200, 180,
             message="the goals service knows the family")
    zone = season.schools[family["school_id"]]["time_zone"]

    ctx = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-US", accept_downloads=True)
    ctx.add_init_script(path=str(AXE))
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    walk = Walk(page, dev_system.portal_url, artifacts)
    sw = SeasonWalk(page, dev_system.portal_url, artifacts, check=lambda name: walk.check(f"season-{name}"))
    out = walk_season(sw, school_id=family["school_id"], zone=zone, guardian=family["guardian"],
                      email=family["email"], child=family["child"], teacher=family["teacher"], lang="es")

    # The links came from e-mails the SMTP server received (not from the pages).
    mails = [m for m in dev_system.mailbox.list(1000) if m["channel"] == "email" and family["email"] in m["to"]]
    assert {m["lang"] for m in mails} == {"es"}
    sent = {link for m in mails for link in m["links"]}
    for path in (f"/family/windows/{out['window_id']}/book", f"/family/bookings/{out['booking_id']}",
                 f"/family/children/{family['child']}/input", f"/family/children/{family['child']}/check-in",
                 f"/family/children/{family['child']}/report?period={out['period']}"):
        assert dev_system.portal_url + path in sent, path
    ctx.close()
    walk.finish()


def main() -> None:
    """Walk the season against a running `confer dev` (portal on http://127.0.0.1:8000):
    python -m tests.e2e.portal.test_portal_season [es|en] [days ahead] ; screenshots in
    test-artifacts/portal-dev/."""
    from playwright.sync_api import sync_playwright

    from services.common.auth import mint
    from services.common.config import DEV_JWT_SECRET
    from tests.e2e.portal.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

    lang, ahead = (sys.argv[1:] + ["es"])[0], int((sys.argv[2:] + ["3"])[0])
    token = mint(DEV_JWT_SECRET, sub="dev", role="district_admin", district_id="org-district")
    roster = requests.Session()
    roster.headers["Authorization"] = f"Bearer {token}"
    school = roster.get("http://127.0.0.1:8005/schools").json()["items"][0]
    people = roster.get(f"http://127.0.0.1:8005/schools/{school['id']}/people").json()
    bundle = Path(".data/demo-bundle/users.csv")
    emails = {f"org-district~{r['sourcedId']}": r["email"]  # Confer ids are district-scoped
              for r in csv.DictReader(bundle.open())} if bundle.exists() else {}
    g = next(g for g in people["guardians"] if g.get("language") == lang and len(g["child_ids"]) == 1)
    child = roster.get(f"http://127.0.0.1:8005/students/{g['child_ids'][0]}").json()
    shots = ARTIFACTS.parent / "portal-dev"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = b.new_context(viewport={"width": 1000, "height": 900}, accept_downloads=True).new_page()
        page.set_default_timeout(60_000)
        print(walk_season(SeasonWalk(page, "http://127.0.0.1:8000", shots), school_id=school["id"],
                          zone=school["time_zone"], guardian=g["id"], email=emails.get(g["id"], ""),
                          child=child["id"], teacher=child["teacher_ids"][0], lang=lang, days_ahead=ahead))


if __name__ == "__main__":
    main()
