"""Who is signed in. Sign-in (the district IdP over OpenID Connect, or the dev page)
ends in `start_session(token)`: the portal asks the roster who the token belongs to
and keeps the token, the role and the language in the session cookie (signed,
HttpOnly, Secure, SameSite=Lax). Every service call then carries that token."""
from __future__ import annotations

import secrets
from functools import wraps

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for

from services.portal.client import Api, ApiError
from services.portal.i18n import _

bp = Blueprint("auth", __name__)

HOME_BY_ROLE = {"guardian": "family.home", "student": "student.home", "teacher": "teacher.home",
                "school_admin": "admin.home", "district_admin": "admin.home"}


def settings():
    return current_app.extensions["portal"]["settings"]


def user() -> dict | None:
    return session.get("user")


def api(token: str | None = None) -> Api:
    """The services as the signed-in person (or as `token`)."""
    tok = token or (user() or {}).get("token")
    return Api(settings().urls, tok, timeout=settings().api_timeout)


def display_name(person: dict | None) -> str:
    if not person:
        return ""
    return f"{person.get('preferred_name') or person.get('given_name') or ''} {person.get('family_name') or ''}".strip()


def preferred_language(a: Api, person: dict) -> str | None:
    """The language the person chose (notifications preferences), else the roster's."""
    try:
        chosen = (a.preferences() or {}).get("language")
    except ApiError:  # notifications down or no preferences yet: the roster's language
        chosen = None
    return chosen or person.get("language")


def start_session(token: str) -> dict:
    a = api(token)
    me = a.me()
    principal, person = me["principal"], me.get("person") or {}
    data = {
        "token": token, "sub": principal["sub"], "role": principal["role"],
        "district_id": principal.get("district_id"), "school_ids": principal.get("school_ids") or [],
        "name": display_name(person) or principal["sub"], "lang": preferred_language(a, person),
        "schools": {s["id"]: {"name": s.get("name"), "tz": s.get("time_zone")} for s in me.get("schools", [])[:20]},
    }
    session.clear()  # a new session id; the switcher's choice before sign-in gives way to the person's
    session.permanent = True
    session["user"] = data
    session["csrf"] = secrets.token_urlsafe(32)
    return data


def school_zone(school_id: str | None) -> str | None:
    """The IANA zone of one of the signed-in person's schools (kept at sign-in)."""
    return (((user() or {}).get("schools") or {}).get(school_id or "") or {}).get("tz")


def home_url(role: str | None = None) -> str:
    role = role or (user() or {}).get("role")
    return url_for(HOME_BY_ROLE.get(role, "auth.login"))


def login_required(*roles: str):
    """Signed in (else through sign-in and back here), and (when given) in one of
    `roles`. Anyone else gets "not found": a link meant for someone else shows nothing
    of theirs, not even that the page exists, and offers to sign in as another person."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            u = user()
            if not u:
                return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
            if roles and u["role"] not in roles:
                return render_template("errors/error.html", status=404, switch_account=True,
                                       message=_("We could not find that page, or it is not yours to see.")), 404
            g.user = u
            return view(*args, **kwargs)
        return wrapped
    return decorator


def safe_next(value: str | None) -> str | None:
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return None


@bp.get("/login")
def login():
    s = settings()
    if s.oidc_enabled:
        return redirect(url_for("auth.oidc_start", next=request.args.get("next")))
    if s.dev_login:
        return redirect(url_for("devlogin.page", next=request.args.get("next")))
    return render_template("auth/login.html"), 503


@bp.get("/login/oidc")
def oidc_start():
    from services.portal import oidc

    session["next"] = safe_next(request.args.get("next"))
    return oidc.client().authorize_redirect(url_for("auth.oidc_callback", _external=True))


@bp.get("/login/oidc/callback")
def oidc_callback():
    from services.portal import oidc

    nxt = session.pop("next", None)
    try:
        token = oidc.access_token()
    except oidc.SignInFailed as exc:
        current_app.logger.warning("OIDC sign-in failed: %s", exc)
        return render_template("errors/error.html", status=400,
                               message=_("Sign-in did not work. Please try again.")), 400
    data = start_session(token)
    return redirect(safe_next(nxt) or home_url(data["role"]))


@bp.post("/logout")
def logout():
    """Sign out; with `next`, straight to sign-in and back to that page (a link that was
    meant for another person of the household)."""
    lang, nxt = session.get("lang"), safe_next(request.form.get("next"))
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login", next=nxt) if nxt else url_for("home.index"))
