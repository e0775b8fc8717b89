"""Teacher pages: conference windows and my availability, the agenda per day and slot,
the student's packet, recording the outcome, and the class overview of goals."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from services.portal import forms
from services.portal.auth import api, login_required, safe_next, school_zone
from services.portal.client import ApiError
from services.portal.i18n import _, ngettext
from services.portal.messages import field_problems, problem_message

bp = Blueprint("teacher", __name__, url_prefix="/teacher")
teacher = login_required("teacher")


def _windows(a) -> list[dict]:
    out = []
    for school_id in g.user.get("school_ids") or []:
        out += [w for w in a.windows(school_id) if w.get("status") in ("draft", "open")]
    return out


@bp.get("/")
@teacher
def home():
    a = api()
    me = a.me()
    return render_template("teacher/home.html", windows=_windows(a), classes=me.get("classes", []),
                           students=me.get("students", []))


@bp.route("/windows/<window_id>/availability", methods=["GET", "POST"])
@teacher
def availability(window_id):
    a = api()
    window = a.window(window_id)
    error, errors, result = None, {}, None
    if request.method == "POST":
        body = forms.availability(request.form, window)
        if not body["ranges"]:
            error = _("Give at least one day with a start and an end time.")
        else:
            try:
                result = a.publish_availability(window_id, g.user["sub"], body)
                flash(ngettext("Your times are published: %(num)s conference time.",
                               "Your times are published: %(num)s conference times.", result["slots"]), "success")
                return redirect(url_for("teacher.agenda", window_id=window_id))
            except ApiError as exc:
                if exc.status not in (409, 422):
                    raise
                error, errors = problem_message(exc), field_problems(exc, forms.availability_field)
    mine = a.slots(window_id, teacher_id=g.user["sub"])
    return render_template("teacher/availability.html", window=window, error=error, errors=errors, slots=mine,
                           form=request.form), (422 if error else 200)


@bp.get("/windows/<window_id>/agenda")
@teacher
def agenda(window_id):
    a = api()
    window = a.window(window_id)
    days = [str(d["date"]) for d in window.get("days", [])]
    day = request.args.get("date") if request.args.get("date") in days else (days[0] if days else None)
    items = a.agenda(window_id, g.user["sub"], day) if day else []
    return render_template("teacher/agenda.html", window=window, days=days, day=day, items=items)


@bp.post("/bookings/<booking_id>/outcome")
@teacher
def outcome(booking_id):
    back = safe_next(request.form.get("back")) or url_for("teacher.home")
    try:
        api().record_outcome(booking_id, "no_show" if request.form.get("outcome") == "no_show" else "held")
        flash(_("The outcome is saved."), "success")
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        flash(problem_message(exc), "error")
    return redirect(back)


@bp.get("/students/<student_id>/packet")
@teacher
def packet(student_id):
    a = api()
    student = a.student(student_id)
    return render_template("teacher/packet.html", p=a.packet(student_id), student=student, student_id=student_id,
                           zone=school_zone(student.get("school_id")))


@bp.post("/students/<student_id>/notes")
@teacher
def private_note(student_id):
    text = forms.clean(request.form.get("text"))
    if text:
        api().add_private_note(student_id, text)
        flash(_("The note is saved."), "success")
    return redirect(url_for("teacher.packet", student_id=student_id) + "#private-notes")


@bp.post("/goals/<goal_id>/status")
@teacher
def goal_status(goal_id):
    student_id = request.form.get("student_id", "")
    try:
        api().set_goal_status(goal_id, request.form.get("status", "agreed"), forms.clean(request.form.get("note")))
        flash(_("The goal is updated."), "success")
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        flash(problem_message(exc), "error")
    return redirect(url_for("teacher.packet", student_id=student_id) + "#goals")


@bp.get("/class")
@teacher
def overview():
    a = api()
    rows = []
    for st in a.me().get("students", []):
        goals = a.goals(st["id"])["goals"]
        counts: dict[str, int] = {}
        for goal in goals:
            counts[goal["status"]] = counts.get(goal["status"], 0) + 1
        rows.append({"student": st, "goals": goals, "counts": counts})
    return render_template("teacher/overview.html", rows=rows)
