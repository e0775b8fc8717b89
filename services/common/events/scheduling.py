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
    # Added (optional): a request window asks the family for the times they can come, by
    # `requests_deadline`, instead of a booking. Events published before have neither.
    asks = fields.String(load_default="booking", validate=validate.OneOf(["booking", "request"]),
                         metadata={"description": "booking: book a time; request: say when you can come"})
    requests_deadline = fields.AwareDateTime(load_default=None, allow_none=True,
                                             metadata={"description": "request windows: requests close then"})


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


@event("scheduling", "ConferenceRequestSubmitted")
class ConferenceRequestSubmitted(EventData):
    """A family (or staff for them) sent or replaced its request in a request window: the
    children to be seen; the times given stay in scheduling."""
    window_id = Id()
    school_id = Id()
    guardian_id = Id()
    student_ids = fields.List(fields.String(), required=True)
    revision = fields.Integer(strict=True, required=True)
    interpreter_language = OptId()
    private_talk = fields.Boolean(load_default=False)
    submitted_by_role = fields.String(required=True)


@event("scheduling", "ConferenceRequestWithdrawn")
class ConferenceRequestWithdrawn(EventData):
    """A family withdrew its request before the deadline."""
    window_id = Id()
    school_id = Id()
    guardian_id = Id()
    revision = fields.Integer(strict=True, required=True)


@event("scheduling", "ConferenceAssignmentProposed")
class ConferenceAssignmentProposed(EventData):
    """The school's assignment of a request window was solved (the deadline passed, or an
    administrator previewed, pinned or moved a conference); not yet published."""
    window_id = Id()
    school_id = Id()
    version = fields.Integer(strict=True, required=True)
    trigger = fields.String(required=True, validate=validate.OneOf(["deadline", "preview", "pins"]))
    families_assigned = fields.Integer(strict=True, required=True)
    families_unassigned = fields.Integer(strict=True, required=True)


@event("scheduling", "ConferenceAssignmentPublished")
class ConferenceAssignmentPublished(EventData):
    """The assignment was published: each assigned family's conferences were booked
    (one ConferenceBooked each), the others were offered times (ConferenceTimesOffered)."""
    window_id = Id()
    school_id = Id()
    version = fields.Integer(strict=True, required=True)
    families_booked = fields.Integer(strict=True, required=True)
    families_offered = fields.Integer(strict=True, required=True)
    first_come_open = fields.Boolean(required=True)


class OfferedSlot(EventData):
    slot_id = Id()
    start = fields.AwareDateTime(required=True)


class ChildOffer(EventData):
    student_id = Id()
    teacher_id = Id()
    slots = fields.List(fields.Nested(OfferedSlot), required=True)


@event("scheduling", "ConferenceTimesOffered")
class ConferenceTimesOffered(EventData):
    """The assignment left a family out: the free times nearest to the ones they gave,
    per child, for the family to book."""
    window_id = Id()
    school_id = Id()
    guardian_id = Id()
    student_ids = fields.List(fields.String(), required=True)
    reason = fields.String(required=True)
    offers = fields.List(fields.Nested(ChildOffer), required=True)
