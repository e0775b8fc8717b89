"""Family pages: my children, the parent input form, goals and check-ins, the progress
report and the conference summary (booking is in family_booking)."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from services.portal import forms, learning as learning_words
from services.portal.auth import api, login_required, settings, user
from services.portal.client import ApiError
from services.portal.i18n import _, current_lang
from services.portal.security import document
from services.portal.views import checkins

bp = Blueprint("family", __name__, url_prefix="/family")
guardian = login_required("guardian")


def _me() -> dict:
    return api().me()


def _child(me: dict, student_id: str) -> dict:
    for child in me["children"]:
        if child["id"] == student_id:
            return child
    abort(404)


def _zones(me: dict) -> dict:
    return {s["id"]: s.get("time_zone") for s in me.get("schools", [])}


TAKEN = ("booked", "held", "no_show")  # a child with one of these has had (or has) their conference


def _open_windows(a, children: list[dict], bookings: list[dict]) -> list[dict]:
    """Open windows with the children still to book: a child who has (or had) a conference
    in any window of the same cycle is not asked again."""
    out = []
    for school_id in sorted({c["school_id"] for c in children if c.get("school_id")}):
        windows = a.windows(school_id)
        cycle_of = {w["window_id"]: w.get("cycle") for w in windows}
        for w in windows:
            if w.get("status") != "open":
                continue
            booked = {b["student_id"] for b in bookings if b["status"] in TAKEN and
                      (b["window_id"] == w["window_id"] or cycle_of.get(b["window_id"]) == w.get("cycle"))}
            w["unbooked"] = [c for c in children if c.get("school_id") == school_id and c["id"] not in booked]
            # A request window: the family gives its times (until the deadline), not a booking.
            w["asks_times"] = forms.takes_requests(w, settings().now())
            w["assigning"] = (w.get("booking_mode") in forms.REQUEST_MODES and not w["asks_times"]
                              and not w.get("first_come_open"))
            out.append(w)
    return out


def _checkins_due(a, children: list[dict]) -> dict:
    """child id -> open follow-ups asking for a check-in."""
    return {c["id"]: due for c in children if (due := a.follow_ups(c["id"]))}


@bp.get("/")
@guardian
def home():
    a, me = api(), _me()
    bookings = a.bookings()
    return render_template("family/home.html", me=me, children=me["children"], zones=_zones(me),
                           bookings=sorted(bookings, key=lambda b: b["start"]),
                           windows=_open_windows(a, me["children"], bookings),
                           due=_checkins_due(a, me["children"]))


@bp.get("/bookings/<booking_id>")
@guardian
def booking(booking_id):
    """One conference: when and where, change or cancel, add to calendar, join the video
    call; once held, what was agreed."""
    a = api()
    b = a.booking(booking_id)
    zone = _zones(_me()).get(b["school_id"])
    future = datetime.fromisoformat(b["start"].replace("Z", "+00:00")) > settings().now()
    return render_template("family/booking.html", b=b, zone=zone, future=future)


@bp.get("/bookings/<booking_id>/calendar.ics")
@guardian
def booking_calendar(booking_id):
    """Add to calendar: the booking's iCalendar file."""
    upstream = api().booking_calendar(booking_id)
    return Response(upstream.content, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="conference-{booking_id}.ics"'})


@bp.get("/children/<student_id>/check-in")
@guardian
def checkin_page(student_id):
    """The check-in form: how each of the child's goals is going (the follow-up asks for it)."""
    a, me = api(), _me()
    child = _child(me, student_id)
    goals = checkins.active(a, a.goals(student_id)["goals"])
    return render_template("family/checkin.html", child=child, goals=goals, due=a.follow_ups(student_id),
                           statuses=forms.CHECKIN_STATUSES)


@bp.route("/children/<student_id>/input", methods=["GET", "POST"])
@guardian
def parent_input(student_id):
    a, me = api(), _me()
    child = _child(me, student_id)
    errors = {}
    if request.method == "POST":
        try:
            a.save_parent_input(student_id, forms.parent_input(request.form))
            flash(_("Thank you! The teacher will read this before the conference."), "success")
            return redirect(url_for("family.parent_input", student_id=student_id))
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors = exc.field_errors()
        values = request.form
    else:
        mine = [p for p in a.parent_input(student_id) if p.get("guardian_id") == user()["sub"]]
        values = _input_values(mine[0] if mine else {})
    return render_template("family/parent_input.html", child=child, values=values, errors=errors)


def _input_values(saved: dict) -> dict:
    return {"hopes": saved.get("hopes", ""), "concerns": saved.get("concerns", ""),
            "topics": "\n".join(saved.get("topics") or []),
            "goals_for_child": "\n".join(saved.get("goals_for_child") or []),
            "wants_private_talk": "yes" if saved.get("wants_private_talk") else "",
            "private_concerns": saved.get("private_concerns", "")}


@bp.get("/children/<student_id>/goals")
@guardian
def goals(student_id):
    a, me = api(), _me()
    child = _child(me, student_id)
    listing = a.goals(student_id)
    return render_template("family/goals.html", child=child, goals=checkins.with_checkins(a, listing["goals"]),
                           cycle=listing["cycle"], statuses=forms.CHECKIN_STATUSES)


@bp.get("/children/<student_id>/learning")
@guardian
def learning(student_id):
    """The child's own learning results (read-only): what the child sees on "my learning"."""
    child = _child(_me(), student_id)
    data = api().learning(student_id)
    return render_template("family/learning.html", child=child,
                           L=learning_words.page(data, child.get("preferred_name") or child["given_name"]))


@bp.post("/children/<student_id>/goals/<goal_id>/checkin")
@guardian
def checkin(student_id, goal_id):
    return checkins.record(goal_id, _("Thank you! Your check-in is saved."),
                           url_for("family.goals", student_id=student_id))


def _period() -> str:
    """The month asked for (YYYY-MM), else this month."""
    return request.args.get("period") or settings().now().strftime("%Y-%m")


@bp.get("/children/<student_id>/report")
@guardian
def report(student_id):
    child = _child(_me(), student_id)
    return render_template("family/report.html", child=child, period=_period())


@bp.get("/children/<student_id>/report/document")
@guardian
def report_document(student_id):
    period = _period()
    fmt = "pdf" if request.args.get("format") == "pdf" else "html"
    try:
        upstream = api().student_report(student_id, period, fmt, current_lang())
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        return render_template("family/report_missing.html", period=period)
    return document(upstream)


@bp.get("/bookings/<booking_id>/summary")
@guardian
def summary(booking_id):
    return document(api().conference_summary(booking_id, current_lang()))
