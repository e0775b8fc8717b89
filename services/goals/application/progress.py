"""Check-ins on a goal, and the follow-ups that ask for them (opened by FollowUpDue,
closed by the next check-in on any of the student's goals)."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from services.access import READ, WRITE
from services.common.guards import district_scope, require_role
from services.goals.application import access
from services.goals.application.access import authorize, refuse, school_today
from services.goals.domain import Checkin, progress_summary, validate_checkin
from services.goals.adapters.repository import CHECKINS, FOLLOW_UPS, day, plain, scope
from services.goals.application.goals import load_authorized
from services.goals.domain.texts import T


def checkin_from_doc(doc: dict) -> Checkin:
    return Checkin(doc["goal_id"], day(doc["on"]), doc["status"], doc["by_role"], doc.get("note", ""),
                   doc.get("measure_value"), doc.get("by_id"))


def checkin_view(doc: dict) -> dict:
    keys = ("goal_id", "on", "status", "note", "measure_value", "by_role", "by_id")
    return {"checkin_id": doc["_id"], **{k: doc.get(k) for k in keys}}


def record_checkin(store, principal, goal_id: str, body: dict) -> dict:
    require_role(principal, "student", "teacher", "guardian")

    def work(uow):
        record, _doc, goal = load_authorized(uow.db, principal, goal_id, WRITE, session=uow.session)
        today = school_today(uow.db, record, uow.now, uow.session)
        checkin = Checkin(goal.goal_id, body.get("on") or today, body["status"], principal.role,
                          body.get("note", ""), body.get("measure_value"), principal.sub)
        refuse(validate_checkin(checkin, goal, today), T("This check-in cannot be saved yet."), "checkin_invalid")
        doc = {"_id": str(uuid.uuid4()), **scope(record), "student_id": goal.student_id, "cycle": goal.cycle,
               **plain(checkin), "recorded_at": uow.now}
        uow.db[CHECKINS].insert_one(doc, session=uow.session)
        uow.emit("GoalProgressRecorded", {
            "goal_id": goal.goal_id, "student_id": goal.student_id, "school_id": record.school_id,
            "checkin_id": doc["_id"], "date": doc["on"], "status": doc["status"],
            "value": doc["measure_value"], "recorded_by_role": principal.role}, subject=goal.goal_id)
        if (doc.get("note") or "").strip():
            uow.emit("CheckinNoteRecorded", {
                "goal_id": goal.goal_id, "student_id": goal.student_id, "school_id": record.school_id,
                "checkin_id": doc["_id"], "note": doc["note"].strip()}, subject=goal.goal_id)
        closed = close_follow_ups(uow, record, doc["_id"])
        return {**checkin_view(doc), "closed_follow_ups": closed}

    return store.atomic(work, district_id=principal.district_id)


def close_follow_ups(uow, record, checkin_id: str) -> list[str]:
    """Every follow-up of this student still open (so opened before, in commit order) is
    answered by this check-in."""
    query = {**scope(record), "student_id": record.student_id, "status": "open"}
    ids = [d["_id"] for d in uow.db[FOLLOW_UPS].find(query, {"_id": 1}, session=uow.session)]
    if ids:
        uow.db[FOLLOW_UPS].update_many({"_id": {"$in": ids}}, {"$set": {
            "status": "closed", "closed_at": uow.now, "closed_by_checkin": checkin_id}}, session=uow.session)
    return ids


def list_checkins(store, principal, goal_id: str) -> dict:
    record, _doc, goal = load_authorized(store.db, principal, goal_id, READ)
    docs = list(store.db[CHECKINS].find({**scope(record), "goal_id": goal_id}).sort([("on", 1), ("recorded_at", 1)]))
    access.audit(store, principal, record, "checkins", resource_id=goal_id, cycle=goal.cycle)
    summary = progress_summary(goal, [checkin_from_doc(d) for d in docs])
    return {"checkins": [checkin_view(d) for d in docs], "progress": plain(dataclasses.asdict(summary), json=True)}


def open_follow_up(uow, event) -> None:
    """FollowUpDue -> an open follow-up for the student: one per booking and due day (the
    first two weeks after the conference, later ones on the next check-in day agreed)."""
    d = event.data
    due = datetime.fromisoformat(d["due_at"].replace("Z", "+00:00"))
    first = uow.db[FOLLOW_UPS].find_one({"_id": f"followup-{d['booking_id']}"}, {"due_at": 1}, session=uow.session)
    key = f"followup-{d['booking_id']}" if first is None or first["due_at"] == due else \
        f"followup-{d['booking_id']}-{due:%Y%m%d}"
    uow.db[FOLLOW_UPS].update_one({"_id": key}, {"$setOnInsert": {
        "district_id": event.district_id, "school_id": d["school_id"], "student_id": d["student_id"],
        "booking_id": d["booking_id"], "teacher_id": d["teacher_id"], "cycle": d["cycle"],
        "due_at": due, "status": "open",
        "opened_at": uow.now, "closed_at": None, "closed_by_checkin": None, "event_id": event.id}}, upsert=True, session=uow.session)


FOLLOW_UP_KEYS = ("student_id", "teacher_id", "booking_id", "cycle", "due_at", "status", "opened_at", "closed_at",
                  "closed_by_checkin")


def follow_ups_due(store, principal, status: str) -> dict:
    """A teacher's follow-ups (their own conferences), or an administrator's schools'."""
    require_role(principal, "teacher", "school_admin", "district_admin")
    query = district_scope(principal)
    if principal.role == "teacher":
        query["teacher_id"] = principal.sub
    elif principal.role == "school_admin":
        query["school_id"] = {"$in": list(principal.school_ids)}
    if status != "all":
        query["status"] = status
    docs = list(store.db[FOLLOW_UPS].find(query).sort([("due_at", 1), ("_id", 1)]).limit(500))
    return {"follow_ups": [{"follow_up_id": d["_id"], **{k: d.get(k) for k in FOLLOW_UP_KEYS}} for d in docs]}


def list_follow_ups(store, principal, student_id: str, status: str) -> dict:
    record = authorize(store.db, principal, student_id, READ)
    query = {**scope(record), "student_id": record.student_id}
    if status != "all":
        query["status"] = status
    docs = list(store.db[FOLLOW_UPS].find(query).sort([("opened_at", 1)]))
    access.audit(store, principal, record, "follow_ups")
    return {"follow_ups": [{"follow_up_id": d["_id"], **{k: d.get(k) for k in FOLLOW_UP_KEYS}} for d in docs]}
