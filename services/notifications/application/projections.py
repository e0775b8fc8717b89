"""Projections this service keeps from other services' events (besides the shared
ROSTER_HANDLERS): people's contact details, conference windows, goal titles, booking
change counts. Contact details never leave this service."""
from __future__ import annotations

from services.common.wiring import handler
from services.notifications.adapters import repository as repo


@handler("notifications.person_profile_changed",
         formerly="services.notifications.application.projections.on_person_profile_changed")
def on_person_profile_changed(event, uow) -> None:
    d = event.data
    uow.db[repo.RECIPIENTS].update_one(
        {"_id": d["person_id"]},
        {"$set": {"role": d["role"], "given_name": d["given_name"], "family_name": d["family_name"],
                  "preferred_name": d.get("preferred_name"), "email": d.get("email"), "phone": d.get("phone"),
                  "language": d.get("language") or "en", "school_ids": d["school_ids"],
                  "school_id": (d["school_ids"] or [None])[0], "active": d.get("active", True),
                  "district_id": event.district_id, "updated_at": uow.now}},
        upsert=True, session=uow.session)


@handler("notifications.person_deactivated", formerly="services.notifications.application.projections.on_person_deactivated")
def on_person_deactivated(event, uow) -> None:
    uow.db[repo.RECIPIENTS].update_one({"_id": event.data["person_id"]},
                                       {"$set": {"active": False, "updated_at": uow.now}}, session=uow.session)


@handler("notifications.window_opened", formerly="services.notifications.application.projections.on_window_opened")
def on_window_opened(event, uow) -> None:
    d = event.data
    uow.db[repo.WINDOWS].update_one(
        {"_id": d["window_id"]},
        {"$set": {"school_id": d["school_id"], "district_id": event.district_id, "cycle": d["cycle"],
                  "first_day": d["first_day"], "last_day": d["last_day"], "slot_minutes": d["slot_minutes"],
                  "booking_closes_at": d["booking_closes_at"]}},
        upsert=True, session=uow.session)


@handler("notifications.goal_content_changed", formerly="services.notifications.application.projections.on_goal_content_changed")
def on_goal_content_changed(event, uow) -> None:
    d = event.data
    uow.db[repo.GOALS].update_one(
        {"_id": d["goal_id"]},
        {"$set": {"student_id": d["student_id"], "school_id": d["school_id"], "district_id": event.district_id,
                  "statement": d["statement"], "status": d["status"]}},
        upsert=True, session=uow.session)


@handler("notifications.goal_updated", formerly="services.notifications.application.projections.on_goal_updated")
def on_goal_updated(event, uow) -> None:
    uow.db[repo.GOALS].update_one({"_id": event.data["goal_id"]}, {"$set": {"status": event.data["status"]}},
                                  session=uow.session)


@handler("notifications.booking_changed", formerly="services.notifications.application.projections.on_booking_changed")
def on_booking_changed(event, uow) -> None:
    """Count changes to a booking: the SEQUENCE of the iCalendar update we attach."""
    d = event.data
    uow.db[repo.BOOKINGS].update_one(
        {"_id": d["booking_id"]},
        {"$inc": {"sequence": 1}, "$set": {"school_id": d["school_id"], "district_id": event.district_id}},
        upsert=True, session=uow.session)
