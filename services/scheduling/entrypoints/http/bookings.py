"""HTTP: booking, the caller's bookings, reschedule, cancel, outcome, calendar files."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from services.common.service import get_store
from services.common.web import current_principal
from services.scheduling.application import access
from services.scheduling.application import bookings
from services.scheduling.application import changes
from services.scheduling.application import feeds
from services.scheduling.application import queries
from services.scheduling.entrypoints.documents import views
from services.scheduling.entrypoints.http.schemas import bookings as sb

blp = Blueprint("bookings", __name__, url_prefix="", description="Bookings")
ICS = "text/calendar"


@blp.post("/windows/<window_id>/bookings")
@blp.arguments(sb.BookingIn)
@blp.response(201, sb.BookingsOut)
@blp.alt_response(409, description="The slot was taken, the child is already booked, or a policy said no "
                                   "(problem+json with a `code`)")
def book(body, window_id):
    """Book one child, or siblings back to back (all or nothing)."""
    made = bookings.book(get_store(), current_principal(), window_id, body["students"],
                         guardian_id=body.get("guardian_id"), interpreter_language=body.get("interpreter_language"),
                         on_date=body.get("date"))
    return {"bookings": made}


@blp.get("/bookings")
@blp.arguments(sb.BookingQuery, location="query")
@blp.response(200, sb.BookingsOut)
def my_bookings(query):
    """The caller's bookings: a guardian's own, a teacher's conferences, an admin's school."""
    return {"bookings": queries.bookings(get_store(), current_principal(), window_id=query.get("window_id"),
                                         status=query.get("status"))}


@blp.get("/bookings/<booking_id>")
@blp.response(200, sb.BookingOut)
def get_booking(booking_id):
    store = get_store()
    return queries.with_names(store.db, [access.booking_for(store.db, current_principal(), booking_id)])[0]


@blp.post("/bookings/<booking_id>/reschedule")
@blp.arguments(sb.RescheduleIn)
@blp.response(200, sb.BookingOut)
def reschedule(body, booking_id):
    """Move to another slot (families: until the cancellation cut-off)."""
    return changes.reschedule(get_store(), current_principal(), booking_id, body["slot_id"], body.get("private_talk"))


@blp.post("/bookings/<booking_id>/cancel")
@blp.response(200, sb.BookingOut)
def cancel(booking_id):
    """Cancel (families: until the cancellation cut-off); a paired private slot goes too."""
    return changes.cancel(get_store(), current_principal(), booking_id)


@blp.post("/bookings/<booking_id>/outcome")
@blp.arguments(sb.OutcomeIn)
@blp.response(200, sb.BookingOut)
def outcome(body, booking_id):
    """Record held / no_show (the teacher or an admin), emitting ConferenceHeld / ConferenceNoShow. With
    held, what was agreed may come along (family goals, supports, next check-in: see /agreement)."""
    agreement = {k: body[k] for k in ("family_goals", "supports", "next_checkin_on")
                 if k in body and body[k] not in (None, [])}
    return changes.record_outcome(get_store(), current_principal(), booking_id, body["outcome"], agreement or None)


@blp.post("/bookings/<booking_id>/agreement")
@blp.arguments(sb.AgreementIn)
@blp.response(200, sb.BookingOut)
def agreement(body, booking_id):
    """Add to what was agreed at a held conference: the family's goals for the child (added; each becomes
    a goal), the supports the teacher will give (replaced), the next check-in day (moves the follow-up).
    Emits ConferenceOutcomeRecorded (public) and ConferenceOutcomeContent (internal)."""
    return changes.record_agreement(get_store(), current_principal(), booking_id, body)


@blp.get("/bookings/<booking_id>/calendar.ics")
@blp.doc(responses={"200": {"description": "iCalendar", "content": {ICS: {}}}})
def booking_calendar(booking_id):
    body = views.booking_file(get_store(), current_principal(), booking_id)
    return Response(body, mimetype=ICS, headers={"Content-Disposition": f'attachment; filename="{booking_id}.ics"'})


@blp.get("/teachers/<teacher_id>/calendar.ics")
@blp.doc(responses={"200": {"description": "iCalendar feed", "content": {ICS: {}}}})
def teacher_calendar(teacher_id):
    """A teacher's conferences as a calendar feed (the teacher or an admin)."""
    return Response(views.teacher_feed(get_store(), current_principal(), teacher_id), mimetype=ICS)


@blp.get("/teachers/<teacher_id>/calendar-feed")
@blp.response(200, sb.FeedOut)
def get_feed(teacher_id):
    """The teacher's secret calendar link (the teacher or an admin); 404 until one is made."""
    return feeds.get(get_store(), current_principal(), teacher_id)


@blp.post("/teachers/<teacher_id>/calendar-feed")
@blp.response(201, sb.FeedOut)
def new_feed(teacher_id):
    """A new secret calendar link for the teacher; the previous one stops working."""
    return feeds.create(get_store(), current_principal(), teacher_id)


@blp.get("/feeds/<token>.ics")
@blp.doc(security=[], responses={"200": {"description": "iCalendar feed", "content": {ICS: {}}}})
def subscribed_feed(token):
    """A teacher's conferences for calendar apps, behind the secret link (no bearer token: the link is
    the key)."""
    return Response(views.subscribed_feed(get_store(), token), mimetype=ICS)
