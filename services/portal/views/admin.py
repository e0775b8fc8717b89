"""School and district staff: roster import with its error report, conference windows,
and the participation dashboard with charts (from the reports service)."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from services.portal import charts, forms
from services.portal.auth import api, login_required, settings
from services.portal.client import ApiError
from services.portal.i18n import _
from services.portal.messages import field_problems, refusal
from services.portal.security import document

bp = Blueprint("admin", __name__, url_prefix="/admin")
staff = login_required("school_admin", "district_admin")


@bp.get("/")
@staff
def home():
    return render_template("admin/home.html", schools=api().schools())


@bp.route("/import", methods=["GET", "POST"])
@login_required("district_admin")
def roster_import():
    summary, problem, status = None, None, 200
    if request.method == "POST":
        gradebook = request.form.get("what") == "gradebook"  # the plain results CSV, else the OneRoster bundle
        upload = request.files.get("file")
        if not upload or not upload.filename:
            problem = {"detail": _("Choose the results .csv file first.") if gradebook else
                       _("Choose the OneRoster .zip file first."), "errors": []}
            status = 400
        else:
            call = api().import_gradebook if gradebook else api().import_roster
            try:
                _code, summary = call(upload.filename, upload.stream, request.form.get("partial") == "yes")
            except ApiError as exc:
                if exc.status not in (409, 413, 422):
                    raise
                problem, status = {"detail": exc.detail, "errors": exc.problem.get("errors") or [],
                                   "count": exc.problem.get("error_count")}, 422
    return render_template("admin/import.html", summary=summary, problem=problem), status


def _scope(a) -> tuple[list[dict], str | None, str]:
    """The schools, the school shown (a school admin always has one) and the grouping."""
    schools = a.schools()
    school_id = request.args.get("school_id") or (None if g.user["role"] == "district_admin" else
                                                   (schools[0]["id"] if schools else None))
    return schools, school_id, request.args.get("by") or ("grade" if school_id else "school")


@bp.get("/dashboard")
@staff
def dashboard():
    a = api()
    schools, school_id, by = _scope(a)
    data = a.dashboard(school_id, by)
    return render_template("admin/dashboard.html", data=data, schools=schools, school_id=school_id, by=by,
                           bars=charts.participation(data), goals=charts.goal_progress(data))


@bp.get("/dashboard.csv")
@staff
def dashboard_csv():
    a = api()
    _schools, school_id, by = _scope(a)
    upstream = a.dashboard(school_id, by, fmt="csv")
    return Response(upstream.content, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="participation.csv"'})


@bp.route("/windows", methods=["GET", "POST"])
@staff
def windows():
    a = api()
    schools = a.schools()
    school_id = request.values.get("school_id") or (schools[0]["id"] if schools else None)
    zone = next((s.get("time_zone") for s in schools if s["id"] == school_id), None)
    error, errors, status = None, {}, 200
    if request.method == "POST":
        try:
            a.create_window(forms.window(request.form, zone, settings().now()))
            flash(_("The conference window is created. Teachers can now give their times."), "success")
            return redirect(url_for("admin.windows", school_id=school_id))
        except ApiError as exc:
            error, status = refusal(exc), 422
            errors = field_problems(exc, forms.window_field)
    listing = a.windows(school_id) if school_id else []
    return render_template("admin/windows.html", schools=schools, school_id=school_id, windows=listing,
                           error=error, errors=errors, form=request.form, lengths=forms.SLOT_LENGTHS,
                           modalities=forms.MODALITIES, booking_modes=forms.BOOKING_MODES, zone=zone, travel_gap=forms.TRAVEL_GAP,
                           longest_wait=forms.LONGEST_WAIT), status


@bp.post("/windows/<window_id>/open")
@staff
def open_window(window_id):
    try:
        w = api().open_window(window_id)
        flash(_("Booking is open. Families get their invitations."), "success")
        school_id = w.get("school_id")
    except ApiError as exc:
        flash(refusal(exc), "error")
        school_id = request.form.get("school_id")
    return redirect(url_for("admin.windows", school_id=school_id))


@bp.get("/windows/<window_id>/schedule")
@staff
def schedule(window_id):
    """The printable master schedule of a window (every teacher, every slot)."""
    return document(api().master_schedule(window_id))


PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@bp.route("/reports", methods=["GET", "POST"])
@staff
def reports():
    """Start the progress reports of a school (or the whole district) for a month."""
    a = api()
    schools = a.schools()
    error = None
    if request.method == "POST":
        period = (request.form.get("period") or "").strip()
        school_id = request.form.get("school_id") or None
        if g.user["role"] == "school_admin" and not school_id:
            school_id = schools[0]["id"] if schools else None
        if not PERIOD.match(period):
            error = _("Choose a month.")
        else:
            try:
                job = a.create_report_job(period, school_id, request.form.get("format") or "html")
                return redirect(url_for("admin.report_job", job_id=job["id"]))
            except ApiError as exc:
                error = refusal(exc, (403, 409, 422))
    return render_template("admin/reports.html", schools=schools, error=error,
                           period=request.form.get("period") or settings().now().strftime("%Y-%m")), \
        (422 if error else 200)


@bp.get("/reports/<job_id>")
@staff
def report_job(job_id):
    """The batch's progress (the page refreshes itself while it runs) and its result."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,100}", job_id):
        abort(404)
    job = api().report_job(job_id)
    schools = {s["id"]: s["name"] for s in api().schools()}
    return render_template("admin/report_job.html", job=job, school=schools.get(job.get("school_id")),
                           running=job["status"] in ("queued", "running"))
