"""Request / response schemas of the reports API. Unknown fields are refused."""
from marshmallow import RAISE, Schema, fields, validate

from services.reports.domain.model import PERIOD_RE

PERIOD = fields.String(required=True, validate=validate.Regexp(PERIOD_RE, error="Use YYYY-MM, e.g. 2026-11."))
LANG = fields.String(load_default=None, validate=validate.Length(min=2, max=20))


class In(Schema):
    class Meta:
        unknown = RAISE


class ReportQuery(In):
    format = fields.String(load_default="html", validate=validate.OneOf(["html", "pdf"]))
    lang = LANG


class StoredReportQuery(In):
    format = fields.String(load_default=None, validate=validate.OneOf(["html", "pdf"]))


class SummaryQuery(In):
    audience = fields.String(load_default=None, validate=validate.OneOf(["family", "teacher"]))
    lang = LANG


class DistrictDashboardQuery(In):
    by = fields.String(load_default="school", validate=validate.OneOf(["school", "grade", "teacher", "district"]))
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "html", "csv"]))
    lang = LANG


class SchoolDashboardQuery(DistrictDashboardQuery):
    by = fields.String(load_default="grade", validate=validate.OneOf(["grade", "teacher", "school"]))


class JobIn(In):
    period = PERIOD
    school_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    format = fields.String(load_default="html", validate=validate.OneOf(["html", "pdf"]))


class JobOut(Schema):
    id = fields.String()
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    period = fields.String()
    school_id = fields.String(allow_none=True)
    format = fields.String()
    total = fields.Integer(allow_none=True, metadata={"description": "students in scope (once started)"})
    done = fields.Integer()
    failed = fields.Integer()
    progress = fields.Float(metadata={"description": "0..1"})
    errors = fields.List(fields.Dict())
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class Counters(Schema):
    invitations_sent = fields.Integer()
    families_invited = fields.Integer(metadata={"description": "Students whose family was invited (per student)."})
    families_booked = fields.Integer(metadata={"description": "Students with a conference booked (per student)."})
    conferences_held = fields.Integer()
    no_shows = fields.Integer()
    goals_set = fields.Integer()
    goals_on_track = fields.Integer()
    goals_needs_support = fields.Integer()
    goals_achieved = fields.Integer()
    followups_due = fields.Integer(metadata={"description": "Follow-ups that fell due (two weeks after a conference)."})
    followups_completed = fields.Integer(metadata={
        "description": "Follow-ups answered by a check-in recorded after they fell due (as the goals service closes them)."})
    participation_rate = fields.Float(metadata={"description": "Invited students whose conference was held, 0..1."})
    households_invited = fields.Integer(metadata={"description": "Households (guardians) invited, each once."})
    households_booked = fields.Integer(metadata={"description": "Invited households with a conference booked "
                                                                "(held and no-shows included)."})
    households_held = fields.Integer(metadata={"description": "Households with a conference held."})
    households_followed_up = fields.Integer(metadata={
        "description": "Households whose follow-up was answered by a check-in after it fell due."})
    booking_rate = fields.Float(metadata={"description": "Invited households that booked, 0..1."})


class DashboardRow(Counters):
    school_id = fields.String()
    school_name = fields.String()
    grade = fields.String(allow_none=True)
    teacher_id = fields.String(allow_none=True)
    teacher_name = fields.String(allow_none=True)


class DashboardOut(Schema):
    by = fields.Raw()
    columns = fields.List(fields.String())
    rows = fields.List(fields.Nested(DashboardRow))
    total = fields.Nested(Counters)
    scope = fields.Dict()
