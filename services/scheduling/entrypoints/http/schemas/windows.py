"""Request and response schemas of windows, availability and slots (marshmallow; unknown
fields are rejected). Bookings are in `schemas_bookings`."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from services.scheduling.domain.assignment.requests import BOOKING_MODES
from services.scheduling.domain.model import MODALITIES, POLICIES, SLOT_LENGTHS

Id = lambda **kw: fields.String(validate=validate.Length(min=1, max=200), **kw)  # noqa: E731
Lang = lambda **kw: fields.String(validate=validate.Regexp(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"),  # noqa: E731
                                  load_default=None, allow_none=True, **kw)


class In(Schema):
    class Meta:
        unknown = RAISE


class DaySchema(In):
    date = fields.Date(required=True)
    start = fields.Time(required=True)
    end = fields.Time(required=True)
    evening = fields.Boolean(load_default=False)


class RangeSchema(In):
    date = fields.Date(required=True)
    start = fields.Time(required=True)
    end = fields.Time(required=True)


class WindowIn(In):
    school_id = Id(required=True)
    cycle = Id(metadata={"description": "e.g. 2026-fall; omit to name it after the first day "
                                                   "(Aug-Nov fall, Dec-Feb winter of the next year, "
                                                   "Mar-May spring, Jun-Jul summer)"})
    name = fields.String(validate=validate.Length(max=200))
    days = fields.List(fields.Nested(DaySchema), required=True, validate=validate.Length(min=1, max=31))
    slot_minutes = fields.Integer(required=True, validate=validate.OneOf(SLOT_LENGTHS))
    buffer_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=60))
    modality = fields.String(load_default="in_person", validate=validate.OneOf(MODALITIES))
    video_link = fields.Url(load_default=None, allow_none=True, schemes={"https", "http"})
    booking_opens_at = fields.AwareDateTime(required=True)
    booking_closes_at = fields.AwareDateTime(required=True)
    cancellation_cutoff_hours = fields.Integer(load_default=24, validate=validate.Range(min=0, max=24 * 14))
    policy = fields.String(load_default="per_student", validate=validate.OneOf(POLICIES))
    travel_gap_minutes = fields.Integer(load_default=5, validate=validate.Range(min=0, max=60))
    max_idle_minutes = fields.Integer(load_default=15, validate=validate.Range(min=0, max=120))
    auto_break_after = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))
    breaks = fields.List(fields.Nested(RangeSchema), load_default=list)
    waitlist = fields.Boolean(load_default=False)
    nudge_after_days = fields.Integer(load_default=3, validate=validate.Range(min=1, max=30))
    booking_mode = fields.String(load_default="first_come", validate=validate.OneOf(BOOKING_MODES), metadata={
        "description": "first_come: families book slots; requests: families say when they can come by "
                       "requests_deadline and the school assigns and publishes; requests_then_first_come: "
                       "the same, then first-come booking on what is left"})
    requests_deadline = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "request windows: requests close (and the assignment is solved) at this time; after "
                       "booking opens, before booking closes and before the first conference day"})


class WindowOut(Schema):
    window_id = fields.String(attribute="_id")
    school_id = fields.String()
    cycle = fields.String()
    name = fields.String()
    status = fields.String()
    time_zone = fields.String()
    days = fields.List(fields.Dict())
    breaks = fields.Dict()
    slot_minutes = fields.Integer()
    buffer_minutes = fields.Integer()
    modality = fields.String()
    video_link = fields.String(allow_none=True)
    booking_opens_at = fields.DateTime()
    booking_closes_at = fields.DateTime()
    cancellation_cutoff_hours = fields.Integer()
    policy = fields.String()
    travel_gap_minutes = fields.Integer()
    max_idle_minutes = fields.Integer()
    auto_break_after = fields.Integer(allow_none=True)
    waitlist = fields.Boolean()
    nudge_after_days = fields.Integer()
    invited = fields.Integer()
    booking_mode = fields.String(dump_default="first_come")
    requests_deadline = fields.DateTime(allow_none=True)
    first_come_open = fields.Boolean(dump_default=True, metadata={
        "description": "families may book first-come (always, in a first_come window)"})


class AvailabilityIn(In):
    room = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))
    video_link = fields.Url(load_default=None, allow_none=True, schemes={"https", "http"})
    ranges = fields.List(fields.Nested(RangeSchema), required=True, validate=validate.Length(min=1))
    breaks = fields.List(fields.Nested(RangeSchema), load_default=list)


class AvailabilityOut(Schema):
    window_id = fields.String()
    teacher_id = fields.String()
    slots = fields.Integer()
    added = fields.Integer()
    removed = fields.Integer()
    kept_booked = fields.List(fields.String())


class MoveDayIn(In):
    to_date = fields.Date(required=True)


class MoveDayOut(Schema):
    window_id = fields.String()
    from_date = fields.Date()
    to_date = fields.Date()
    moved = fields.List(fields.String())
    released = fields.List(fields.String())


class SlotQuery(In):
    teacher_id = Id()
    date = fields.Date()
    free = fields.Boolean(load_default=False)


class SlotOut(Schema):
    """Free/busy only: never who booked."""
    slot_id = fields.String()
    teacher_id = fields.String()
    teacher_name = fields.String()
    start = fields.DateTime()
    end = fields.DateTime()
    local_date = fields.String()
    local_start = fields.String()
    local_end = fields.String()
    evening = fields.Boolean()
    room = fields.String(allow_none=True)
    modality = fields.String()
    free = fields.Boolean()


class WindowQuery(In):
    school_id = Id(required=True)


class ScheduleQuery(In):
    teacher_id = Id()
