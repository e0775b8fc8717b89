"""HTTP: request windows. Families' requests (the guardian, or staff for a family), the
school's priority marks and interpreters, capacity warnings, and the assignment:
current plan, preview, pin or move, publish."""
from __future__ import annotations

from flask_smorest import Blueprint

from services.common.service import get_store
from services.common.web import current_principal
from services.scheduling.application import assignment, requests
from services.scheduling.entrypoints.http.schemas import requests as s

blp = Blueprint("requests", __name__, url_prefix="/windows", description="Request windows and fair assignment")


@blp.put("/<window_id>/requests/<guardian_id>")
@blp.arguments(s.RequestIn)
@blp.response(200, s.RequestOut)
def submit_request(body, window_id, guardian_id):
    """Create or replace a family's request before the deadline (ConferenceRequestSubmitted)."""
    return requests.submit(get_store(), current_principal(), window_id, guardian_id, body)


@blp.get("/<window_id>/requests/<guardian_id>")
@blp.response(200, s.RequestOut)
def get_request(window_id, guardian_id):
    """A family's request (the guardian; staff of the school)."""
    return requests.get(get_store(), current_principal(), window_id, guardian_id)


@blp.delete("/<window_id>/requests/<guardian_id>")
@blp.response(200, s.RequestOut)
def withdraw_request(window_id, guardian_id):
    """Withdraw a family's request before the deadline (ConferenceRequestWithdrawn)."""
    return requests.withdraw(get_store(), current_principal(), window_id, guardian_id)


@blp.get("/<window_id>/requests")
@blp.response(200, s.RequestOut(many=True))
def list_requests(window_id):
    """The window's active requests (administrators: all; teachers: their students' families)."""
    return requests.listing(get_store(), current_principal(), window_id)


@blp.put("/<window_id>/priorities/<guardian_id>")
@blp.arguments(s.PriorityIn)
@blp.response(200, s.PriorityOut)
def mark_priority(body, window_id, guardian_id):
    """Mark a family to be served first (e.g. missed last time, needs an interpreter)."""
    return requests.mark_priority(get_store(), current_principal(), window_id, guardian_id, body)


@blp.delete("/<window_id>/priorities/<guardian_id>")
@blp.response(204)
def unmark_priority(window_id, guardian_id):
    requests.unmark_priority(get_store(), current_principal(), window_id, guardian_id)


@blp.get("/<window_id>/priorities")
@blp.response(200, s.PriorityOut(many=True))
def list_priorities(window_id):
    return requests.priorities(get_store(), current_principal(), window_id)


@blp.put("/<window_id>/interpreters")
@blp.arguments(s.InterpretersIn)
@blp.response(200, s.InterpretersOut)
def set_interpreters(body, window_id):
    """The interpreters of the window, their languages and hours (replaces the list)."""
    return requests.set_interpreters(get_store(), current_principal(), window_id, body)


@blp.get("/<window_id>/interpreters")
@blp.response(200, s.InterpretersOut)
def get_interpreters(window_id):
    return requests.interpreters(get_store(), current_principal(), window_id)


@blp.get("/<window_id>/capacity")
@blp.response(200, s.CapacityOut)
def capacity(window_id):
    """Capacity warnings: slots against students per teacher, interpreters against requests."""
    return requests.capacity(get_store(), current_principal(), window_id)


@blp.get("/<window_id>/assignment")
@blp.response(200, s.PlanOut)
def get_assignment(window_id):
    """The proposed (or published) assignment: who is where, who is left out and why."""
    return assignment.current(get_store(), current_principal(), window_id)


@blp.post("/<window_id>/assignment/preview")
@blp.response(200, s.PlanOut)
def preview_assignment(window_id):
    """Solve now with the requests so far, honouring pins (administrators)."""
    return assignment.preview(get_store(), current_principal(), window_id)


@blp.put("/<window_id>/assignment/pins/<student_id>")
@blp.arguments(s.PinIn)
@blp.response(200, s.PlanOut)
def pin_conference(body, window_id, student_id):
    """Pin a child's conference to a slot, or move it there; the rest is solved again."""
    return assignment.pin(get_store(), current_principal(), window_id, student_id, body["slot_id"])


@blp.delete("/<window_id>/assignment/pins/<student_id>")
@blp.response(200, s.PlanOut)
def unpin_conference(window_id, student_id):
    return assignment.unpin(get_store(), current_principal(), window_id, student_id)


@blp.post("/<window_id>/assignment/publish")
@blp.arguments(s.PublishIn)
@blp.response(200, s.PlanOut)
def publish_assignment(body, window_id):
    """Book every assigned family (ConferenceBooked each), offer the nearest free times to
    the others (ConferenceTimesOffered); doing it again books nobody twice."""
    return assignment.publish(get_store(), current_principal(), window_id, body["version"])
