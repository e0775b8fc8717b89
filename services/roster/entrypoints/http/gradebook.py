"""A student's learning data (the data talk) and gradebook imports over HTTP.

    GET  /students/<id>/learning      results per standard / learning target over time,
                                      strengths, areas to grow and goal starters
                                      (?as_of=YYYY-MM-DD, default today)
    GET  /students/<id>/data-talks    the teachers' notes of what was shared, newest first
    POST /students/<id>/data-talks    a teacher of the student notes a data talk (201)
    POST /imports/gradebook           a plain results CSV (district admins): `file`, optional
                                      `partial=true`; 201 / 200 unchanged / 422 with every bad row

The gradebook files of a OneRoster 1.2 bundle come with the bundle (POST /imports).
A student the caller may not see is 404, like one that does not exist.
"""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from services.common.guards import require_role
from services.common.service import get_store
from services.common.web import current_principal
from services.roster.application import queries
from services.roster.application import gradebook as use_cases
from services.roster.adapters.directory import reading
from services.roster.application.imports import import_gradebook_csv
from services.roster.entrypoints.http.imports import import_upload
from services.roster.entrypoints.http.schemas import ImportFile, ImportForm, ImportOut

blp = Blueprint("learning", __name__, description="A student's own learning data, data talks, gradebook imports")

TEXT = validate.Length(max=5000)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class LearningArgs(Strict):
    as_of = fields.Date(load_default=None, metadata={"description": "results up to this day (default: today, UTC)"})


class PointOut(Schema):
    date = fields.Date()
    score = fields.Float()
    line_item_id = fields.String()
    title = fields.String(metadata={"description": "the line item (assessment)"})


class AreaOut(Schema):
    objective_id = fields.String(metadata={"description": "the standard / learning target (or line-item:<id>)"})
    title = fields.String()
    scale_title = fields.String(allow_none=True)
    scale_min = fields.Float(allow_none=True)
    scale_max = fields.Float(allow_none=True)
    latest_score = fields.Float()
    latest_date = fields.Date()
    change = fields.Float(allow_none=True, metadata={"description": "latest minus first result, as a share of "
                                                                    "the scale (own progress)"})
    points = fields.List(fields.Nested(PointOut), metadata={"description": "oldest first: the chart and its "
                                                                          "data table"})


class StarterMeasureOut(Schema):
    unit = fields.String()
    baseline = fields.Float()
    target = fields.Float()
    learning_objective_id = fields.String(allow_none=True)
    line_item_id = fields.String(allow_none=True)


class StarterFocusOut(Schema):
    kind = fields.String()
    code = fields.String()
    label = fields.String()


class GoalStarterOut(Schema):
    objective_id = fields.String()
    title = fields.String()
    focus = fields.Nested(StarterFocusOut)
    measure = fields.Nested(StarterMeasureOut, metadata={"description": "a goal measure linked to the standard"})


class LearningOut(Schema):
    student_id = fields.String()
    as_of = fields.Date()
    areas = fields.List(fields.Nested(AreaOut))
    strengths = fields.List(fields.Nested(AreaOut))
    areas_to_grow = fields.List(fields.Nested(AreaOut))
    goal_starters = fields.List(fields.Nested(GoalStarterOut))


class DataTalkIn(Strict):
    shared_at = fields.DateTime(required=True, metadata={"description": "when the data was shared with the student"})
    objective_ids = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                                validate=validate.Length(max=50), load_default=list,
                                metadata={"description": "the standards talked about"})
    celebrated = fields.String(validate=TEXT, load_default="")
    struggles = fields.String(validate=TEXT, load_default="")
    note = fields.String(validate=TEXT, load_default="")


class DataTalkOut(Schema):
    id = fields.String(attribute="_id")
    student_id = fields.String()
    teacher_id = fields.String()
    shared_at = fields.DateTime()
    objective_ids = fields.List(fields.String())
    celebrated = fields.String()
    struggles = fields.String()
    note = fields.String()
    recorded_at = fields.DateTime()


class DataTalkList(Schema):
    items = fields.List(fields.Nested(DataTalkOut))
    total = fields.Integer()


def _read(use_case, *args):
    principal = current_principal()
    with reading(get_store(), principal.district_id) as view:
        return use_case(view, queries.with_roster_schools(view, principal), *args)


@blp.route("/students/<student_id>/learning", methods=["GET"])
@blp.arguments(LearningArgs, location="query", unknown=RAISE)
@blp.response(200, LearningOut)
def student_learning(args, student_id):
    """A student's own results per standard over time, strengths and areas to grow (audit-logged)."""
    as_of = args["as_of"] or get_store().clock().date()
    return _read(use_cases.learning, student_id, as_of)


@blp.route("/students/<student_id>/data-talks", methods=["GET"])
@blp.response(200, DataTalkList)
def list_data_talks(student_id):
    """The teachers' notes of data talks with the student, newest first (audit-logged)."""
    return _read(use_cases.list_talks, student_id)


@blp.route("/students/<student_id>/data-talks", methods=["POST"])
@blp.arguments(DataTalkIn)
@blp.response(201, DataTalkOut)
def record_data_talk(body, student_id):
    """A teacher of the student notes what was shared in a data talk, and when."""
    store = get_store()
    return _read(lambda view, principal, sid: use_cases.record_talk(store, view, principal, sid, body), student_id)


@blp.route("/imports/gradebook", methods=["POST"])
@blp.arguments(ImportForm, location="form")
@blp.arguments(ImportFile, location="files")
@blp.response(201, ImportOut)
@blp.alt_response(422, description="The file has errors; nothing was imported (problem+json, `errors`).")
def upload_gradebook_csv(form, files):
    """Import a plain results CSV (student, standard, date, score, scale) into the caller's district."""
    require_role(current_principal(), "district_admin")
    return import_upload(files["file"], "results.csv", "Invalid gradebook file",
                         lambda path, district_id: import_gradebook_csv(get_store(), path, district_id=district_id,
                                                                        partial=form["partial"]))
