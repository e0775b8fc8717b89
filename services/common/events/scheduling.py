from marshmallow import fields, validate

from services.common.catalogue import event
from services.common.events.base import EventData, Id, OptId

MODALITIES = ("in_person", "video", "phone")


class BookingData(EventData):
    booking_id = Id()
    window_id = Id()
    school_id = Id()
    student_id = Id()
    teacher_id = Id()
    guardian_id = Id()
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    modality = fields.String(required=True, validate=validate.OneOf(MODALITIES))
    room = OptId()
    interpreter_language = OptId()
    private_talk = fields.Boolean(load_default=False)
    # Added (optional) so a consumer needs no knowledge of scheduling's id format; events
    # published before it have none.
    slot_id = OptId(metadata={"description": "The booked slot (the conference part, without a private word)."})


class WindowData(EventData):
    # What every version of ConferenceWindowOpened says first (each version's published
    # schema is still held by the lock: a change here that breaks one fails the check).
    window_id = Id()
    school_id = Id()
    cycle = fields.String(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    booking_closes_at = fields.AwareDateTime(required=True)


@event("scheduling", "ConferenceWindowOpened")
class ConferenceWindowOpened(WindowData):
    """A school opened its conference window for booking."""
    slot_minutes = fields.Integer(strict=True, required=True, validate=validate.OneOf([15, 20, 30]))


class InvitedFamily(EventData):
    guardian_id = Id()
    student_ids = fields.List(fields.String(), required=True)


@event("scheduling", "ConferenceWindowOpened", 2)
class ConferenceWindowOpenedV2(WindowData):
    """A school opened its conference window for booking. v2: 10-minute slots, and the
    whole invitation list (ids only), so a dashboard counts every invited family at once."""
    slot_minutes = fields.Integer(strict=True, required=True, validate=validate.OneOf([10, 15, 20, 30]))
    invitations = fields.List(fields.Nested(InvitedFamily), required=True)


@event("scheduling", "InvitationDue")
class InvitationDue(EventData):
    """A family should be invited (or nudged) to book its children's conferences."""
    window_id = Id()
    school_id = Id()
    guardian_id = Id()
    student_ids = fields.List(fields.String(), required=True)
    nudge = fields.Boolean(load_default=False)
    booking_closes_at = fields.AwareDateTime(required=True)


@event("scheduling", "ConferenceBooked")
class ConferenceBooked(BookingData):
    """A conference slot was booked for a student."""
    booked_by_role = fields.String(required=True)


@event("scheduling", "ConferenceRescheduled")
class ConferenceRescheduled(BookingData):
    """A booking moved to another slot (by the family or a snow day)."""
    previous_start = fields.AwareDateTime(required=True)


@event("scheduling", "ConferenceCancelled")
class ConferenceCancelled(BookingData):
    """A booking was cancelled (by the family, the school, or a released snow day)."""
    reason = fields.String(required=True, validate=validate.OneOf(["family", "school", "day_moved"]))


@event("scheduling", "ConferenceReminderDue")
class ConferenceReminderDue(BookingData):
    """A conference is coming up: remind the family."""


class ConferenceData(EventData):
    booking_id = Id()
    school_id = Id()
    student_id = Id()
    teacher_id = Id()


@event("scheduling", "ConferenceHeld")
class ConferenceHeld(ConferenceData):
    """The student led the conference."""
    cycle = fields.String(required=True)
    held_at = fields.AwareDateTime(required=True)
    private_talk = fields.Boolean(load_default=False)


@event("scheduling", "ConferenceNoShow")
class ConferenceNoShow(ConferenceData):
    """Nobody came to a booked conference."""
    cycle = fields.String(required=True)
    start = fields.AwareDateTime(required=True)


@event("scheduling", "FollowUpDue")
class FollowUpDue(ConferenceData):
    """Two weeks after a conference: time for a progress check-in."""
    guardian_ids = fields.List(fields.String(), required=True)
    cycle = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)


class FamilyGoalText(EventData):
    id = Id()
    text = fields.String(required=True, validate=validate.Length(min=1, max=300))


@event("scheduling", "ConferenceOutcomeRecorded")
class ConferenceOutcomeRecorded(ConferenceData):
    """What was agreed at a held conference was recorded (or added to): the family's goals
    for the child (by id), how many supports the teacher will give, the next check-in.
    The words are on the internal exchange only (ConferenceOutcomeContent)."""
    cycle = fields.String(required=True)
    family_goal_ids = fields.List(fields.String(), required=True)
    support_count = fields.Integer(strict=True, required=True)
    next_checkin_on = fields.Date(load_default=None, allow_none=True)
    revision = fields.Integer(strict=True, required=True)


@event("scheduling", "ConferenceOutcomeContent", private=True)
class ConferenceOutcomeContent(ConferenceData):
    """PRIVATE: the words of what was agreed at a conference: the family's goals for the
    child (kept as goals beside the student's own) and the supports the teacher will give."""
    guardian_id = Id()
    cycle = fields.String(required=True)
    family_goals = fields.List(fields.Nested(FamilyGoalText), required=True)
    supports = fields.List(fields.String(validate=validate.Length(min=1, max=300)), required=True)
    next_checkin_on = fields.Date(load_default=None, allow_none=True)
    revision = fields.Integer(strict=True, required=True)
