from marshmallow import fields, validate

from services.common.catalogue import event
from services.common.events.base import EventData, Id, OptId

STATUSES = ("draft", "submitted", "agreed", "achieved", "revised", "carried_over")
SET_BY = ("student", "family")
CHECKIN = ("on_track", "needs_support", "achieved")
CHECKIN_SOURCES = ("hand", "gradebook")


class GoalData(EventData):
    """The goal an event is about, first in each goal event's data."""
    goal_id = Id()
    student_id = Id()
    school_id = Id()


class CheckinData(GoalData):
    """A check-in on the goal."""
    checkin_id = Id()


@event("goals", "GoalCreated")
class GoalCreated(GoalData):
    """A student started a goal."""
    cycle = fields.String(required=True)
    focus_kind = fields.String(required=True)
    term = fields.String(required=True, validate=validate.OneOf(["short", "long"]))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    target_date = fields.Date(load_default=None, allow_none=True)
    set_by = fields.String(load_default="student", validate=validate.OneOf(SET_BY),
                           metadata={"description": "the student's own goal, or the family's goal for the child"})


@event("goals", "GoalUpdated")
class GoalUpdated(GoalData):
    """A goal changed status or plan (a new revision)."""
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    revision = fields.Integer(strict=True, required=True)
    target_date = fields.Date(load_default=None, allow_none=True)


@event("goals", "GoalAchieved")
class GoalAchieved(GoalData):
    """A goal was achieved."""
    achieved_on = fields.Date(required=True)


@event("goals", "GoalProgressRecorded")
class GoalProgressRecorded(CheckinData):
    """A check-in on a goal (status and optional measure; the note stays in goals)."""
    date = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CHECKIN))
    value = fields.Float(load_default=None, allow_none=True)
    recorded_by_role = fields.String(required=True)
    source = fields.String(load_default="hand", validate=validate.OneOf(CHECKIN_SOURCES),
                           metadata={"description": "hand: recorded by a person; gradebook: from an imported "
                                                    "result (its value travels in CheckinMeasureRecorded)"})


@event("goals", "GoalContentChanged", private=True)
class GoalContentChanged(GoalData):
    """PRIVATE: the words of a goal and its plan, for the progress report."""
    statement = fields.String(required=True)
    focus = fields.Dict(required=True)
    term = fields.String(required=True)
    status = fields.String(required=True)
    plan = fields.Dict(required=True)
    supports = fields.Dict(required=True)
    next_steps = fields.String(load_default=None, allow_none=True)
    set_by = fields.String(load_default="student", validate=validate.OneOf(SET_BY))


@event("goals", "ParentInputSubmitted")
class ParentInputSubmitted(EventData):
    """A family sent its parent input form (content stays in goals)."""
    student_id = Id()
    guardian_id = Id()
    school_id = Id()
    cycle = fields.String(required=True)
    private_talk_requested = fields.Boolean(required=True)
    family_goal_count = fields.Integer(strict=True, required=True)


@event("goals", "SelfAssessmentSubmitted")
class SelfAssessmentSubmitted(EventData):
    """A student submitted a self-assessment for a cycle."""
    student_id = Id()
    school_id = Id()
    cycle = fields.String(required=True)


@event("goals", "EvidenceAdded")
class EvidenceAdded(EventData):
    """A work sample was added to a student's folder."""
    evidence_id = Id()
    student_id = Id()
    school_id = Id()
    goal_id = OptId()
    kind = fields.String(required=True, validate=validate.OneOf(["file", "link"]))


@event("goals", "GoalDeleted")
class GoalDeleted(GoalData):
    """A draft goal was deleted by its author (drafts only: a shared goal is never deleted)."""


@event("goals", "CheckinNoteRecorded", private=True)
class CheckinNoteRecorded(CheckinData):
    """PRIVATE: the words written with a check-in (a child's or a family's), for the
    progress report. Sent with GoalProgressRecorded when the check-in has a note."""
    note = fields.String(required=True)


@event("goals", "CheckinMeasureRecorded", private=True)
class CheckinMeasureRecorded(EventData):
    """PRIVATE: the value of a check-in that came from the gradebook (a score), with the
    standard / line item the goal's measure is linked to, for the packet and the report."""
    goal_id = Id()
    student_id = Id()
    school_id = Id()
    checkin_id = Id()
    date = fields.Date(required=True)
    value = fields.Float(required=True)
    source = fields.String(required=True, validate=validate.OneOf(CHECKIN_SOURCES))
    learning_objective_id = OptId()
    line_item_id = OptId()
