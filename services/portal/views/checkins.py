"""Check-ins on goals, the same for a family (about a child) and a student (about their
own goals): the goals with their check-ins, and saving one from a goal's card."""
from __future__ import annotations

from flask import flash, redirect, request

from services.portal import forms
from services.portal.auth import api, safe_next
from services.portal.client import ApiError
from services.portal.messages import refusal

ACTIVE = ("submitted", "agreed")  # goals being worked on: the ones a check-in is for


def with_checkins(a, goals: list[dict]) -> list[dict]:
    """`goals`, each with its check-ins (oldest first) under "checkins"."""
    for goal in goals:
        goal["checkins"] = a.checkins(goal["goal_id"])["checkins"]
    return goals


def active(a, goals: list[dict]) -> list[dict]:
    """The goals being worked on, with their check-ins."""
    return with_checkins(a, [g for g in goals if g["status"] in ACTIVE])


def record(goal_id: str, thanks: str, back: str):
    """Save the posted check-in form, then back to the page it came from (or `back`), at
    the goal's card; a refusal is flashed there."""
    try:
        api().add_checkin(goal_id, forms.checkin(request.form))
        flash(thanks, "success")
    except ApiError as exc:
        flash(refusal(exc), "error")
    return redirect((safe_next(request.form.get("back")) or back) + f"#goal-{goal_id}")
