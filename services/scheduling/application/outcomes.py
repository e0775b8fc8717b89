"""What was agreed at a conference, recorded by the teacher (or an administrator) while
it is held or afterwards: the family's goals for the child, the supports the teacher
will give and the date of the next check-in.

The family's goals are added, never rewritten here: each becomes a goal in the goals
service (same id), where it is tracked with check-ins like the student's own and edited
like one. The supports are replaced as a whole; the next check-in date moves the
follow-up (FollowUpDue) to that day. Each change emits ConferenceOutcomeRecorded (ids
and counts, public) and ConferenceOutcomeContent (the words, internal exchange only),
with a revision number so consumers keep the newest.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.common import timers
from services.common.errors import Conflict, Invalid
from services.scheduling.application import booking_steps as ops
from services.scheduling.adapters import repository as repo
from services.scheduling.domain.model import HELD

FAMILY_GOALS_MAX = 10
SUPPORTS_MAX = 10
TEXT_MAX = 300
CHECKIN_HOUR = time(8, 0)  # the follow-up reaches families in the morning of the chosen day
LATEST_CHECKIN = timedelta(days=366)


def _clean(items) -> list[str]:
    return [" ".join(str(t).split()) for t in (items or []) if str(t).strip()]


def validate(body: dict, existing: dict | None, held_on: date, today: date) -> dict:
    """The cleaned change, or Invalid naming each field that is wrong."""
    goals, supports = _clean(body.get("family_goals")), body.get("supports")
    errors: dict[str, list[str]] = {}
    have = len((existing or {}).get("family_goals", []))
    if have + len(goals) > FAMILY_GOALS_MAX:
        errors["family_goals"] = [f"Up to {FAMILY_GOALS_MAX} family goals in all."]
    if any(len(g) > TEXT_MAX for g in goals):
        errors.setdefault("family_goals", []).append(f"Each goal in {TEXT_MAX} letters or fewer.")
    if supports is not None:
        supports = _clean(supports)
        if len(supports) > SUPPORTS_MAX or any(len(s) > TEXT_MAX for s in supports):
            errors["supports"] = [f"Up to {SUPPORTS_MAX} supports, each in {TEXT_MAX} letters or fewer."]
    on = body.get("next_checkin_on")
    if on is not None and not (max(held_on, today) < on <= held_on + LATEST_CHECKIN):
        errors["next_checkin_on"] = ["Pick a day after today and within a year of the conference."]
    if errors:
        raise Invalid("What was agreed cannot be saved yet.", code="outcome_invalid", errors=errors)
    return {"family_goals": goals, "supports": supports, "next_checkin_on": on,
            "set_next": "next_checkin_on" in body}


def view(agreement: dict | None) -> dict | None:
    if not agreement:
        return None
    return {"family_goals": [{"id": g["id"], "text": g["text"]} for g in agreement.get("family_goals", [])],
            "supports": list(agreement.get("supports", [])), "next_checkin_on": agreement.get("next_checkin_on"),
            "revision": agreement.get("revision", 0), "updated_at": agreement.get("updated_at")}


def apply(uow, b: dict, change: dict, principal, zone: str) -> dict:
    """Store the change on the held booking `b`, move the follow-up, emit both events.
    Returns the new agreement document."""
    if b["status"] != HELD:
        raise Conflict("Record the conference as held first.", code="conference_not_held")
    now = uow.now
    old = b.get("agreement") or {}
    goals = list(old.get("family_goals", [])) + [{"id": f"fg-{uuid.uuid4().hex}", "text": t, "added_at": now}
                                                 for t in change["family_goals"]]
    supports = change["supports"] if change["supports"] is not None else list(old.get("supports", []))
    on = change["next_checkin_on"].isoformat() if change["next_checkin_on"] else None
    next_on = on if change["set_next"] else old.get("next_checkin_on")
    agreement = {"family_goals": goals, "supports": supports, "next_checkin_on": next_on,
                 "revision": old.get("revision", 0) + 1, "recorded_by": principal.sub, "updated_at": now}
    res = uow.db[repo.BOOKINGS].update_one({"_id": b["_id"], "status": HELD,
                                            "agreement.revision": old.get("revision") if old else None},
                                           {"$set": {"agreement": agreement, "updated_at": now}},
                                           session=uow.session)
    if res.modified_count != 1:
        raise Conflict("Someone recorded this conference meanwhile; reload it.", code="booking_changed")
    if change["set_next"] and next_on:
        due = datetime.combine(date.fromisoformat(next_on), CHECKIN_HOUR, tzinfo=ZoneInfo(zone))
        timers.schedule(uow, ops.follow_up_key(b["_id"]), "follow_up", due, {"booking_id": b["_id"],
                                                                           "held_at": b.get("held_at")},
                        district_id=b["district_id"], school_id=b["school_id"])
    base = {"booking_id": b["_id"], "school_id": b["school_id"], "student_id": b["student_id"],
            "teacher_id": b["teacher_id"], "cycle": b["cycle"], "next_checkin_on": next_on,
            "revision": agreement["revision"]}
    uow.emit("ConferenceOutcomeRecorded", {**base, "family_goal_ids": [g["id"] for g in goals],
                                           "support_count": len(supports)}, subject=b["_id"])
    uow.emit("ConferenceOutcomeContent", {**base, "guardian_id": b["guardian_id"],
                                          "family_goals": [{"id": g["id"], "text": g["text"]} for g in goals],
                                          "supports": supports}, subject=b["_id"])
    return agreement
