"""Request and response schemas of bookings, agendas, invitations and the waitlist."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.scheduling.domain.constants import MAX_CHILDREN_PER_REQUEST
from services.scheduling.entrypoints.http.schemas.windows import Id, In, Lang


class ChildIn(In):
    student_id = Id(required=True)
    slot_id = Id(metadata={"description": "omit to get the earliest (back-to-back) slots"})
    teacher_id = Id()
    private_talk = fields.Boolean(load_default=False,
                                  metadata={"description": "pair a private word with the teacher right after"})


class BookingIn(In):
    students = fields.List(fields.Nested(ChildIn), required=True,
                           validate=validate.Length(min=1, max=MAX_CHILDREN_PER_REQUEST))
    guardian_id = Id(metadata={"description": "staff booking on behalf of a family"})
    interpreter_language = Lang(metadata={"description": "BCP 47 tag, e.g. es, vi, zh-Hant"})
    date = fields.Date(metadata={"description": "with automatic slots: the day to book"})


class RescheduleIn(In):
    slot_id = Id(required=True)
    private_talk = fields.Boolean(load_default=None, allow_none=True)


class AgreementIn(In):
    family_goals = fields.List(fields.String(validate=validate.Length(max=300)), load_default=list,
                               metadata={"description": "the family's goals for the child, added to those recorded; "
                                                        "each becomes a goal tracked with check-ins"})
    supports = fields.List(fields.String(validate=validate.Length(max=300)), load_default=None, allow_none=True,
                           metadata={"description": "the supports the teacher will give (replaces the list)"})
    next_checkin_on = fields.Date(metadata={"description": "the day of the next check-in (moves the follow-up)"})


class OutcomeIn(AgreementIn):
    outcome = fields.String(required=True, validate=validate.OneOf(["held", "no_show"]))


class FamilyGoalOut(Schema):
    id = fields.String()
    text = fields.String()


class AgreementOut(Schema):
    family_goals = fields.List(fields.Nested(FamilyGoalOut))
    supports = fields.List(fields.String())
    next_checkin_on = fields.String(allow_none=True)
    revision = fields.Integer()
    updated_at = fields.DateTime(allow_none=True)


class BookingQuery(In):
    window_id = Id()
    status = fields.String(validate=validate.OneOf(["booked", "held", "no_show", "cancelled"]))


class BookingOut(Schema):
    booking_id = fields.String(attribute="_id")
    window_id = fields.String()
    school_id = fields.String()
    student_id = fields.String()
    student_name = fields.String()
    guardian_id = fields.String()
    teacher_id = fields.String()
    teacher_name = fields.String()
    slot_id = fields.String()
    private_slot_id = fields.String(allow_none=True)
    start = fields.DateTime()
    end = fields.DateTime()
    private_end = fields.DateTime(allow_none=True)
    status = fields.String()
    room = fields.String(allow_none=True)
    modality = fields.String()
    video_link = fields.String(allow_none=True)
    interpreter_language = fields.String(allow_none=True)
    private_talk = fields.Boolean()
    booked_by_role = fields.String()
    group_id = fields.String(allow_none=True)
    sequence = fields.Integer()
    cancel_reason = fields.String(allow_none=True)
    held_at = fields.DateTime(allow_none=True)
    agreement = fields.Method("agreement_view", allow_none=True,
                              metadata={"description": "what was agreed at the conference (held only)"})

    def agreement_view(self, doc):
        from services.scheduling.application.outcomes import view

        return AgreementOut().dump(view(doc.get("agreement"))) if doc.get("agreement") else None


class BookingsOut(Schema):
    bookings = fields.List(fields.Nested(BookingOut))


class AgendaQuery(In):
    date = fields.Date(required=True)


class AgendaItemOut(Schema):
    booking_id = fields.String()
    slot_id = fields.String()
    start_utc = fields.DateTime(data_key="start")
    end_utc = fields.DateTime(data_key="end")
    local_start = fields.String()
    local_end = fields.String()
    private_until = fields.String(allow_none=True)
    student_id = fields.String()
    student_name = fields.String()
    guardian_id = fields.String()
    guardian_name = fields.String()
    status = fields.String()
    room = fields.String(allow_none=True)
    modality = fields.String(allow_none=True)
    interpreter_language = fields.String(allow_none=True)
    private_talk = fields.Boolean()


class InvitationQuery(In):
    status = fields.String(load_default="not_booked", validate=validate.OneOf(["not_booked", "booked", "all"]))


class InvitationOut(Schema):
    guardian_id = fields.String()
    student_ids = fields.List(fields.String())
    booked_student_ids = fields.List(fields.String())
    not_booked_student_ids = fields.List(fields.String())
    invited_at = fields.DateTime()
    nudged_at = fields.DateTime(allow_none=True)


class WaitlistIn(In):
    student_id = Id(required=True)
    teacher_id = Id()
    guardian_id = Id()
    interpreter_language = Lang()


class WaitlistOut(Schema):
    entry_id = fields.String(attribute="_id")
    window_id = fields.String()
    student_id = fields.String()
    teacher_id = fields.String()
    guardian_id = fields.String()
    status = fields.String()
    created_at = fields.DateTime()


class FeedOut(Schema):
    teacher_id = fields.String()
    token = fields.String(metadata={"description": "the secret of the calendar link"})
    path = fields.String(metadata={"description": "GET it (no token needed) for the iCalendar feed"})
    created_at = fields.DateTime()
