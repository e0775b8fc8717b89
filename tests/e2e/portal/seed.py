"""Test data for the portal walk: a tiny demo district imported through the roster
API, and a conference window opened through the scheduling API by a school admin."""
from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from services.roster.adapters.demo.district import generate

DISTRICT = "org-district"
# Confer ids: the demo's sourcedIds in the district's namespace (services/roster/domain/ids.py).
SCHOOL = f"{DISTRICT}~sch-001"
GUARDIAN = f"{DISTRICT}~grd-000007"               # Andrés Gutiérrez, Spanish at home
SIBLINGS = (f"{DISTRICT}~stu-000010", f"{DISTRICT}~stu-000017")  # Henry (grade 3), Sebastián (grade 7)
TEACHERS = {SIBLINGS[0]: f"{DISTRICT}~tch-000004", SIBLINGS[1]: f"{DISTRICT}~tch-000008"}
# A zone where it is daytime now, so today's conference day fits before midnight.
ZONES = ("America/Los_Angeles", "America/New_York", "Europe/London", "Asia/Kolkata", "Asia/Tokyo",
         "Australia/Sydney", "Pacific/Honolulu")


def daytime_zone(now: datetime) -> str:
    for zone in ZONES:
        if 6 <= now.astimezone(ZoneInfo(zone)).hour < 19:
            return zone
    return "Pacific/Honolulu"


def _rewrite(files: dict[str, bytes], name: str, change) -> None:
    rows = list(csv.DictReader(io.StringIO(files[name].decode("utf-8"))))
    header = list(rows[0].keys())
    for row in rows:
        change(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    files[name] = out.getvalue().encode("utf-8")


def bundles(folder: Path, zone: str) -> tuple[Path, Path]:
    """(good.zip, bad.zip): the demo district (1 school, 20 students) in `zone`, and a
    copy with two broken rows for the error report."""
    src = folder / "demo"
    generate(str(src), schools=1, students=20)
    files = {p.name: p.read_bytes() for p in src.iterdir() if p.is_file()}

    def tz(row):
        if row["type"] in ("school", "district"):
            row["metadata.timezone"] = zone
    _rewrite(files, "orgs.csv", tz)
    good = _zip(folder / "good.zip", files)

    def breaks(row):
        if row["sourcedId"] == "stu-000005":
            row["role"] = "wizard"
        if row["sourcedId"] == "tch-000002":
            row["orgSourcedIds"] = "sch-nowhere"
    bad_files = dict(files)
    _rewrite(bad_files, "users.csv", breaks)
    return good, _zip(folder / "bad.zip", bad_files)


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def picture(folder: Path) -> Path:
    """A small PNG work sample."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 140, 100), outline="navy", width=4)
    path = folder / "poster.png"
    image.save(path)
    return path


def retry(call, ok, timeout: float = 180.0, what: str = "request"):
    deadline = time.monotonic() + timeout
    while True:
        resp = call()
        if ok(resp):
            return resp
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: {resp.status_code} {resp.text[:500]}")
        time.sleep(0.5)


def wait_for_roster(system) -> None:
    """The roster's events reached goals and scheduling (their projections know the family)."""
    family = system.client(role="guardian", sub=GUARDIAN, district_id=DISTRICT)
    for sid in SIBLINGS:
        retry(lambda: family.get("goals", f"/students/{sid}/goals"), lambda r: r.status_code == 200,
              what=f"goals projection of {sid}")


def open_window(system, zone: str, *, minutes_ahead: int = 2, slot_minutes: int = 30) -> tuple[dict, str]:
    """A window for today starting in a few minutes (so a conference can be held during
    the test), on a grid without gaps, with the default travel gap and longest wait, and
    the cycle named by the service. Returns (window, the school admin's token-bound client)."""
    admin = system.client(role="school_admin", sub="adm-000002", district_id=DISTRICT, school_ids=(SCHOOL,))
    now = datetime.now(timezone.utc)
    local = now.astimezone(ZoneInfo(zone))
    start = (local + timedelta(minutes=minutes_ahead + 1)).replace(second=0, microsecond=0)
    end = min(start + timedelta(hours=3), local.replace(hour=23, minute=45, second=0, microsecond=0))
    body = {"school_id": SCHOOL, "name": "Goal conferences",
            "days": [{"date": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}],
            "slot_minutes": slot_minutes, "policy": "per_household", "booking_opens_at": (now - timedelta(hours=1)).isoformat(),
            "booking_closes_at": (now + timedelta(days=1)).isoformat(), "cancellation_cutoff_hours": 0}
    window = retry(lambda: admin.post("scheduling", "/windows", json=body), lambda r: r.status_code == 201,
                   what="create window").json()
    return window, admin


def publish(admin, window: dict, teacher_id: str, room: str | None = "12") -> None:
    day = window["days"][0]
    body = {"room": room, "ranges": [{"date": str(day["date"]), "start": str(day["start"])[:5],
                                      "end": str(day["end"])[:5]}]}
    retry(lambda: admin.put("scheduling", f"/windows/{window['window_id']}/availability/{teacher_id}", json=body),
          lambda r: r.status_code == 200, what=f"availability of {teacher_id}")
