"""Blueprints per audience, and the error pages every one of them shares."""
from __future__ import annotations

import time

from flask import Response, g, redirect, render_template, request, session, url_for

from services.common import logs, metrics
from services.portal.client import ApiError, ServiceDown
from services.portal.i18n import _


def init_app(app, settings) -> None:
    from services.portal import auth, devlogin, devtools
    from services.portal.views import (  # noqa: F401
        admin, admin_assignment, family, family_booking, family_request, home, me, student, teacher,
    )

    for bp in (auth.bp, home.bp, me.bp, family.bp, student.bp, teacher.bp, admin.bp):
        app.register_blueprint(bp)
    if settings.dev_login:
        app.register_blueprint(devlogin.bp)
    if settings.dev_tools:  # the dev mail page and the dev clock: development mode only
        app.register_blueprint(devtools.bp)
    app.context_processor(lambda: {"unread_count": me.unread_count, "dev_tools": settings.dev_tools,
                                   "dev_login": settings.dev_login})
    _hooks(app)
    _errors(app)


def _hooks(app) -> None:
    @app.before_request
    def start():
        g.started = time.perf_counter()
        g.correlation_id = logs.bind_correlation(request.headers.get("X-Correlation-ID"), service="portal",
                                                 path=request.path)

    @app.after_request
    def done(response):
        rule = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.HTTP_LATENCY.labels("portal", request.method, rule, str(response.status_code)).observe(
            time.perf_counter() - g.get("started", time.perf_counter()))
        response.headers["X-Correlation-ID"] = g.get("correlation_id", "")
        return response

    @app.get("/metrics")
    def metrics_view():
        body, ctype = metrics.render()
        return Response(body, headers={"Content-Type": ctype})


def _page(status: int, message: str, title: str | None = None):
    return render_template("errors/error.html", status=status, message=message, title=title), status


def _errors(app) -> None:
    @app.errorhandler(ServiceDown)
    def down(exc):
        logs.get("confer.portal").warning("service unavailable", service=exc.service, detail=exc.detail)
        resp = _page(503, _("Part of Confer is not answering right now. Please try again in a minute."))
        return resp[0], 503, {"Retry-After": "5"}

    @app.errorhandler(ApiError)
    def api_error(exc):
        if exc.status == 401:
            session.pop("user", None)
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        if exc.status == 404:
            return _page(404, _("We could not find that page, or it is not yours to see."))
        if exc.status == 403:
            return _page(403, _("Your account may not do this."))
        logs.get("confer.portal").warning("service error", service=exc.service, status=exc.status, detail=exc.detail)
        return _page(502 if exc.status >= 500 else 400, exc.detail or _("Something went wrong."))

    @app.errorhandler(400)
    def bad_request(exc):
        if getattr(exc, "description", "") == "csrf":
            return _page(400, _("This form is too old. Please go back, reload the page and try again."))
        return _page(400, _("Something in the request was not right."))

    @app.errorhandler(404)
    def not_found(exc):
        return _page(404, _("We could not find that page, or it is not yours to see."))

    @app.errorhandler(413)
    def too_large(exc):
        return _page(413, _("That file is too big."))

    @app.errorhandler(500)
    def server_error(exc):
        return _page(500, _("Something went wrong on our side."))
