"""Request and response schemas of request windows: families' requests, the school's
priority marks, interpreters, capacity warnings and the assignment (unknown fields are
rejected)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.scheduling.domain.assignment.requests import MAX_RANGES, PRIORITY_REASONS
from services.scheduling.domain.constants import MAX_CHILDREN_PER_REQUEST
from services.scheduling.domain.model import MODALITIES
from services.scheduling.entrypoints.http.schemas.windows import Id, In, Lang, RangeSchema


class RequestedChild(In):
    student_id = Id(required=True)
    teacher_id = Id(metadata={"description": "the teacher to meet; omit when the child has one"})


class RequestIn(In):
    students = fields.List(fields.Nested(RequestedChild), required=True,
                           validate=validate.Length(min=1, max=MAX_CHILDREN_PER_REQUEST))
    ranges = fields.List(fields.Nested(RangeSchema), required=True, validate=validate.Length(min=1, max=MAX_RANGES),
                         metadata={"description": "the times the family can come, local to the school, on the "
                                                  "window's days"})
    preferred = fields.List(fields.Nested(RangeSchema), load_default=list, validate=validate.Length(max=MAX_RANGES),
                            metadata={"description": "times the family would rather have, inside `ranges`"})
    modality = fields.String(load_default="in_person", validate=validate.OneOf(MODALITIES))
    interpreter_language = Lang(metadata={"description": "BCP 47 language of the interpreter wanted, if any"})
    private_talk = fields.Boolean(load_default=False,
                                  metadata={"description": "a private word with the teacher after the student"})


class RangeOut(Schema):
    date = fields.String()
    start = fields.String()
    end = fields.String()


class ChildOut(Schema):
    student_id = fields.String()
    teacher_id = fields.String()


class RequestOut(Schema):
    request_id = fields.String(attribute="_id")
    window_id = fields.String()
    guardian_id = fields.String()
    students = fields.List(fields.Nested(ChildOut), attribute="children")
    ranges = fields.List(fields.Nested(RangeOut))
    preferred = fields.List(fields.Nested(RangeOut))
    modality = fields.String()
    interpreter_language = fields.String(allow_none=True)
    private_talk = fields.Boolean()
    status = fields.String(metadata={"description": "active or withdrawn"})
    revision = fields.Integer()
    submitted_by_role = fields.String()
    updated_at = fields.DateTime()


class PriorityIn(In):
    priority = fields.Integer(load_default=1, validate=validate.Range(min=1, max=3),
                              metadata={"description": "higher is served first"})
    reason = fields.String(required=True, validate=validate.OneOf(PRIORITY_REASONS))


class PriorityOut(Schema):
    window_id = fields.String()
    guardian_id = fields.String()
    priority = fields.Integer()
    reason = fields.String()
    marked_by = fields.String()
    marked_at = fields.DateTime()


class InterpreterIn(In):
    interpreter_id = Id(required=True)
    languages = fields.List(fields.String(validate=validate.Regexp(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")),
                            required=True, validate=validate.Length(min=1, max=10))
    ranges = fields.List(fields.Nested(RangeSchema), required=True, validate=validate.Length(min=1, max=62))


class InterpretersIn(In):
    interpreters = fields.List(fields.Nested(InterpreterIn), required=True, validate=validate.Length(max=100))


class InterpreterOut(Schema):
    interpreter_id = fields.String()
    languages = fields.List(fields.String())
    ranges = fields.List(fields.Nested(RangeOut))


class InterpretersOut(Schema):
    window_id = fields.String()
    interpreters = fields.List(fields.Nested(InterpreterOut))


class WarningOut(Schema):
    kind = fields.String(metadata={"description": "teacher or interpreter"})
    subject = fields.String(metadata={"description": "the teacher's id or the language"})
    capacity = fields.Integer()
    demand = fields.Integer()
    message = fields.String()


class CapacityOut(Schema):
    window_id = fields.String()
    requests = fields.Integer(metadata={"description": "active requests so far"})
    roster_warnings = fields.List(fields.Nested(WarningOut), metadata={
        "description": "every student of the roster against the teachers' slots"})
    request_warnings = fields.List(fields.Nested(WarningOut), metadata={
        "description": "the conferences requested so far against slots and interpreters"})


class PlannedConference(Schema):
    guardian_id = fields.String()
    student_id = fields.String()
    teacher_id = fields.String()
    slot_id = fields.String()
    private_slot_id = fields.String(allow_none=True)
    start = fields.DateTime()
    end = fields.DateTime(metadata={"description": "after the private word, when there is one"})
    room = fields.String(allow_none=True)
    modality = fields.String()
    interpreter_id = fields.String(allow_none=True)
    interpreter_language = fields.String(allow_none=True)
    pinned = fields.Boolean()


class UnassignedOut(Schema):
    guardian_id = fields.String()
    student_ids = fields.List(fields.String())
    reason = fields.String(metadata={"description": "teacher_not_available, no_overlap_with_free_time, "
                                                    "no_slot_for_private_talk, siblings_not_back_to_back, "
                                                    "no_interpreter_for_language, interpreter_not_available, "
                                                    "interpreter_busy, room_busy, teacher_full, pin_breaks_rules, "
                                                    "not_placed_in_time"})
    details = fields.Dict()


class StageOut(Schema):
    name = fields.String()
    status = fields.String()
    value = fields.Integer()
    seconds = fields.Float()


class PinOut(Schema):
    student_id = fields.String()
    slot_id = fields.String()


class PlanOut(Schema):
    window_id = fields.String()
    version = fields.Integer(metadata={"description": "give it back to publish exactly what was reviewed"})
    status = fields.String(metadata={"description": "proposed, publishing or published"})
    trigger = fields.String(metadata={"description": "deadline, preview or pins"})
    solved_at = fields.DateTime()
    pins = fields.List(fields.Nested(PinOut))
    conferences = fields.List(fields.Nested(PlannedConference))
    unassigned = fields.List(fields.Nested(UnassignedOut))
    warnings = fields.List(fields.Nested(WarningOut))
    stages = fields.List(fields.Nested(StageOut))
    metrics = fields.Dict(metadata={"description": "families, families_assigned, priority_families, "
                                                   "priority_assigned, preferred_conferences, family_wait_minutes, "
                                                   "teacher_idle_minutes ..."})
    booked_families = fields.List(fields.String())
    offered_families = fields.List(fields.String())
    bookings = fields.Integer(metadata={"description": "conferences booked when published"})
    published_at = fields.DateTime()


class PinIn(In):
    slot_id = Id(required=True, metadata={"description": "the slot to hold the child's conference "
                                                          "(its current one pins it, another moves it)"})


class PublishIn(In):
    version = fields.Integer(required=True, validate=validate.Range(min=1))
