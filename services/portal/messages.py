"""Words for the services' problem codes, so a family reads them in its own language.
A code not listed shows the service's own detail when that service answers in the
page's language (goals does, from Accept-Language) or the page is in English; otherwise
a general sentence in the page's language, never English on a Spanish page."""
from __future__ import annotations

from services.portal.client import ApiError
from services.portal.i18n import current_lang, gettext

LOCALIZED_SERVICES = frozenset({"goals"})  # say their problems in the Accept-Language


def N_(text: str) -> str:  # marks a msgid for extraction; translated when shown
    return text


PROBLEMS = {
    "slot_taken": N_("Someone else just booked that time. Please pick another time."),
    "slot_contended": N_("Many families are booking right now. Please try again."),
    "student_already_booked": N_("This child already has a conference in this window."),
    "no_back_to_back_slots": N_("There are no free times back to back on that day. Try another day, or choose the times yourself."),
    "no_back_to_back_slots:teacher_full": N_("A teacher has no free time left on that day. Try another day, or choose the times yourself."),
    "no_back_to_back_slots:too_far_apart": N_("The teachers' free times on that day are too far apart to come one after the other. Try another day, or choose the times yourself."),
    "family_busy": N_("You already have a conference at that time. Choose another time. If another guardian will come to this one, they can book it with their own account."),
    "duplicate_slot": N_("Each child needs a time of their own."),
    "teacher_required": N_("Choose the teacher to meet."),
    "window_already_open": N_("Booking is already open for these conferences."),
    "invalid_window": N_("The conference window needs a few fixes. Look at the fields marked below."),
    "invalid_availability": N_("Your times need a fix. Look at the days marked below."),
    "booking_not_active": N_("This conference is no longer booked."),
    "booking_changed": N_("This conference changed meanwhile. Please reload the page."),
    "same_slot": N_("Your conference is already at that time."),
    "waitlist_disabled": N_("This school does not keep a waiting list."),
    "goal_not_draft": N_("Only a draft can be deleted; this goal is already shared."),
    "window_closed": N_("These conferences are closed."),
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
    reason = exc.problem.get("reason")
    msgid = PROBLEMS.get(f"{exc.code}:{reason}") if reason else None
    msgid = msgid or PROBLEMS.get(exc.code or "")
    if msgid:
        return gettext(msgid)
    if exc.detail and (exc.service in LOCALIZED_SERVICES or current_lang() == "en"):
        return exc.detail
    return gettext("Something went wrong.")


# A conflict with how things stand now, or a form the service found invalid: the person can
# act on these, so the page says why; any other failure goes on to the error pages.
REFUSALS = (409, 422)


def refusal(exc: ApiError, statuses: tuple[int, ...] = REFUSALS) -> str:
    """The words for a refusal the page shows itself (`statuses`); re-raises anything else."""
    if exc.status not in statuses:
        raise exc
    return problem_message(exc)


def field_problems(exc: ApiError, field_of) -> dict[str, list[str]]:
    """A service's field errors keyed by the form's own fields (`field_of`), each said in
    the page's language: the service's words when it speaks it, else a plain request to
    check that field (the form names it)."""
    out: dict[str, list[str]] = {}
    trusted = exc.service in LOCALIZED_SERVICES or current_lang() == "en"
    for field, messages in exc.field_errors().items():
        mine = out.setdefault(field_of(field), [])
        for message in (messages if trusted else [gettext("Please check this value.")]):
            if message not in mine:
                mine.append(message)
    return out


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
    "import": {"applied": N_("changes applied"), "unchanged": N_("nothing changed")},
    "records": {"orgs": N_("Schools and district"), "sessions": N_("School terms"), "people": N_("People"),
                "classes": N_("Classes"), "enrolments": N_("Enrolments"), "guardian_links": N_("Family links"),
                "gb_scales": N_("Score scales"), "gb_categories": N_("Gradebook categories"),
                "gb_line_items": N_("Assessments"), "gb_results": N_("Results")},
    "policy": {"per_household": N_("Families book all their children together"),
               "per_student": N_("Each child is booked separately")},
}


def label(kind: str, value) -> str:
    msgid = LABELS.get(kind, {}).get(str(value))
    return gettext(msgid) if msgid else str(value or "")
