"""Dev sign-in (CONFER_DEV_MODE=1 and PORTAL_DEV_LOGIN=1 only): pick a demo person from the roster.

The portal reads the roster with a district-admin token it signs itself (JWT_SECRET,
HS256, exactly like `confer token`), then signs a token for the chosen person. The list
is one roster call per school (`GET /schools/<id>/people`); it is kept for a minute and
then refreshed in the background while the page keeps answering from the copy it has.
"""
from __future__ import annotations

import threading
import time

from flask import Blueprint, abort, current_app, redirect, render_template, request

from services.common.auth import mint
from services.portal.auth import home_url, safe_next, settings, start_session
from services.portal.client import Api, ApiError

bp = Blueprint("devlogin", __name__, url_prefix="/dev")
ROLES = ("student", "guardian", "teacher", "school_admin", "district_admin")
CACHE_SECONDS = 60
_cache: dict = {}
_refreshing = threading.Lock()


@bp.before_request
def only_in_dev():
    if not (settings().dev_login and settings().dev_mode):
        abort(404)


def _token_for(s, sub: str, role: str, school_ids=()) -> str:
    return mint(s.jwt_secret, sub=sub, role=role, district_id=s.dev_district, school_ids=school_ids,
                ttl=8 * 3600, audience=s.jwt_audience, issuer=s.jwt_issuer)


def _token(sub: str, role: str, school_ids=()) -> str:
    return _token_for(settings(), sub, role, school_ids)


def _admin_api() -> Api:
    return Api(settings().urls, _token("dev-district-admin", "district_admin"), timeout=settings().api_timeout)


def _build(api: Api) -> list[dict]:
    out = []
    for school in api.schools():
        people = api.school_people(school["id"])
        names = {s["id"]: f"{s['given_name']} {s['family_name']}" for s in people["students"]}
        teachers = [(t["id"], f"{t.get('given_name', '')} {t.get('family_name', '')}".strip() + " · " +
                     ", ".join(t.get("classes", [])[:2])) for t in people["teachers"]]
        families = sorted(((g["id"], ", ".join(names[c] for c in g["child_ids"] if c in names))
                           for g in people["guardians"]), key=lambda item: item[1])
        out.append({"school": school, "teachers": sorted(teachers, key=lambda t: t[1]),
                    "students": sorted(people["students"], key=lambda s: (s.get("grade") or "", s["family_name"])),
                    "guardians": families})
    return out


def _key(s) -> tuple:
    return s.urls["roster"], s.dev_district  # one portal process may serve several test systems


def _refresh(settings_) -> None:
    try:
        api = Api(settings_.urls, _token_for(settings_, "dev-district-admin", "district_admin"),
                  timeout=settings_.api_timeout)
        out = _build(api)
        if out:
            _cache[_key(settings_)] = (time.monotonic(), out)
    except ApiError:
        pass  # the page keeps the copy it has; the next visit tries again
    finally:
        _refreshing.release()


def directory() -> list[dict]:
    """[{school, teachers: [...], students: [...], guardians: [...]}]: built once, then
    answered from the copy while a background refresh runs after CACHE_SECONDS."""
    hit = _cache.get(_key(settings()))
    if hit:
        if time.monotonic() - hit[0] >= CACHE_SECONDS and _refreshing.acquire(blocking=False):
            threading.Thread(target=_refresh, args=(settings(),), daemon=True, name="dev-login-refresh").start()
        return hit[1]
    out = _build(_admin_api())
    if out:
        _cache[_key(settings())] = (time.monotonic(), out)
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
