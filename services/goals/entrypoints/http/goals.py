"""Goals, their quality feedback, status, check-ins and follow-ups.

    POST  /goals/check                    student, teacher   feedback for a draft, nothing saved
    POST  /students/<id>/goals            student            a new draft (+ feedback)
    GET   /students/<id>/goals?cycle=     anyone who may see the child
    GET   /goals/<id>                     anyone who may see the child
    PATCH /goals/<id>                     student (draft); student, teacher (shared: with reason)
    DELETE /goals/<id>                    the draft's author
    POST  /goals/<id>/submit              student
    POST  /goals/<id>/status              teacher: agreed, achieved, carried_over
    POST  /goals/<id>/checkins            student, teacher, guardian
    GET   /goals/<id>/checkins            anyone who may see the child
    GET   /students/<id>/follow-ups       anyone who may see the child
"""
from __future__ import annotations

from flask_smorest import Blueprint

from services.common.service import get_store
from services.common.web import current_principal
from services.goals.application import goals as services
from services.goals.application import progress as services_progress
from services.goals.settings import goals_config
from services.goals.entrypoints.http.schemas.goals import (
    CheckinIn, CheckinListOut, CheckinOut, CheckOut, CycleQuery, FollowUpListOut, FollowUpQuery,
    GoalCheckIn, GoalIn, GoalListOut, GoalOut, GoalPatchIn, StatusIn,
)

blp = Blueprint("goals", __name__, description="Goals, All-STAR plans, quality feedback and check-ins")


def ctx():
    return get_store(), current_principal(), goals_config()


@blp.route("/goals/check", methods=["POST"])
@blp.arguments(GoalCheckIn)
@blp.response(200, CheckOut)
def check(body):
    """Quality feedback for a draft goal, without saving it."""
    return services.check_draft(*ctx(), body)


@blp.route("/students/<student_id>/goals", methods=["POST"])
@blp.arguments(GoalIn)
@blp.response(201, GoalOut)
def create(body, student_id):
    """Start a goal (a draft); the response carries its quality feedback."""
    return services.create_goal(*ctx(), student_id, body)


@blp.route("/students/<student_id>/goals", methods=["GET"])
@blp.arguments(CycleQuery, location="query")
@blp.response(200, GoalListOut)
def list_goals(query, student_id):
    """A student's goals in a cycle, with history and feedback; without `cycle`, the default cycle's goals
    and every goal still open in another cycle."""
    return services.list_goals(*ctx(), student_id, query["cycle"])


@blp.route("/goals/<goal_id>", methods=["GET"])
@blp.response(200, GoalOut)
def get_goal(goal_id):
    return services.get_goal(*ctx(), goal_id)


@blp.route("/goals/<goal_id>", methods=["PATCH"])
@blp.arguments(GoalPatchIn)
@blp.response(200, GoalOut)
def patch_goal(body, goal_id):
    """Change the plan. A shared goal keeps its previous plan in `revisions` and needs a reason."""
    return services.patch_goal(*ctx(), goal_id, body)


@blp.route("/goals/<goal_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, description="The goal is no longer a draft (problem+json, code goal_not_draft)")
def delete_goal(goal_id):
    """Delete a draft goal (its author only; a shared goal is never deleted)."""
    services.delete_draft(*ctx(), goal_id)


@blp.route("/goals/<goal_id>/submit", methods=["POST"])
@blp.response(200, GoalOut)
def submit(goal_id):
    """Share a goal with the teacher (422 with feedback while it has errors)."""
    return services.submit_goal(*ctx(), goal_id)


@blp.route("/goals/<goal_id>/status", methods=["POST"])
@blp.arguments(StatusIn)
@blp.response(200, GoalOut)
def set_status(body, goal_id):
    """Teacher: agreed, achieved or carried_over (optionally drafted again in `next_cycle`)."""
    return services.set_status(*ctx(), goal_id, body)


@blp.route("/goals/<goal_id>/checkins", methods=["POST"])
@blp.arguments(CheckinIn)
@blp.response(201, CheckinOut)
def add_checkin(body, goal_id):
    """Progress on a goal; closes the student's open follow-ups."""
    store, principal, _cfg = ctx()
    return services_progress.record_checkin(store, principal, goal_id, body)


@blp.route("/goals/<goal_id>/checkins", methods=["GET"])
@blp.response(200, CheckinListOut)
def list_checkins(goal_id):
    store, principal, _cfg = ctx()
    return services_progress.list_checkins(store, principal, goal_id)


@blp.route("/follow-ups", methods=["GET"])
@blp.arguments(FollowUpQuery, location="query")
@blp.response(200, FollowUpListOut)
def my_follow_ups(query):
    """Follow-ups of the caller's conferences (a teacher) or schools (an administrator), by due date."""
    store, principal, _cfg = ctx()
    return services_progress.follow_ups_due(store, principal, query["status"])


@blp.route("/students/<student_id>/follow-ups", methods=["GET"])
@blp.arguments(FollowUpQuery, location="query")
@blp.response(200, FollowUpListOut)
def follow_ups(query, student_id):
    """Follow-ups asking for a check-in (open by default)."""
    store, principal, _cfg = ctx()
    return services_progress.list_follow_ups(store, principal, student_id, query["status"])
