"""Scheduling settings. Rules of the product, not deployment knobs, so they are plain
constants here (a school changes per-window values through the API instead)."""
from __future__ import annotations

REMINDER_HOURS_BEFORE = 24      # ConferenceReminderDue this long before the conference
FOLLOW_UP_DAYS = 14             # FollowUpDue this long after the conference was held
NUDGE_AFTER_DAYS = 3            # default delay of the InvitationDue(nudge=true) timer
WINDOW_CACHE_SECONDS = 2.0      # a web worker may use a window read this long ago
BOOKING_RETRIES = 8             # transaction retries on write conflicts before a 409
MAX_CHILDREN_PER_REQUEST = 6    # siblings booked together in one request
ASSIGNMENT_STAGE_SECONDS = 10.0  # the solver's time limit per objective (four or five stages)
ASSIGNMENT_RETRY_MINUTES = 10   # the deadline timer fires again if no plan was stored by then
