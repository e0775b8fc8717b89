"""The notifications service's collections and their indexes (nothing else's).

recipients      contact details and language, projected from PersonProfileChanged (private)
preferences     per person: channel opt-outs, quiet hours, digest, language override
deliveries      the delivery log: one document per (cause event, recipient, channel, kind)
send_journal    written outside the delivery transaction around every external send, so a
                crash between "the server accepted it" and "marked sent" is visible
inbox           in-app messages
digest_items    teacher updates waiting for the next digest
webhooks        subscribing systems (URL + HMAC secret)
proj_windows    conference windows (dates, slot length), from ConferenceWindowOpened
proj_goals      goal titles, from GoalContentChanged (private)
proj_bookings   how many times a booking changed (iCalendar SEQUENCE)
plus proj_students / proj_schools kept by the shared ROSTER_HANDLERS.
"""
from __future__ import annotations

from pymongo import ASCENDING, DESCENDING

from services.common.policy import StudentDirectory

RECIPIENTS = "recipients"
PREFERENCES = "preferences"
DELIVERIES = "deliveries"
JOURNAL = "send_journal"
INBOX = "inbox"
DIGEST_ITEMS = "digest_items"
WEBHOOKS = "webhooks"
WINDOWS = "proj_windows"
GOALS = "proj_goals"
BOOKINGS = "proj_bookings"

# Status of a delivery.
PENDING, RETRYING, SENT, FAILED, SKIPPED = "pending", "retrying", "sent", "failed", "skipped"
OPEN = (PENDING, RETRYING)
JOURNAL_TTL_SECONDS = 30 * 24 * 3600  # long after the last retry of any delivery


def ensure_indexes(db) -> None:
    StudentDirectory.ensure_indexes(db)
    db[RECIPIENTS].create_index([("district_id", ASCENDING), ("school_ids", ASCENDING)])
    db[PREFERENCES].create_index([("district_id", ASCENDING)])
    # Exactly once: one delivery per cause event, recipient, channel and kind.
    db[DELIVERIES].create_index(
        [("district_id", ASCENDING), ("cause_event_id", ASCENDING), ("recipient_id", ASCENDING),
         ("channel", ASCENDING), ("kind", ASCENDING)], unique=True, name="delivery_once")
    db[DELIVERIES].create_index([("district_id", ASCENDING), ("school_id", ASCENDING),
                                 ("status", ASCENDING), ("due_at", ASCENDING)])
    db[JOURNAL].create_index([("delivery_id", ASCENDING)])
    db[JOURNAL].create_index([("started_at", ASCENDING)], expireAfterSeconds=JOURNAL_TTL_SECONDS)
    db[INBOX].create_index([("district_id", ASCENDING), ("recipient_id", ASCENDING),
                            ("created_at", DESCENDING)])
    db[DIGEST_ITEMS].create_index([("district_id", ASCENDING), ("recipient_id", ASCENDING),
                                   ("status", ASCENDING)])
    db[WEBHOOKS].create_index([("district_id", ASCENDING), ("active", ASCENDING)])
    db[GOALS].create_index([("district_id", ASCENDING), ("school_id", ASCENDING),
                            ("student_id", ASCENDING)])
