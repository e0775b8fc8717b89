"""The notifications service's collections and their indexes (nothing else's).

recipients      contact details and language, projected from PersonProfileChanged (private)
preferences     per person: channel opt-outs, quiet hours, digest, language override
deliveries      the delivery log: one document per (cause event, recipient, channel, kind);
                also each lane's queue of due work (status, channel, due_at), claimed with
                a lease (status "sending") and released by its outcome
send_journal    written outside any transaction just before every external send, so a send
                whose outcome was never recorded (a crash) is told apart from one never tried
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

from services.access import StudentDirectory

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

# Status of a delivery. SENDING: claimed by a lane (with a lease), outcome not yet recorded.
PENDING, RETRYING, SENDING, SENT, FAILED, SKIPPED = "pending", "retrying", "sending", "sent", "failed", "skipped"
OPEN = (PENDING, RETRYING)
JOURNAL_TTL_SECONDS = 30 * 24 * 3600  # long after the last retry of any delivery


def ensure_indexes(db) -> None:
    StudentDirectory.ensure_indexes(db)
    db[RECIPIENTS].create_index([("district_id", ASCENDING), ("school_ids", ASCENDING)])
    db[PREFERENCES].create_index([("district_id", ASCENDING)])
    # Exactly once: a delivery's _id is derived from (cause event, recipient, channel,
    # kind) (deliveries.delivery_id), so _id alone keeps it to one. The unique index that
    # said the same again is dropped: it nearly doubled the cost of recording a fan-out.
    if "delivery_once" in db[DELIVERIES].index_information():
        db[DELIVERIES].drop_index("delivery_once")
    db[DELIVERIES].create_index([("district_id", ASCENDING), ("school_id", ASCENDING),
                                 ("status", ASCENDING), ("due_at", ASCENDING)])
    # Each lane's queue of due work. It spans every tenant (one worker serves them all),
    # like the outbox and the timers, so it does not lead with district_id.
    db[DELIVERIES].create_index([("status", ASCENDING), ("channel", ASCENDING), ("due_at", ASCENDING)],
                                name="lane")
    db[JOURNAL].create_index([("delivery_id", ASCENDING)])
    db[JOURNAL].create_index([("started_at", ASCENDING)], expireAfterSeconds=JOURNAL_TTL_SECONDS)
    db[INBOX].create_index([("district_id", ASCENDING), ("recipient_id", ASCENDING),
                            ("created_at", DESCENDING)])
    db[DIGEST_ITEMS].create_index([("district_id", ASCENDING), ("recipient_id", ASCENDING),
                                   ("status", ASCENDING)])
    db[WEBHOOKS].create_index([("district_id", ASCENDING), ("active", ASCENDING)])
    db[GOALS].create_index([("district_id", ASCENDING), ("school_id", ASCENDING),
                            ("student_id", ASCENDING)])
