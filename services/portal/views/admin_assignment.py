"""Staff pages, request windows: capacity warnings, the proposed schedule (who is where,
who is left out and why), pin or move a conference, preview again, publish. Routes on
the admin blueprint; the scheduling service solves, checks and books."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for

from services.portal import forms
from services.portal.auth import api, settings
from services.portal.client import ApiError
from services.portal.i18n import _, ngettext
from services.portal.messages import refusal
from services.portal.views.admin import bp, staff


def _names(people: dict) -> dict[str, str]:
    out = {}
    for kind in ("students", "teachers", "guardians"):
        for p in people.get(kind, []):
            pid = p.get("id") or p.get("_id")
            out[pid] = " ".join(x for x in (p.get("preferred_name") or p.get("given_name"), p.get("family_name")) if x)
    return out


def _local(value: str, zone: ZoneInfo) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(zone)


def _by_day(conferences: list[dict], zone: ZoneInfo) -> list[tuple[str, list[dict]]]:
    """The proposed conferences by local day, then time and teacher."""
    days = defaultdict(list)
    for c in sorted(conferences, key=lambda c: (c["start"], c["teacher_id"])):
        start = _local(c["start"], zone)
        c["local_time"] = f"{start:%H:%M}–{_local(c['end'], zone):%H:%M}"
        days[start.date().isoformat()].append(c)
    return sorted(days.items())


def _free_slots(a, window_id: str, teacher_ids) -> dict[str, list[dict]]:
    """teacher -> free slots still ahead (the proposal books nothing before publishing)."""
    now = settings().now()
    return {t: [s for s in a.slots(window_id, teacher_id=t, free=True)
                if datetime.fromisoformat(s["start"].replace("Z", "+00:00")) > now]
            for t in sorted(set(teacher_ids))}


@bp.get("/windows/<window_id>/assignment")
@staff
def assignment(window_id):
    a = api()
    window = a.window(window_id)
    if window.get("booking_mode", "first_come") not in forms.REQUEST_MODES:
        return render_template("admin/assignment.html", window=window, first_come=True)
    zone = ZoneInfo(window.get("time_zone") or "UTC")
    plan = a.assignment(window_id)
    requests = a.window_requests(window_id)
    names = _names(a.school_people(window["school_id"]))
    teacher_of = {c["student_id"]: c["teacher_id"] for r in requests for c in r.get("students", [])}
    published = bool(plan) and plan["status"] == "published"
    slots = {} if not plan or published else _free_slots(
        a, window_id, [c["teacher_id"] for c in plan["conferences"]] +
        [teacher_of[s] for u in plan["unassigned"] for s in u["student_ids"] if s in teacher_of])
    deadline = window.get("requests_deadline")
    after_deadline = bool(deadline) and datetime.fromisoformat(str(deadline).replace("Z", "+00:00")) <= settings().now()
    return render_template(
        "admin/assignment.html", window=window, first_come=False, plan=plan, requests=requests,
        capacity=a.capacity(window_id), interpreters=a.interpreters(window_id), names=names,
        priorities={p["guardian_id"]: p for p in a.priorities(window_id)}, reasons=forms.PRIORITY_REASONS,
        days=_by_day(plan["conferences"], zone) if plan else [], slots=slots, teacher_of=teacher_of,
        published=published, after_deadline=after_deadline)


def _back(window_id: str, anchor: str = ""):
    return redirect(url_for("admin.assignment", window_id=window_id) + anchor)


def _change(window_id: str, anchor: str, call, said):
    """Make one change to the window's schedule: say what it did (`said(answer)`), or why
    the service refused it (404, 409, 422: anything else goes to the error pages); then
    back to the schedule at `anchor`."""
    try:
        flash(said(call()), "success")
    except ApiError as exc:
        flash(refusal(exc, (404, 409, 422)), "error")
    return _back(window_id, anchor)


@bp.post("/windows/<window_id>/assignment/preview")
@staff
def preview_assignment(window_id):
    """Solve now with the requests so far (and the fixed conferences)."""
    return _change(window_id, "#plan", lambda: api().preview_assignment(window_id), lambda plan: _(
        "The proposed schedule is ready: %(assigned)s of %(families)s families have a time.",
        assigned=plan["metrics"].get("families_assigned", 0), families=plan["metrics"].get("families", 0)))


@bp.post("/windows/<window_id>/assignment/pins/<student_id>")
@staff
def pin_conference(window_id, student_id):
    """Fix a child's conference at a time: its own time fixes it, another moves it; the
    rest of the schedule is made again around it."""
    slot_id = (request.form.get("slot_id") or "").strip()
    if not slot_id:
        flash(_("Choose a time."), "error")
        return _back(window_id, "#plan")
    return _change(window_id, "#plan", lambda: api().pin_conference(window_id, student_id, slot_id), lambda _plan: _(
        "The conference is fixed at that time and the schedule is made again around it."))


@bp.post("/windows/<window_id>/assignment/pins/<student_id>/remove")
@staff
def unpin_conference(window_id, student_id):
    return _change(window_id, "#plan", lambda: api().unpin_conference(window_id, student_id), lambda _plan: _(
        "The conference is no longer fixed; the schedule is made again."))


@bp.post("/windows/<window_id>/priorities/<guardian_id>")
@staff
def mark_priority(window_id, guardian_id):
    """Serve a family first (e.g. it missed last time, or needs an interpreter); the next
    preview, and the solve at the deadline, place it before the others."""
    reason = request.form.get("reason")
    if request.form.get("remove"):
        return _change(window_id, "#requests", lambda: api().unmark_priority(window_id, guardian_id), lambda _a: _(
            "The family is no longer served first. Make the preview again to see the change."))
    if reason not in forms.PRIORITY_REASONS:
        flash(_("Choose why this family is served first."), "error")
        return _back(window_id, "#requests")
    return _change(window_id, "#requests", lambda: api().mark_priority(window_id, guardian_id, reason), lambda _a: _(
        "The family is served first. Make the preview again to see the change."))


@bp.post("/windows/<window_id>/assignment/publish")
@staff
def publish_assignment(window_id):
    """Book every assigned family (each is told) and offer the nearest free times to
    the others; publishing twice books nobody twice."""
    version = request.form.get("version") or ""
    if not version.isdigit():
        flash(_("Look at the proposed schedule again, then publish."), "error")
        return _back(window_id)
    return _change(window_id, "#result", lambda: api().publish_assignment(window_id, int(version)),
                   lambda plan: ngettext("Published: %(num)s conference is booked and the families are told.",
                                         "Published: %(num)s conferences are booked and the families are told.",
                                         plan.get("bookings") or 0))
