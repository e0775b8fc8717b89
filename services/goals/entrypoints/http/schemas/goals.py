"""Request / response schemas for goals and check-ins. Unknown fields are refused.

Hard caps here stop abuse; the friendly limits (10 actions, 300 letters ...) are the
domain's feedback, so a student sees "too long" in words, not a schema error.
"""
from marshmallow import RAISE, Schema, fields, validate

from services.goals.domain import FocusKind, GoalStatus, Term

TEXT = validate.Length(max=5000)
ITEMS = validate.Length(max=50)


class In(Schema):
    class Meta:
        unknown = RAISE


def Text(**kw):
    return fields.String(validate=TEXT, **kw)


def TextList(**kw):
    return fields.List(fields.String(validate=TEXT), validate=ITEMS, **kw)


class FocusIn(In):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in FocusKind]))
    label = Text(load_default="")
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class MeasureIn(In):
    unit = fields.String(required=True, validate=validate.Length(max=100))
    baseline = fields.Float(required=True)
    target = fields.Float(required=True)


class TrackableIn(In):
    method = Text(load_default="")
    measure = fields.Nested(MeasureIn, load_default=None, allow_none=True)


class SupportsIn(In):
    teacher = TextList(load_default=list)
    family = TextList(load_default=list)
    student = TextList(load_default=list)


class PlanIn(In):
    """A goal's statement and All-STAR plan. A draft may be incomplete."""
    statement = Text(load_default="")
    focus = fields.Nested(FocusIn, required=True)
    term = fields.String(load_default="short", validate=validate.OneOf([t.value for t in Term]))
    specific_actions = TextList(load_default=list)
    trackable = fields.Nested(TrackableIn, load_default=dict)
    achievable_reasons = TextList(load_default=list)
    target_date = fields.Date(load_default=None, allow_none=True)
    supports = fields.Nested(SupportsIn, load_default=dict)


class GoalIn(PlanIn):
    cycle = fields.String(load_default=None, validate=validate.Length(max=20))


class GoalCheckIn(GoalIn):
    student_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    goal_id = fields.String(load_default=None, metadata={"description": "the goal being edited, if any"})


class GoalPatchIn(In):
    """Fields to change (others keep their value) and, once shared, why."""
    statement = Text()
    focus = fields.Nested(FocusIn)
    term = fields.String(validate=validate.OneOf([t.value for t in Term]))
    specific_actions = TextList()
    trackable = fields.Nested(TrackableIn)
    achievable_reasons = TextList()
    target_date = fields.Date(allow_none=True)
    supports = fields.Nested(SupportsIn)
    reason = Text(load_default="")


class StatusIn(In):
    status = fields.String(required=True, validate=validate.OneOf(
        [s.value for s in GoalStatus if s not in (GoalStatus.DRAFT, GoalStatus.REVISED)]))
    note = Text(load_default="")
    next_steps = Text(load_default=None, allow_none=True)
    next_cycle = fields.String(load_default=None, metadata={"description": "carried over: draft a copy in this cycle"})


class CycleQuery(In):
    cycle = fields.String(load_default=None)


class FeedbackOut(Schema):
    code = fields.String()
    field = fields.String()
    severity = fields.String()
    message = fields.String()


class CheckOut(Schema):
    feedback = fields.List(fields.Nested(FeedbackOut))
    can_submit = fields.Boolean()


class GoalOut(Schema):
    goal_id = fields.String()
    student_id = fields.String()
    cycle = fields.String()
    school_year = fields.Dict()
    status = fields.String()
    plan = fields.Dict()
    revisions = fields.List(fields.Dict(), metadata={"description": "earlier plans, oldest first"})
    status_log = fields.List(fields.Dict())
    carried_from = fields.String(allow_none=True)
    set_by = fields.String(metadata={"description": "student (the student's own goal) or family (the family's "
                                                    "goal for the child, agreed at the conference)"})
    next_steps = fields.String(allow_none=True)
    feedback = fields.List(fields.Nested(FeedbackOut))
    can_submit = fields.Boolean()
    allowed_moves = fields.List(fields.String())


class GoalListOut(Schema):
    cycle = fields.String()
    goals = fields.List(fields.Nested(GoalOut))


class CheckinIn(In):
    on = fields.Date(load_default=None, metadata={"description": "default: today at the school"})
    status = fields.String(required=True, validate=validate.OneOf(["on_track", "needs_support", "achieved"]))
    note = Text(load_default="")
    measure_value = fields.Float(load_default=None, allow_none=True)


class CheckinOut(Schema):
    checkin_id = fields.String()
    goal_id = fields.String()
    on = fields.String()
    status = fields.String()
    note = fields.String()
    measure_value = fields.Float(allow_none=True)
    by_role = fields.String()
    by_id = fields.String(allow_none=True)
    closed_follow_ups = fields.List(fields.String())


class CheckinListOut(Schema):
    checkins = fields.List(fields.Nested(CheckinOut))
    progress = fields.Dict()


class FollowUpOut(Schema):
    follow_up_id = fields.String()
    student_id = fields.String()
    teacher_id = fields.String(allow_none=True)
    booking_id = fields.String()
    cycle = fields.String()
    due_at = fields.DateTime()
    status = fields.String()
    opened_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    closed_by_checkin = fields.String(allow_none=True)


class FollowUpQuery(In):
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "closed", "all"]))


class FollowUpListOut(Schema):
    follow_ups = fields.List(fields.Nested(FollowUpOut))
