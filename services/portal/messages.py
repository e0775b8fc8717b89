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
    # request windows: the family's times, the school's assignment
    "requests_closed": N_("The deadline to send your times has passed. The school will send you your conference times."),
    "requests_only": N_("For these conferences, tell the school when you can come; the school then gives every family a time."),
    "not_a_request_window": N_("For these conferences, families choose their own times."),
    "invalid_request": N_("Your times need a fix. Look at the fields marked below."),
    "request_not_found": N_("We have no times from you for these conferences."),
    "teacher_not_for_student": N_("Choose one of your child's teachers."),
    "assignment_not_found": N_("There is no proposed schedule yet. Make a preview first."),
    "assignment_published": N_("This schedule is already published."),
    "assignment_changed": N_("The proposed schedule changed meanwhile. Look at it again, then publish."),
    "requests_still_open": N_("Families can still send their times until the deadline. You can preview now and publish after the deadline."),
    "pin_breaks_rules": N_("That time breaks a rule (the family's times, brothers and sisters back to back, a private talk or an interpreter). The conference stays where it was."),
    "slot_pinned": N_("Another conference is already fixed at that time."),
    "pin_not_found": N_("This conference is not fixed."),
    "priority_not_found": N_("This family is not served first."),
    "invalid_interpreters": N_("The interpreters' times need a fix."),
}

# What is wrong with a time in the family's request form (forms.conference_request and
# forms.range_problem name them).
REQUEST_FIELD_PROBLEMS = {
    "choose_child": N_("Choose at least one child."),
    "no_time": N_("Give at least one time when you can come."),
    "incomplete": N_("Give the day, the start and the end of this time."),
    "end_before_start": N_("The end must be after the start."),
    "not_a_day": N_("Choose one of the conference days."),
    "outside_hours": N_("This time is outside the conference hours of that day."),
    "too_many": N_("You can give at most 12 times."),
    "check": N_("Please check this value."),
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
    "booking_mode": {"first_come": N_("Families choose their own times (first come, first served)"),
                     "requests": N_("Families say when they can come; the school gives everyone a time"),
                     "requests_then_first_come": N_("Families say when they can come; then they can book what is left")},
    "plan": {"proposed": N_("Proposed (not published yet)"), "publishing": N_("Publishing"),
             "published": N_("Published")},
    "trigger": {"deadline": N_("made at the deadline"), "preview": N_("preview"),
                "pins": N_("made again around the fixed conferences")},
    "priority": {"missed_last_time": N_("Did not come last time"), "needs_interpreter": N_("Needs an interpreter"),
                 "new_family": N_("New family"), "other": N_("Another reason")},
    "unassigned": {
        "teacher_not_available": N_("The teacher has no times in these conferences."),
        "no_overlap_with_free_time": N_("None of the teacher's free times falls within the family's times."),
        "no_slot_for_private_talk": N_("No free time right after for the private talk."),
        "siblings_not_back_to_back": N_("The brothers and sisters cannot be seen one after the other."),
        "no_interpreter_for_language": N_("No interpreter speaks the family's language."),
        "interpreter_not_available": N_("The interpreters do not work at the family's times."),
        "interpreter_busy": N_("The interpreters are busy with other families at those times."),
        "room_busy": N_("The room is taken at those times."),
        "teacher_full": N_("The teacher's times are all taken."),
        "pin_breaks_rules": N_("A fixed conference breaks a rule."),
        "not_placed_in_time": N_("A time was free, but the solver stopped before placing this family."),
    },
    "policy": {"per_household": N_("Families book all their children together"),
               "per_student": N_("Each child is booked separately")},
}


def label(kind: str, value) -> str:
    msgid = LABELS.get(kind, {}).get(str(value))
    return gettext(msgid) if msgid else str(value or "")


def request_problems(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The request form's problem ids, said in the page's language."""
    return {field: [gettext(REQUEST_FIELD_PROBLEMS.get(i, REQUEST_FIELD_PROBLEMS["check"])) for i in ids]
            for field, ids in errors.items()}
