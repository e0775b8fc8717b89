"""The scheduling service's collections and indexes, and the mapping between stored
documents and the pure domain objects. Nothing here reads another service's data.

Collections: windows, availability, slots, bookings, invitations, waitlist,
proj_people (names from the private roster event), plus the platform's proj_students /
proj_schools, timers and outbox.

A booking's `active` field is True while it is booked or held and its own id once it is
cancelled or a no-show, so the unique index (window, student, guardian, active) lets
a family hold at most one active conference per child per window, and (slot, active)
makes a second active booking of one slot impossible at the database level.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from pymongo import ASCENDING as A

from services.access import StudentDirectory
from services.scheduling.domain.model import DRAFT, Availability, Booking, Slot, TimeRange, Window, WindowDay

WINDOWS, AVAILABILITY, SLOTS, BOOKINGS = "windows", "availability", "slots", "bookings"
INVITATIONS, WAITLIST, PEOPLE = "invitations", "waitlist", "proj_people"
FAMILY_LOCKS = "family_locks"  # one document per guardian, written by every booking change
COLLECTIONS = (WINDOWS, AVAILABILITY, SLOTS, BOOKINGS, INVITATIONS, WAITLIST, PEOPLE, FAMILY_LOCKS)


def ensure_indexes(db) -> None:
    # Create the collections first: creating one implicitly inside concurrent
    # transactions makes them conflict on the catalogue.
    existing = set(db.list_collection_names())
    for name in COLLECTIONS + ("outbox", "timers", "processed_events", "idempotency_keys"):
        if name not in existing:
            db.create_collection(name)
    StudentDirectory.ensure_indexes(db)
    db[WINDOWS].create_index([("district_id", A), ("school_id", A), ("status", A)])
    db[SLOTS].create_index([("district_id", A), ("school_id", A), ("window_id", A), ("teacher_id", A), ("start", A)])
    db[SLOTS].create_index([("window_id", A), ("local_date", A)])
    db[BOOKINGS].create_index([("window_id", A), ("student_id", A), ("guardian_id", A), ("active", A)],
                              unique=True, name="one_active_per_student_family")
    db[BOOKINGS].create_index([("slot_id", A), ("active", A)], unique=True, name="one_active_per_slot")
    db[BOOKINGS].create_index([("district_id", A), ("guardian_id", A), ("start", A)])
    db[BOOKINGS].create_index([("district_id", A), ("teacher_id", A), ("start", A)])
    db[BOOKINGS].create_index([("district_id", A), ("school_id", A), ("window_id", A), ("start", A)])
    db[INVITATIONS].create_index([("window_id", A), ("guardian_id", A)])
    db[WAITLIST].create_index([("window_id", A), ("student_id", A), ("guardian_id", A), ("active", A)],
                              unique=True)
    db[WAITLIST].create_index([("window_id", A), ("teacher_id", A), ("status", A), ("created_at", A)])
    from services.scheduling.adapters import requests
    from services.scheduling.application import feeds

    feeds.ensure_indexes(db)
    requests.ensure_indexes(db)


# -- dates and times as stored (BSON has no date or time-of-day type) ----------------
def d2s(value: date) -> str:
    return value.isoformat()


def s2d(value: str) -> date:
    return date.fromisoformat(value)


def t2s(value: time) -> str:
    return value.strftime("%H:%M")


def s2t(value: str) -> time:
    return time.fromisoformat(value)


def ranges_to_doc(table: dict[date, list[TimeRange]]) -> dict:
    return {d2s(on): [{"start": t2s(r.start), "end": t2s(r.end)} for r in rs] for on, rs in table.items()}


def ranges_from_doc(doc: dict | None) -> dict[date, list[TimeRange]]:
    return {s2d(on): [TimeRange(s2t(r["start"]), s2t(r["end"])) for r in rs] for on, rs in (doc or {}).items()}


# -- documents <-> domain ----------------------------------------------------------
WINDOW_FIELDS = ("slot_minutes", "buffer_minutes", "modality", "video_link", "booking_opens_at",
                 "booking_closes_at", "cancellation_cutoff_hours", "auto_break_after", "policy",
                 "travel_gap_minutes", "max_idle_minutes")


def window_from_doc(doc: dict) -> Window:
    days = [WindowDay(s2d(d["date"]), s2t(d["start"]), s2t(d["end"]), d.get("evening", False)) for d in doc["days"]]
    return Window(school_id=doc["school_id"], time_zone=doc["time_zone"], days=days,
                  breaks=ranges_from_doc(doc.get("breaks")), window_id=doc["_id"], status=doc.get("status", DRAFT),
                  **{k: doc[k] for k in WINDOW_FIELDS if k in doc})


def window_days_to_doc(window: Window) -> dict:
    return {"days": [{"date": d2s(d.date), "start": t2s(d.start), "end": t2s(d.end), "evening": d.evening}
                     for d in window.days],
            "breaks": ranges_to_doc(window.breaks)}


def availability_from_doc(doc: dict) -> Availability:
    return Availability(doc["teacher_id"], doc.get("room"), ranges_from_doc(doc.get("ranges")),
                        ranges_from_doc(doc.get("breaks")), doc.get("video_link"))


def slot_to_doc(slot: Slot, window_doc: dict) -> dict:
    return {"_id": slot.id, "district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
            "window_id": window_doc["_id"], "teacher_id": slot.teacher_id, "start": slot.start_utc,
            "end": slot.end_utc, "local_date": d2s(slot.local_date), "local_start": slot.local_start,
            "local_end": slot.local_end, "evening": slot.evening, "room": slot.room, "modality": slot.modality,
            "video_link": slot.video_link, "booked_by": None}


def slot_from_doc(doc: dict) -> Slot:
    return Slot(teacher_id=doc["teacher_id"], start_utc=doc["start"], end_utc=doc["end"],
                local_date=s2d(doc["local_date"]), local_start=doc["local_start"], evening=doc.get("evening", False),
                room=doc.get("room"), modality=doc["modality"], local_end=doc.get("local_end", ""),
                video_link=doc.get("video_link"))


def booking_from_doc(doc: dict, student_name: str = "") -> Booking:
    return Booking(booking_id=doc["_id"], student_id=doc["student_id"], teacher_id=doc["teacher_id"],
                   slot_id=doc["slot_id"], start_utc=doc["start"], end_utc=doc["end"], status=doc["status"],
                   window_id=doc["window_id"], guardian_id=doc.get("guardian_id"), student_name=student_name,
                   interpreter_language=doc.get("interpreter_language"), private_talk=doc.get("private_talk", False),
                   private_end_utc=doc.get("private_end"))


# -- reads -------------------------------------------------------------------------
def get_window(db, window_id: str, *, session=None) -> dict | None:
    return db[WINDOWS].find_one({"_id": window_id}, session=session)


def slot_from_id(window_doc: dict, rooms: dict, slot_id: str) -> dict | None:
    """The slot document `slot_id` names, derived without a read: a slot id is its
    teacher and UTC start (`domain.slot_id`), a slot lasts the window's slot length and
    its room is the teacher's published one. None when the id cannot be a slot of this
    window. Whether the slot exists and is free is for the conditional claim to say."""
    teacher, _, stamp = slot_id.rpartition(":")
    if teacher not in rooms:
        return None
    try:
        start = datetime.strptime(stamp, "%Y%m%dT%H%MZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    window = window_from_doc(window_doc)
    end = start + timedelta(minutes=window.slot_minutes)
    local = start.astimezone(window.tz)
    day = window.day(local.date())
    if day is None:
        return None
    video = (rooms[teacher].get("video_link") or window.video_link) if window.modality == "video" else None
    return {"_id": slot_id, "district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
            "window_id": window_doc["_id"], "teacher_id": teacher, "start": start, "end": end,
            "local_date": d2s(day.date), "local_start": f"{local:%H:%M}",
            "local_end": f"{end.astimezone(window.tz):%H:%M}", "evening": day.evening,
            "room": rooms[teacher].get("room"), "modality": window.modality, "video_link": video}


def names(db, person_ids, *, session=None) -> dict[str, dict]:
    """person id -> {given_name, family_name, preferred_name} for those we know."""
    ids = list({p for p in person_ids if p})
    if not ids:
        return {}
    return {d["_id"]: d for d in db[PEOPLE].find({"_id": {"$in": ids}}, session=session)}


def display_name(people: dict, person_id: str, *, full: bool = True) -> str:
    """A person's name for staff views, or their id when the roster never sent one."""
    doc = people.get(person_id)
    if not doc:
        return person_id
    first = doc.get("preferred_name") or doc.get("given_name") or ""
    return f"{first} {doc.get('family_name', '')}".strip() if full else (first or person_id)

