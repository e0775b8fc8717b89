"""Student pages, big and simple: about me (self-assessment), thinking questions
(reflections), the All-STAR goal editor with feedback while typing, my work (evidence
with note cards), and check-ins."""
from __future__ import annotations

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for

from services.portal import forms, learning as learning_words
from services.portal.auth import api, login_required
from services.portal.client import ApiError
from services.portal.i18n import _
from services.portal.messages import label, refusal
from services.portal.views import checkins

bp = Blueprint("student", __name__, url_prefix="/student")
student = login_required("student")


def _sid() -> str:
    return g.user["sub"]


@bp.get("/")
@student
def home():
    a = api()
    goals = a.goals(_sid())["goals"]
    return render_template("student/home.html", goals=goals, follow_ups=a.follow_ups(_sid()),
                           about=a.self_assessment(_sid()), reflections=a.reflections(_sid()))


@bp.route("/about-me", methods=["GET", "POST"])
@student
def about_me():
    a = api()
    if request.method == "POST":
        try:
            a.save_self_assessment(_sid(), forms.self_assessment(request.form))
            flash(_("Saved! Good job."), "success")
            return redirect(url_for("student.home"))
        except ApiError as exc:
            error = refusal(exc, (422,))
            # what was typed stays, each field says what to fix (in the student's language)
            saved = {k: forms.lines(request.form.get(k)) for k in ("strengths", "areas_for_growth", "supports")}
            saved["classwork_progress"] = request.form.get("classwork_progress", "")
            return render_template("student/about_me.html", saved=saved, error=error,
                                   errors=forms.by_root_field(exc.field_errors())), 422
    saved = a.self_assessment(_sid()) or {}
    return render_template("student/about_me.html", saved=saved, error=None, errors={})


@bp.route("/thinking", methods=["GET", "POST"])
@student
def reflections():
    a = api()
    questions = a.reflection_questions(_sid())
    if request.method == "POST":
        answers = {q["id"]: forms.clean(request.form.get(q["id"])) for q in questions["questions"]}
        try:
            a.save_reflections(_sid(), {k: v for k, v in answers.items() if v})
            flash(_("Saved! Good job."), "success")
            return redirect(url_for("student.home"))
        except ApiError as exc:
            error = refusal(exc, (422,))
            errors = {key.split(".", 1)[-1]: msgs for key, msgs in exc.field_errors().items()}
            return render_template("student/reflections.html", questions=questions, saved=answers,
                                   error=error, errors=errors), 422
    saved = {x["question_id"]: x["answer"] for x in (a.reflections(_sid()) or {}).get("answers", [])}
    return render_template("student/reflections.html", questions=questions, saved=saved, error=None, errors={})


@bp.get("/goals")
@student
def goals():
    a = api()
    return render_template("student/goals.html", goals=checkins.with_checkins(a, a.goals(_sid())["goals"]),
                           statuses=forms.CHECKIN_STATUSES)


@bp.get("/learning")
@student
def learning():
    """My learning: my own results per standard over time, what I do well, where to grow
    next (each with "start a goal from this")."""
    data = api().learning(_sid())
    return render_template("student/learning.html", L=learning_words.page(data))


def _editor(goal: dict | None, values: dict, feedback: list, can_submit: bool, error: str | None = None,
            starter: dict | None = None):
    return render_template("student/goal_edit.html", goal=goal, v=values, feedback=feedback, can_submit=can_submit,
                           error=error, kinds=forms.FOCUS_KINDS, anchor=forms.field_anchor,
                           inline=forms.inline_feedback(feedback), starter=starter)


def _started_plan(a, objective_id: str) -> tuple[dict | None, dict | None]:
    """(plan, starter): a new goal pre-filled from one of my areas to grow."""
    found = learning_words.starter(a.learning(_sid()), objective_id)
    if found is None:
        return None, None
    method = _("I will look at my results on %(title)s each time my teacher adds a new one.", title=found["title"])
    return forms.starter_plan(found, method), found


def _checked(goal: dict | None, plan: dict, values: dict, error: str | None = None):
    """The editor with the goals service's feedback on `plan` (of `goal`, once saved)."""
    result = api().check_goal(_sid(), plan, goal["goal_id"] if goal else None)
    return _editor(goal, values, result["feedback"], result["can_submit"], error)


