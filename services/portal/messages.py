"""Words for the services' problem codes, so a family reads them in its own language.
Codes not listed fall back to the service's (English) detail."""
from __future__ import annotations

from services.portal.client import ApiError
from services.portal.i18n import gettext


def N_(text: str) -> str:  # marks a msgid for extraction; translated when shown
    return text


PROBLEMS = {
    "slot_taken": N_("Someone else just booked that time. Please pick another time."),
    "slot_contended": N_("Many families are booking right now. Please try again."),
    "student_already_booked": N_("This child already has a conference in this window."),
    "no_back_to_back_slots": N_("There are no free times back to back on that day. Try another day, or choose the times yourself."),
    "mixed_slots": N_("Choose a time for every child, or let us find the times for all of them."),
    "household_booking_not_allowed": N_("This school books each child separately. Please book one child at a time."),
    "booking_closed": N_("Booking for these conferences has closed."),
    "booking_not_open": N_("Booking for these conferences is not open yet."),
    "window_not_open": N_("Booking for these conferences is not open."),
    "slot_in_past": N_("That time has already passed. Please pick another time."),
    "cancellation_cutoff_passed": N_("It is too late to change this conference online. Please call the school."),
    "conference_started": N_("This conference has already started."),
    "teacher_busy": N_("The teacher is busy at that time. Please pick another time."),
    "private_slot_unavailable": N_("There is no free time right after for a private talk. Please pick another time."),
    "conference_not_started": N_("This conference has not started yet."),
    "outcome_already_recorded": N_("The outcome of this conference is already recorded."),
    "conference_not_held": N_("Record the conference as held first."),
    "outcome_invalid": N_("What you agreed cannot be saved yet. Look at the notes below."),
    "goal_not_ready": N_("Your goal is not ready to share yet. Look at the tips below."),
    "too_many_active_goals": N_("You already have the most goals you can work on at once."),
}


def problem_message(exc: ApiError) -> str:
    msgid = PROBLEMS.get(exc.code or "")
    return gettext(msgid) if msgid else (exc.detail or gettext("Something went wrong."))


LABELS = {
    "goal": {"draft": N_("Draft"), "submitted": N_("Shared with the teacher"), "agreed": N_("Agreed"),
             "revised": N_("Being changed"), "achieved": N_("Achieved"), "carried_over": N_("Carried over")},
    "booking": {"booked": N_("Booked"), "held": N_("Held"), "no_show": N_("No show"), "cancelled": N_("Cancelled")},
    "checkin": {"on_track": N_("On track"), "needs_support": N_("Needs help"), "achieved": N_("Achieved")},
    "modality": {"in_person": N_("In person"), "video": N_("Video call"), "phone": N_("Phone call")},
    "focus": {"standard": N_("A grade-level standard"), "learning_skill": N_("A learning skill"),
              "behaviour": N_("How I act in class"), "personal": N_("Something personal")},
    "term": {"short": N_("Short term (a few weeks)"), "long": N_("Long term (this school year)")},
    "window": {"draft": N_("Draft"), "open": N_("Open for booking"), "closed": N_("Closed")},
    "severity": {"error": N_("Fix this"), "hint": N_("Tip")},
    "role": {"student": N_("Student"), "guardian": N_("Family"), "teacher": N_("Teacher"),
             "school_admin": N_("School staff"), "district_admin": N_("District staff")},
}


def label(kind: str, value) -> str:
    msgid = LABELS.get(kind, {}).get(str(value))
    return gettext(msgid) if msgid else str(value or "")
