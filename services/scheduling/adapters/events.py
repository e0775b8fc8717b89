"""The data of the events this service emits, built from stored documents. Events carry
ids and times, never names or contact details (DESIGN: events are a public contract)."""
from __future__ import annotations

from datetime import datetime

from services.common.envelope import iso


def booking_data(b: dict, **extra) -> dict:
    """BookingData for ConferenceBooked / Rescheduled / Cancelled / ReminderDue. `end` is
    when the family leaves: after the paired private word when there is one."""
    return {"booking_id": b["_id"], "window_id": b["window_id"], "school_id": b["school_id"],
            "student_id": b["student_id"], "teacher_id": b["teacher_id"], "guardian_id": b["guardian_id"],
            "start": iso(b["start"]), "end": iso(b.get("private_end") or b["end"]), "modality": b["modality"],
            "room": b.get("room"), "interpreter_language": b.get("interpreter_language"),
            "private_talk": bool(b.get("private_talk")), "slot_id": b["slot_id"], **extra}


def emit_booking(uow, name: str, b: dict, **extra) -> None:
    uow.emit(name, booking_data(b, **extra), subject=b["_id"], district_id=b["district_id"], school_id=b["school_id"])


def outcome_data(b: dict, cycle: str, **extra) -> dict:
    return {"booking_id": b["_id"], "school_id": b["school_id"], "student_id": b["student_id"],
            "teacher_id": b["teacher_id"], "cycle": cycle,
            **{k: iso(v) if isinstance(v, datetime) else v for k, v in extra.items()}}