@bp.route("/goals/new", methods=["GET", "POST"])
@bp.route("/goals/<goal_id>/edit", methods=["GET", "POST"])
@student
def edit_goal(goal_id=None):
    a = api()
    goal = a.goal(goal_id) if goal_id else None
    if request.method == "GET":
        plan = goal["plan"] if goal else None
        feedback = goal["feedback"] if goal else []
        starter = None
        if goal is None and request.args.get("start"):
            plan, starter = _started_plan(a, request.args["start"])
            if starter is None:  # no longer an area to grow (new results came in): say so, start plain
                flash(_("That is not one of your areas to grow any more. You can still write any goal."), "info")
        return _editor(goal, forms.goal_values(plan), feedback, bool(goal and goal.get("can_submit")),
                       starter=starter)
    plan = forms.goal_plan(request.form)
    values = forms.goal_values(plan)
    action = request.form.get("action_button", "save")
    if action == "check":
        return _checked(goal, plan, values)
    try:
        saved = a.update_goal(goal_id, plan) if goal_id else a.create_goal(_sid(), plan)
    except ApiError as exc:
        return _checked(goal, plan, values, refusal(exc)), 422
    if action != "share":
        flash(_("Your goal is saved."), "success")
        return redirect(url_for("student.goals"))
    try:
        a.submit_goal(saved["goal_id"])
    except ApiError as exc:
        # The draft is saved: keep editing *it* (a second try must not start another goal).
        error = refusal(exc) + " " + _("Your draft is saved; you can fix it now or delete it.")
        return _checked(saved, plan, values, error), 422
    flash(_("Your goal is shared with your teacher. Great work!"), "success")
    return redirect(url_for("student.goals"))


@bp.post("/goals/<goal_id>/delete")
@student
def delete_goal(goal_id):
    """A draft the student no longer wants (a shared goal stays: the service says no)."""
    try:
        api().delete_goal(goal_id)
        flash(_("The draft is deleted."), "success")
    except ApiError as exc:
        flash(refusal(exc), "error")
    return redirect(url_for("student.goals"))


@bp.post("/goals/check")
@student
def check_goal():
    """The editor's live feedback: the goals service's check, rendered as a fragment."""
    result = api().check_goal(_sid(), forms.goal_plan(request.form), request.form.get("goal_id") or None)
    html = render_template("student/_feedback.html", feedback=result["feedback"], can_submit=result["can_submit"],
                           anchor=forms.field_anchor)
    fields = {anchor: [{**item, "label": label("severity", item["severity"])} for item in items]
              for anchor, items in forms.inline_feedback(result["feedback"]).items()}
    return jsonify(html=html, fields=fields, can_submit=result["can_submit"], count=len(result["feedback"]))


@bp.get("/check-in")
@student
def checkin_page():
    """Check in on every goal being worked on (the follow-up message links here)."""
    a = api()
    return render_template("student/checkin.html", goals=checkins.active(a, a.goals(_sid())["goals"]),
                           due=a.follow_ups(_sid()), statuses=forms.CHECKIN_STATUSES)


@bp.post("/goals/<goal_id>/checkin")
@student
def checkin(goal_id):
    return checkins.record(goal_id, _("Saved! Thank you for checking in."), url_for("student.goals"))


@bp.route("/work", methods=["GET", "POST"])
@student
def evidence():
    a = api()
    error, errors, status = None, {}, 200
    if request.method == "POST":
        fields = forms.evidence_fields(request.form)
        upload, link = request.files.get("file"), forms.clean(request.form.get("link"))
        try:
            if upload and upload.filename:
                a.upload_evidence(_sid(), upload, fields)
            elif link:
                a.add_evidence_link(_sid(), {"title": fields["title"], "link": link,
                                             "note": {"what_it_shows": fields["what_it_shows"],
                                                      "goal_id": fields["goal_id"]}})
            else:
                error = _("This work sample needs a few fixes: see each field.")
                errors = {"file": [_("Choose a file, or paste a link.")]}
            if not error:
                flash(_("Saved! Your work is in your folder."), "success")
                return redirect(url_for("student.evidence"))
        except ApiError as exc:
            error, errors = refusal(exc, (409, 413, 415, 422)), forms.evidence_errors(exc.field_errors())
        status = 422
        if upload and upload.filename:  # a browser cannot keep a chosen file: say so
            errors.setdefault("file", []).append(_("Choose the file again before you save."))
    return render_template("student/evidence.html", items=a.evidence(_sid()), goals=a.goals(_sid())["goals"],
                           error=error, errors=errors, form=request.form), status
