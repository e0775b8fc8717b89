"""Dev sign-in (PORTAL_DEV_LOGIN=1 only): pick a demo person from the roster.

The portal reads the roster with a district-admin token it signs itself (JWT_SECRET,
HS256, exactly like `confer token`), then signs a token for the chosen person. The
roster has no "list people" endpoint, so the list is walked: schools -> classes
(teachers) -> each teacher's students -> each student's guardians.
"""
from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, redirect, render_template, request

from services.common.auth import mint
from services.portal.auth import home_url, safe_next, settings, start_session
from services.portal.client import Api, ApiError

bp = Blueprint("devlogin", __name__, url_prefix="/dev")
ROLES = ("student", "guardian", "teacher", "school_admin", "district_admin")
CACHE_SECONDS = 30
_cache: dict = {}


@bp.before_request
def only_in_dev():
    if not settings().dev_login:
        abort(404)


def _token(sub: str, role: str, school_ids=()) -> str:
    s = settings()
    return mint(s.jwt_secret, sub=sub, role=role, district_id=s.dev_district, school_ids=school_ids,
                ttl=8 * 3600, audience=s.jwt_audience, issuer=s.jwt_issuer)


def _admin_api() -> Api:
    return Api(settings().urls, _token("dev-district-admin", "district_admin"), timeout=settings().api_timeout)


def directory() -> list[dict]:
    """[{school, teachers: [...], students: [...], guardians: [...]}] (cached briefly)."""
    hit = _cache.get("dir")
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    api, out = _admin_api(), []
    for school in api.schools():
        teachers: dict[str, str] = {}
        students: dict[str, dict] = {}
        for cls in api.school_classes(school["id"]):
            for tid in cls.get("teacher_ids", []):
                teachers.setdefault(tid, cls.get("title") or tid)
        for tid in list(teachers)[:40]:
            for st in api.teacher_students(tid):
                students.setdefault(st["id"], st)
        guardians: dict[str, list[str]] = {}
        for sid in list(students)[:120]:
            for gid in api.student(sid).get("guardian_ids", []):
                guardians.setdefault(gid, []).append(sid)
        names = {sid: f"{s['given_name']} {s['family_name']}" for sid, s in students.items()}
        families = sorted(((gid, [names[s] for s in kids]) for gid, kids in guardians.items()),
                          key=lambda item: item[1])
        out.append({"school": school, "teachers": sorted(teachers.items(), key=lambda t: t[1]),
                    "students": sorted(students.values(), key=lambda s: (s.get("grade") or "", s["family_name"])),
                    "guardians": families})
    if out:
        _cache["dir"] = (time.monotonic(), out)
    return out


@bp.get("/login")
def page():
    try:
        schools = directory()
        error = None
    except ApiError as exc:
        schools, error = [], exc.detail or str(exc.status)
    return render_template("auth/dev_login.html", schools=schools, error=error, roles=ROLES,
                           next=safe_next(request.args.get("next")), district=settings().dev_district)


@bp.post("/login")
def sign_in():
    sub = (request.form.get("sub") or "").strip()
    role = request.form.get("role")
    if not sub or role not in ROLES:
        abort(400)
    school_ids: tuple = tuple(filter(None, request.form.getlist("school_id")))
    if role in ("teacher", "school_admin") and not school_ids:
        person = (Api(settings().urls, _token(sub, role)).me().get("person") or {})
        school_ids = tuple(person.get("school_ids") or ())
    data = start_session(_token(sub, role, school_ids))
    current_app.logger.info("dev sign-in %s as %s", sub, role)
    return redirect(safe_next(request.form.get("next")) or home_url(data["role"]))
