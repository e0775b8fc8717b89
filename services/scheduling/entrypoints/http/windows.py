"""HTTP: conference windows, availability, opening, snow days, free/busy slots, and the
staff views of a window (invitations, agenda, printable schedule, waitlist)."""
from __future__ import annotations

from datetime import date

from flask import Response
from flask_smorest import Blueprint

from services.common.errors import NotFound
from services.common.service import get_store
from services.common.web import current_principal
from services.scheduling.application import access
from services.scheduling.application import queries
from services.scheduling.application import snowday
from services.scheduling.entrypoints.documents import views
from services.scheduling.application import waitlist
from services.scheduling.application import windows
from services.scheduling.entrypoints.http.schemas import windows as s
from services.scheduling.entrypoints.http.schemas import bookings as sb

blp = Blueprint("windows", __name__, url_prefix="/windows", description="Conference windows and slots")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise NotFound(f"No day {value}.", code="day_not_found") from None


@blp.get("")
@blp.arguments(s.WindowQuery, location="query")
@blp.response(200, s.WindowOut(many=True))
def list_windows(query):
    """Windows of a school (staff: all; families: open ones)."""
    return queries.windows(get_store(), current_principal(), query["school_id"])


@blp.post("")
@blp.arguments(s.WindowIn)
@blp.response(201, s.WindowOut)
def create_window(body):
    """Create a draft window (school or district admin)."""
    return windows.create(get_store(), current_principal(), body)


@blp.get("/<window_id>")
@blp.response(200, s.WindowOut)
def get_window(window_id):
    return access.window_for(get_store().db, current_principal(), window_id)


@blp.put("/<window_id>/availability/<teacher_id>")
@blp.arguments(s.AvailabilityIn)
@blp.response(200, s.AvailabilityOut)
def publish_availability(body, window_id, teacher_id):
    """Publish a teacher's availability; slots are generated in the school's time zone."""
    return windows.publish_availability(get_store(), current_principal(), window_id, teacher_id, body)


@blp.post("/<window_id>/open")
@blp.response(200, s.WindowOut)
def open_window(window_id):
    """Open for booking: ConferenceWindowOpened and one InvitationDue per family."""
    return windows.open_window(get_store(), current_principal(), window_id)


@blp.post("/<window_id>/days/<day>/move")
@blp.arguments(s.MoveDayIn)
@blp.response(200, s.MoveDayOut)
def move_day(body, window_id, day):
    """Snow day: move a day; bookings move with it or are released."""
    return snowday.move_day(get_store(), current_principal(), window_id, _day(day), body["to_date"])


@blp.get("/<window_id>/slots")
@blp.arguments(s.SlotQuery, location="query")
@blp.response(200, s.SlotOut(many=True))
def list_slots(query, window_id):
    """Free/busy slots (never who booked them)."""
    return queries.slots(get_store(), current_principal(), window_id, teacher_id=query.get("teacher_id"),
                         on=query.get("date"), free_only=query["free"])


@blp.get("/<window_id>/invitations")
@blp.arguments(sb.InvitationQuery, location="query")
@blp.response(200, sb.InvitationOut(many=True))
def list_invitations(query, window_id):
    """Invited families and who has not booked yet (staff)."""
    return queries.invitations(get_store(), current_principal(), window_id, query["status"])


@blp.get("/<window_id>/teachers/<teacher_id>/agenda")
@blp.arguments(sb.AgendaQuery, location="query")
@blp.response(200, sb.AgendaItemOut(many=True))
def agenda(query, window_id, teacher_id):
    """A teacher's conferences on one day, in order (the teacher or an admin)."""
    return queries.agenda(get_store(), current_principal(), window_id, teacher_id, query["date"])


@blp.get("/<window_id>/schedule.html")
@blp.arguments(s.ScheduleQuery, location="query")
@blp.doc(responses={"200": {"description": "printable HTML", "content": {"text/html": {}}}})
def master_schedule(query, window_id):
    """Printable master schedule for staff (per school, or per teacher)."""
    html = views.master_schedule(get_store(), current_principal(), window_id, query.get("teacher_id"))
    return Response(html, mimetype="text/html")


@blp.post("/<window_id>/waitlist")
@blp.arguments(sb.WaitlistIn)
@blp.response(201, sb.WaitlistOut)
def join_waitlist(body, window_id):
    """Wait for a full teacher; booked automatically when a slot frees up."""
    return waitlist.join(get_store(), current_principal(), window_id, body["student_id"], body.get("teacher_id"),
                         body.get("guardian_id"), body.get("interpreter_language"))


@blp.get("/<window_id>/waitlist")
@blp.response(200, sb.WaitlistOut(many=True))
def list_waitlist(window_id):
    return waitlist.entries(get_store(), current_principal(), window_id)


@blp.delete("/<window_id>/waitlist/<entry_id>")
@blp.response(204)
def leave_waitlist(window_id, entry_id):
    waitlist.leave(get_store(), current_principal(), window_id, entry_id)
