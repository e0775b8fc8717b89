"""Check-ins on a goal, and the follow-ups that ask for them (opened by FollowUpDue,
closed by the next check-in on any of the student's goals)."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from services.access import READ, WRITE
from services.common.guards import require_role
from services.goals.application import access
from services.goals.application.access import authorize, refuse, school_today
from services.goals.domain import Checkin, progress_summary, validate_checkin
from services.goals.adapters.repositories import reads
from services.goals.adapters.repository import day, plain, scope
from services.goals.application.goals import load_authorized
from services.goals.domain.texts import T


def checkin_from_doc(doc: dict) -> Checkin:
    return Checkin(doc["goal_id"], day(doc["on"]), doc["status"], doc["by_role"], doc.get("note", ""),
                   doc.get("measure_value"), doc.get("by_id"), doc.get("source") or "hand")


def checkin_view(doc: dict) -> dict:
    keys = ("goal_id", "on", "status", "note", "measure_value", "by_role", "by_id", "learning_objective_id",
            "line_item_id")
    return {"checkin_id": doc["_id"], **{k: doc.get(k) for k in keys}, "source": doc.get("source") or "hand"}


def record_checkin(store, principal, goal_id: str, body: dict) -> dict:
    require_role(principal, "student", "teacher", "guardian")

    def work(uow):
        record, _doc, goal = load_authorized(uow, principal, goal_id, WRITE)
        today = school_today(uow, record)
        checkin = Checkin(goal.goal_id, body.get("on") or today, body["status"], principal.role,
                          body.get("note", ""), body.get("measure_value"), principal.sub)
        refuse(validate_checkin(checkin, goal, today), T("This check-in cannot be saved yet."), "checkin_invalid")
        doc = {"_id": str(uuid.uuid4()), **scope(record), "student_id": goal.student_id, "cycle": goal.cycle,
               **plain(checkin), "recorded_at": uow.now}
        uow.checkins.add(doc)
        uow.emit("GoalProgressRecorded", {
            "goal_id": goal.goal_id, "student_id": goal.student_id, "school_id": record.school_id,
            "checkin_id": doc["_id"], "date": doc["on"], "status": doc["status"],
            "value": doc["measure_value"], "recorded_by_role": principal.role, "source": "hand"},
            subject=goal.goal_id)
        if (doc.get("note") or "").strip():
            uow.emit("CheckinNoteRecorded", {
                "goal_id": goal.goal_id, "student_id": goal.student_id, "school_id": record.school_id,
                "checkin_id": doc["_id"], "note": doc["note"].strip()}, subject=goal.goal_id)
        # Every follow-up of this student still open (so opened before, in commit order)
        # is answered by this check-in, whichever goal it is on.
        closed = uow.follow_ups.close_open(record, doc["_id"], uow.now)
        return {**checkin_view(doc), "closed_follow_ups": closed}

    return store.atomic(work, district_id=principal.district_id)


def list_checkins(store, principal, goal_id: str) -> dict:
    uow = reads(store)
    record, _doc, goal = load_authorized(uow, principal, goal_id, READ)
    docs = uow.checkins.of_goals(record, [goal_id])
    access.audit(uow, principal, record, "checkins", resource_id=goal_id, cycle=goal.cycle)
    summary = progress_summary(goal, [checkin_from_doc(d) for d in docs])
    return {"checkins": [checkin_view(d) for d in docs], "progress": plain(dataclasses.asdict(summary), json=True)}


def open_follow_up(uow, event) -> None:
    """FollowUpDue -> an open follow-up for the student: one per booking and due day (the
    first two weeks after the conference, later ones on the next check-in day agreed)."""
    d = event.data
    due = datetime.fromisoformat(d["due_at"].replace("Z", "+00:00"))
    first = f"followup-{d['booking_id']}"
    first_due = uow.follow_ups.due_at(first)
    key = first if first_due is None or first_due == due else f"{first}-{due:%Y%m%d}"
    uow.follow_ups.open(key, {
        "district_id": event.district_id, "school_id": d["school_id"], "student_id": d["student_id"],
        "booking_id": d["booking_id"], "teacher_id": d["teacher_id"], "cycle": d["cycle"],
        "due_at": due, "status": "open",
        "opened_at": uow.now, "closed_at": None, "closed_by_checkin": None, "event_id": event.id})


FOLLOW_UP_KEYS = ("student_id", "teacher_id", "booking_id", "cycle", "due_at", "status", "opened_at", "closed_at",
                  "closed_by_checkin")


def follow_ups_view(docs: list[dict]) -> dict:
    return {"follow_ups": [{"follow_up_id": d["_id"], **{k: d.get(k) for k in FOLLOW_UP_KEYS}} for d in docs]}


def follow_ups_due(store, principal, status: str) -> dict:
    """A teacher's follow-ups (their own conferences), or an administrator's schools'."""
    require_role(principal, "teacher", "school_admin", "district_admin")
    mine = {"teacher_id": principal.sub} if principal.role == "teacher" else \
        {"school_ids": list(principal.school_ids)} if principal.role == "school_admin" else {}
    return follow_ups_view(reads(store).follow_ups.of_staff(principal, status, **mine))


def list_follow_ups(store, principal, student_id: str, status: str) -> dict:
    uow = reads(store)
    record = authorize(uow, principal, student_id, READ)
    docs = uow.follow_ups.of_student(record, status)
    access.audit(uow, principal, record, "follow_ups")
    return follow_ups_view(docs)
