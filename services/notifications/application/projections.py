"""Projections this service keeps from other services' events (besides the shared
ROSTER_HANDLERS): people's contact details, conference windows, goal titles, booking
change counts. Contact details never leave this service."""
from __future__ import annotations

from services.common.wiring import handler


@handler("notifications.person_profile_changed",
         formerly="services.notifications.application.projections.on_person_profile_changed")
def on_person_profile_changed(event, uow) -> None:
    d = event.data
    uow.recipients.save_profile(d["person_id"], {
        "role": d["role"], "given_name": d["given_name"], "family_name": d["family_name"],
        "preferred_name": d.get("preferred_name"), "email": d.get("email"), "phone": d.get("phone"),
        "language": d.get("language") or "en", "school_ids": d["school_ids"],
        "school_id": (d["school_ids"] or [None])[0], "active": d.get("active", True),
        "district_id": event.district_id, "updated_at": uow.now})


@handler("notifications.person_deactivated", formerly="services.notifications.application.projections.on_person_deactivated")
def on_person_deactivated(event, uow) -> None:
    uow.recipients.deactivate(event.data["person_id"], uow.now)


@handler("notifications.window_opened", formerly="services.notifications.application.projections.on_window_opened")
def on_window_opened(event, uow) -> None:
    d = event.data
    uow.windows.opened(d["window_id"], {
        "school_id": d["school_id"], "district_id": event.district_id, "cycle": d["cycle"],
        "first_day": d["first_day"], "last_day": d["last_day"], "slot_minutes": d["slot_minutes"],
        "booking_closes_at": d["booking_closes_at"]})


@handler("notifications.goal_content_changed", formerly="services.notifications.application.projections.on_goal_content_changed")
def on_goal_content_changed(event, uow) -> None:
    d = event.data
    uow.goal_titles.content_changed(d["goal_id"], {
        "student_id": d["student_id"], "school_id": d["school_id"], "district_id": event.district_id,
        "statement": d["statement"], "status": d["status"]})


@handler("notifications.goal_updated", formerly="services.notifications.application.projections.on_goal_updated")
def on_goal_updated(event, uow) -> None:
    uow.goal_titles.status_changed(event.data["goal_id"], event.data["status"])


@handler("notifications.booking_changed", formerly="services.notifications.application.projections.on_booking_changed")
def on_booking_changed(event, uow) -> None:
    """Count changes to a booking: the SEQUENCE of the iCalendar update we attach."""
    d = event.data
    uow.booking_changes.changed(d["booking_id"], {"school_id": d["school_id"], "district_id": event.district_id})
