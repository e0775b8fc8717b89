"""The front door: the landing page, the language switcher, files of work samples,
and the probes."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, render_template, request, session, stream_with_context

from services.portal.auth import api, home_url, login_required, safe_next, settings, user
from services.portal.client import Api, ApiError
from services.portal.config import LANGUAGES

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    if user():
        return redirect(home_url())
    return render_template("home.html", dev_login=settings().dev_login, oidc=settings().oidc_enabled)


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        if user():
            session["user"] = {**user(), "lang": lang}
            try:
                api().save_language(lang)  # remembered for next time, and for messages
            except ApiError:
                pass
    return redirect(safe_next(request.form.get("next")) or "/")


@bp.get("/evidence/<evidence_id>/file")
@login_required()
def evidence_file(evidence_id):
    """A work sample's file, streamed from the goals service (which checks who may see it)."""
    upstream = api().evidence_file(evidence_id)
    headers = {k: v for k, v in upstream.headers.items()
               if k.lower() in ("content-type", "content-length", "content-disposition")}
    headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return Response(stream_with_context(upstream.iter_content(64 * 1024)), headers=headers)


@bp.get("/calendar/<token>.ics")
def calendar_feed(token):
    """A teacher's conferences for calendar apps, behind its secret link (no sign-in: a
    calendar app cannot; the link is the key, checked by the scheduling service)."""
    upstream = Api(settings().urls, None, timeout=settings().api_timeout).subscribed_feed(token)
    return Response(upstream.content, mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300"})


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok", service="portal")


@bp.get("/readyz")
def readyz():
    checks = {}
    for name, url in settings().urls.items():
        try:
            Api({name: url}, None, timeout=2).get(name, "/healthz")
            checks[name] = "ok"
        except ApiError as exc:
            checks[name] = f"down: {exc.status}"
    ok = checks.get("roster") == "ok"
    return jsonify(status="ready" if ok else "not ready", checks=checks), (200 if ok else 503)
