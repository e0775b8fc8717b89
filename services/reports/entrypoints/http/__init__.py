"""The reports API.

    GET  /students/<id>/reports/<period>?format=html|pdf&lang=   who may see the child
    GET  /reports/<report_id>?format=html|pdf                     a batch-rendered report
    GET  /conferences/<booking_id>/summary?audience=family|teacher
    GET  /dashboards/district?by=school|grade|teacher&format=json|html|csv   district admin
    GET  /dashboards/schools/<id>?by=grade|teacher&format=json|html|csv     school staff
    POST /report-jobs {period, school_id?, format?}  -> 202 + Location   school / district admin
    GET  /report-jobs/<id>                                               status and progress
"""
from __future__ import annotations

import gzip

from flask import Response, request, url_for
from flask_smorest import Blueprint

from services.common.service import get_store
from services.common.web import current_principal
from services.reports.application import jobs
from services.reports.application import reports as services
from services.reports.application.dashboard import render_dashboard_html, to_csv
from services.reports.application.facts import rows_for_csv
from services.reports.entrypoints.http.schemas import (
    DashboardOut, DistrictDashboardQuery, JobIn, JobOut, ReportQuery, SchoolDashboardQuery, StoredReportQuery,
    SummaryQuery,
)

blp = Blueprint("reports", __name__, description="Progress reports, conference summaries, dashboards, batch jobs")


def ctx():
    return get_store(), current_principal()


def _document(content, fmt: str, filename: str) -> Response:
    resp = Response(content, mimetype=services.MIMETYPES[fmt])
    if fmt != "html":
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@blp.route("/students/<student_id>/reports/<period>", methods=["GET"])
@blp.arguments(ReportQuery, location="query")
@blp.response(200, content_type="text/html")
@blp.alt_response(200, content_type="application/pdf", success=True, description="with format=pdf")
def student_report(query, student_id, period):
    """A student's progress report for a month (e.g. 2026-11), in the family's language."""
    content = services.student_report(*ctx(), student_id, period, query["format"], query["lang"])
    return _document(content, query["format"], f"report-{student_id}-{period}")


@blp.route("/reports/<report_id>", methods=["GET"])
@blp.arguments(StoredReportQuery, location="query")
@blp.response(200, content_type="text/html")
def stored_report(query, report_id):
    """A report rendered by a batch job (the link sent with ReportReady)."""
    content, fmt, encoding = services.stored_report(*ctx(), report_id, query["format"])
    if encoding == "gzip" and "gzip" not in request.accept_encodings:
        content, encoding = gzip.decompress(content), None
    resp = _document(content, fmt, report_id)
    if encoding:
        resp.headers["Content-Encoding"] = encoding
    resp.headers["Vary"] = "Accept-Encoding"
    return resp


@blp.route("/conferences/<booking_id>/summary", methods=["GET"])
@blp.arguments(SummaryQuery, location="query")
@blp.response(200, content_type="text/html")
def conference_summary(query, booking_id):
    """The conference's outcome for the family or (staff only) the teacher."""
    return _document(services.conference_summary(*ctx(), booking_id, query["audience"], query["lang"]), "html",
                     booking_id)


def _dashboard(summary: dict, query: dict, title: str | None = None):
    if query["format"] == "csv":
        return _document(to_csv(rows_for_csv(summary)), "csv", "dashboard")
    if query["format"] == "html":
        return _document(render_dashboard_html(summary, lang=query["lang"] or "en", title=title), "html", "dashboard")
    return DashboardOut().dump(summary)


@blp.route("/dashboards/district", methods=["GET"])
@blp.arguments(DistrictDashboardQuery, location="query")
@blp.response(200, DashboardOut)
def district_dashboard(query):
    """Invitations, bookings, conferences, goals and follow-ups across the district."""
    return _dashboard(services.district_dashboard(*ctx(), by=query["by"]), query)


@blp.route("/dashboards/schools/<school_id>", methods=["GET"])
@blp.arguments(SchoolDashboardQuery, location="query")
@blp.response(200, DashboardOut)
def school_dashboard(query, school_id):
    """One school by grade or teacher (a teacher sees their own students' counts)."""
    return _dashboard(services.school_dashboard(*ctx(), school_id, by=query["by"]), query)


@blp.route("/report-jobs", methods=["POST"])
@blp.arguments(JobIn)
@blp.response(202, JobOut)
def create_job(body):
    """Queue every student's report for a school or the district; the worker runs it."""
    job = jobs.create_job(*ctx(), period=body["period"], school_id=body["school_id"], fmt=body["format"])
    return jobs.job_view(job), 202, {"Location": url_for("reports.get_job", job_id=job["_id"])}


@blp.route("/report-jobs/<job_id>", methods=["GET"])
@blp.response(200, JobOut)
def get_job(job_id):
    """A job's status and progress."""
    return jobs.job_view(jobs.get_job(*ctx(), job_id))


def blueprints() -> list:
    return [blp]
