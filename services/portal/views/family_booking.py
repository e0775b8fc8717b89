"""Family pages, booking: book (siblings back to back, interpreter, private talk),
reschedule and cancel. Routes on the family blueprint."""
from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for

from services.portal import forms
from services.portal.auth import api, settings
from services.portal.client import ApiError
from services.portal.i18n import _
from services.portal.messages import refusal
from services.portal.views.family import _me, _zones, bp, guardian


def _future(slots: list[dict]) -> list[dict]:
    now = settings().now()
    return sorted((s for s in slots if datetime.fromisoformat(s["start"].replace("Z", "+00:00")) > now),
                  key=lambda s: s["start"])


def _slot_choices(a, window_id: str, children: list[dict]) -> dict:
    """child id -> free slots (still ahead) with that child's teachers."""
    out = {}
    for child in children:
        teachers = a.student(child["id"]).get("teacher_ids", [])
        out[child["id"]] = _future([s for t in teachers for s in a.slots(window_id, teacher_id=t, free=True)])
    return out


@bp.route("/windows/<window_id>/book", methods=["GET", "POST"])
@guardian
def book(window_id):
    a = api()
    window = a.window(window_id)
    if forms.takes_requests(window, settings().now()):
        # The invitation's link: this window asks for the family's times, not a booking.
        return redirect(url_for("family.conference_request", window_id=window_id))
    me = _me()
    mine = [b for b in a.bookings(window_id=window_id) if b["status"] == "booked"]
    children = [c for c in me["children"] if c.get("school_id") == window["school_id"]
                and c["id"] not in {b["student_id"] for b in mine}]
    error = None
    if request.method == "POST":
        body = forms.booking(request.form, children)
        if not body["students"]:
            error = _("Choose at least one child.")
        else:
            try:
                made = _book(a, window, body)
                flash(_("Booked! We sent you the details.") if len(made) == 1 else
                      _("Booked back to back! We sent you the details."), "success")
                return redirect(url_for("family.home"))
            except ApiError as exc:
                error = refusal(exc)
    return render_template("family/book.html", window=window, children=children, error=error,
                           slots=_slot_choices(a, window_id, children), form=request.form,
                           languages=forms.INTERPRETER_LANGUAGES)


def _book(a, window: dict, body: dict) -> list[dict]:
    """Siblings in one request (back to back) when the school books per household;
    otherwise one request per child."""
    if window.get("policy") == "per_household" or len(body["students"]) == 1:
        return a.book(window["window_id"], body)
    made = []
    for child in body["students"]:
        made += a.book(window["window_id"], {**body, "students": [child]})
    return made


@bp.route("/bookings/<booking_id>/move", methods=["GET", "POST"])
@guardian
def reschedule(booking_id):
    a = api()
    booking = a.booking(booking_id)
    error = None
    if request.method == "POST":
        try:
            a.reschedule(booking_id, request.form.get("slot_id", ""))
            flash(_("Your conference has a new time."), "success")
            return redirect(url_for("family.booking", booking_id=booking_id))
        except ApiError as exc:
            error = refusal(exc)
    slots = _future(a.slots(booking["window_id"], teacher_id=booking["teacher_id"], free=True))
    return render_template("family/reschedule.html", booking=booking, slots=slots, error=error,
                           zone=_zones(_me()).get(booking["school_id"]))


@bp.route("/bookings/<booking_id>/cancel", methods=["GET", "POST"])
@guardian
def cancel(booking_id):
    a = api()
    booking = a.booking(booking_id)
    error = None
    if request.method == "POST":
        try:
            a.cancel(booking_id)
            flash(_("The conference is cancelled."), "success")
            return redirect(url_for("family.home"))
        except ApiError as exc:
            error = refusal(exc)
    return render_template("family/cancel.html", booking=booking, error=error,
                           zone=_zones(_me()).get(booking["school_id"]))
