"""Session cookie flags, a CSRF token on every form (and on the portal's own fetch
calls, as the X-CSRF-Token header), and security headers with a strict CSP."""
from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from flask import Response, abort, request, session

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
# Documents from the reports service (progress reports, summaries) carry inline styles
# and SVG, never scripts: shown with their own, tighter policy.
DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox"


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    if request.method in SAFE_METHODS or request.endpoint in ("static", None):
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    expected = session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        abort(400, description="csrf")


def document(upstream) -> Response:
    """A service's document (a report, a summary, a printable schedule) under DOCUMENT_CSP,
    with its own type and file name."""
    kept = {k: v for k, v in upstream.headers.items() if k.lower() in ("content-type", "content-disposition")}
    return Response(upstream.content, headers={**kept, "Content-Security-Policy": DOCUMENT_CSP})


def headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app, settings) -> None:
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="confer_portal",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
    )
    app.before_request(check_csrf)
    app.after_request(headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
