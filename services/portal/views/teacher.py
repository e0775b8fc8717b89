"""Teacher pages: conference windows and my availability, the agenda per day and slot,
the student's packet, recording the outcome, and the class overview of goals."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from services.portal import forms, learning as learning_words
from services.portal.auth import api, login_required, safe_next, school_zone, settings
from services.portal.client import ApiError
from services.portal.i18n import _, ngettext
from services.portal.messages import field_problems, refusal
from services.portal.security import document

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
    feed = a.calendar_feed(g.user["sub"])
    return render_template("teacher/home.html", windows=_windows(a), classes=me.get("classes", []),
                           students=me.get("students", []), due=a.follow_ups_due(),
                           feed_url=url_for("home.calendar_feed", token=feed["token"], _external=True) if feed else None)


@bp.post("/calendar")
@teacher
def new_calendar_link():
    """A new secret calendar link (the old one stops working)."""
    api().new_calendar_feed(g.user["sub"])
    flash(_("Your calendar link is ready. Add it to your calendar app."), "success")
    return redirect(url_for("teacher.home") + "#calendar")


@bp.get("/follow-ups")
@teacher
def follow_ups():
    """Students whose follow-up check-in is due, oldest first, then those done."""
    a = api()
    names = {s["id"]: s for s in a.me().get("students", [])}
    rows = a.follow_ups_due("all")
    for row in rows:
        row["student"] = names.get(row["student_id"]) or {"given_name": row["student_id"], "family_name": ""}
    return render_template("teacher/follow_ups.html", open=[r for r in rows if r["status"] == "open"],
                           closed=[r for r in rows if r["status"] != "open"][-20:])


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@bp.route("/bookings/<booking_id>/outcome", methods=["GET", "POST"])
@teacher
def record_outcome(booking_id):
    """During or after the conference: held, the family's goals for the child, the
    supports the teacher will give, the next check-in day."""
    a = api()
    b = a.booking(booking_id)
    back = safe_next(request.values.get("back")) or url_for("teacher.packet", student_id=b["student_id"])
    errors: dict = {}
    if request.method == "POST":
        body = {"family_goals": _lines(request.form.get("family_goals")),
                "supports": _lines(request.form.get("supports"))}
        if request.form.get("next_checkin_on"):
            body["next_checkin_on"] = request.form["next_checkin_on"]
        try:
            if b["status"] == "booked":
                a.record_outcome(booking_id, "held", body)
            else:
                a.record_agreement(booking_id, body)
            flash(_("What you agreed is saved. The family sees it now."), "success")
            return redirect(back)
        except ApiError as exc:
            flash(refusal(exc), "error")
            errors = exc.field_errors()
    packet = a.packet(b["student_id"])
    suggested = [g for pi in packet.get("parent_input", []) for g in pi.get("goals_for_child", [])]
    held_on = datetime.fromisoformat(b["start"].replace("Z", "+00:00")).date()
    agreement = b.get("agreement") or {}
    next_default = agreement.get("next_checkin_on") or str(max(held_on, settings().now().date()) + timedelta(days=14))
    form = request.form if request.method == "POST" else {
        "family_goals": "" if agreement.get("family_goals") else "\n".join(suggested),
        "supports": "\n".join(agreement.get("supports", [])), "next_checkin_on": next_default}
    return render_template("teacher/outcome.html", b=b, form=form, errors=errors, back=back,
                           agreement=agreement, suggested=suggested), (422 if errors else 200)


@bp.get("/windows/<window_id>/schedule")
@teacher
def schedule(window_id):
    """My printable schedule of the window."""
    return document(api().master_schedule(window_id, g.user["sub"]))


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
                error, errors = refusal(exc), field_problems(exc, forms.availability_field)
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
        flash(refusal(exc), "error")
    return redirect(back)


@bp.get("/students/<student_id>/packet")
@teacher
def packet(student_id):
    a = api()
    student = a.student(student_id)
    return render_template("teacher/packet.html", p=a.packet(student_id), student=student, student_id=student_id,
                           zone=school_zone(student.get("school_id")))


@bp.route("/students/<student_id>/learning", methods=["GET", "POST"])
@teacher
def data_talk(student_id):
    """The data talk: the student's own results (as the student sees them), and a note of
    what was shared with them and when (listed after, newest first)."""
    a = api()
    student = a.student(student_id)
    zone = school_zone(student.get("school_id"))
    data = a.learning(student_id)
    errors: dict = {}
    form = request.form
    if request.method == "POST":
        body = forms.data_talk(request.form, zone, settings().now())
        if body["shared_at"] is None:
            errors = {"shared_at": [_("Give the day and time of the talk, or leave it empty for now.")]}
        else:
            try:
                a.record_data_talk(student_id, body)
                flash(_("The data talk is noted."), "success")
                return redirect(url_for("teacher.data_talk", student_id=student_id) + "#talks")
            except ApiError as exc:
                if exc.status not in (409, 422):
                    raise
                errors = field_problems(exc, lambda f: f.split(".")[0].split("[")[0])
                flash(problem_message(exc), "error")
    name = student.get("preferred_name") or student.get("given_name") or ""
    return render_template("teacher/data_talk.html", student=student, student_id=student_id, zone=zone,
                           L=learning_words.page(data, name), talks=a.data_talks(student_id), form=form,
                           errors=errors, now=_local_now(zone)), (422 if errors else 200)


def _local_now(zone: str | None) -> str:
    """Now in the school's zone, as a datetime-local field's value."""
    from zoneinfo import ZoneInfo

    return settings().now().astimezone(ZoneInfo(zone or "UTC")).strftime("%Y-%m-%dT%H:%M")


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
        flash(refusal(exc), "error")
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
