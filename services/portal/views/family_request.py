"""Family pages, request windows: the family says when they can come (several times across
the window's days), for which children, how (in person, video, phone), with an
interpreter or a private talk, and may change or withdraw it until the deadline; the
school then gives every family a time. Routes on the family blueprint."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from services.portal import forms
from services.portal.auth import api, settings, user
from services.portal.client import ApiError
from services.portal.i18n import _
from services.portal.messages import problem_message, request_problems
from services.portal.views.family import TAKEN, _me, bp, guardian


def _teachers(a, window_id: str, children: list[dict]) -> dict[str, list[dict]]:
    """child id -> the teachers the family may meet in this window ({id, name}): the
    child's teachers who gave times here (all of them when none has yet)."""
    names: dict[str, str | None] = {}
    out = {}
    for child in children:
        ids = a.student(child["id"]).get("teacher_ids", [])
        for t in ids:
            if t not in names:
                slots = a.slots(window_id, teacher_id=t)
                names[t] = slots[0].get("teacher_name") if slots else None
        with_times = [t for t in ids if names.get(t)]
        out[child["id"]] = [{"id": t, "name": names.get(t) or ""} for t in (with_times or ids)]
    return out


def _service_errors(exc: ApiError, body: dict, window: dict) -> dict[str, list[str]]:
    """The scheduling service's field errors as the form's, each said in the page's
    language: a refused time is explained from the window's days."""
    problems: dict[str, list[str]] = {}
    for field in exc.field_errors():
        name = forms.request_field(field)
        if name.startswith("range-"):
            index = int(name.split("-")[1])
            row = body["ranges"][index] if index < len(body["ranges"]) else {}
            why = forms.range_problem(row, window.get("days", []))
        else:
            why = "choose_child" if name == "students" and not body["students"] else "check"
        if why not in problems.setdefault(name, []):
            problems[name].append(why)
    if exc.code in ("teacher_required", "teacher_not_for_student"):
        problems.setdefault("students", [])
    return request_problems(problems)


@bp.route("/windows/<window_id>/request", methods=["GET", "POST"])
@guardian
def conference_request(window_id):
    a, me = api(), _me()
    window = a.window(window_id)
    if window.get("booking_mode", "first_come") not in forms.REQUEST_MODES:
        return redirect(url_for("family.book", window_id=window_id))
    guardian_id = user()["sub"]
    children = [c for c in me["children"] if c.get("school_id") == window["school_id"]]
    teachers = _teachers(a, window_id, children)
    saved = a.conference_request(window_id, guardian_id)
    if saved and saved.get("status") != "active":
        saved = None
    error, errors, status = None, {}, 200
    if request.method == "POST" and not request.form.get("more"):
        body, problems = forms.conference_request(request.form, children,
                                                  {c: [t["id"] for t in ts] for c, ts in teachers.items()})
        if problems:
            error, errors, status = _("Your times need a fix. Look at the fields marked below."), \
                request_problems(problems), 422
        else:
            try:
                a.submit_request(window_id, guardian_id, body)
                flash(_("Thank you! We have your times. You can change them until the deadline.") if not saved else
                      _("Your times are updated."), "success")
                return redirect(url_for("family.conference_request", window_id=window_id))
            except ApiError as exc:
                if exc.status not in (409, 422):
                    raise
                error, status = problem_message(exc), exc.status
                errors = _service_errors(exc, body, window)
    bookings = [b for b in a.bookings(window_id=window_id) if b["status"] in TAKEN]
    return render_template(
        "family/request.html", window=window, children=children, teachers=teachers, saved=saved,
        values=forms.request_values(saved, request.form if request.method == "POST" else None),
        open=forms.takes_requests(window, settings().now()), bookings=bookings, error=error, errors=errors,
        modalities=forms.MODALITIES, languages=forms.INTERPRETER_LANGUAGES), status


@bp.post("/windows/<window_id>/request/withdraw")
@guardian
def withdraw_request(window_id):
    try:
        api().withdraw_request(window_id, user()["sub"])
        flash(_("Your times are withdrawn. You can send new ones until the deadline."), "success")
    except ApiError as exc:
        if exc.status not in (404, 409):
            raise
        flash(problem_message(exc), "error")
    return redirect(url_for("family.conference_request", window_id=window_id))
