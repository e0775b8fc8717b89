"""Inbound events and durable timers of the scheduling service.

HANDLERS: the roster projection (students, guardians, schools, from the platform), the
names of people (from the private PersonProfileChanged; names only, never contact
details) and late invitations for families linked after a window opened.
TIMERS: the reminders 24 h before conferences (see `reminders`), the follow-up 14 days
after one was held, the nudge for families who have not booked (or, in a request
window, sent no request) and the requests deadline that solves the assignment
(`application.assignment`). Each fires exactly
once (the platform's TimerRunner) and re-reads the bookings, so a moved or cancelled
booking never gets a stale reminder."""
from __future__ import annotations

from datetime import timedelta

from services.access import ROSTER_HANDLERS
from services.common import timers
from services.common.envelope import iso
from services.common.wiring import handler, merge
from services.scheduling.application import reminders
from services.scheduling.adapters import repository as repo
from services.scheduling.adapters import requests as rq
from services.scheduling.application import assignment
from services.scheduling.application.windows import invitation_mode
from services.scheduling.domain.constants import NUDGE_AFTER_DAYS
from services.scheduling.domain.model import HELD
from services.scheduling.domain.policy import families_to_nudge


@handler("scheduling.person_profile_changed", formerly="services.scheduling.entrypoints.handlers.on_person_profile_changed")
def on_person_profile_changed(event, uow) -> None:
    d = event.data
    uow.db[repo.PEOPLE].update_one(
        {"_id": d["person_id"]},
        {"$set": {"role": d["role"], "given_name": d["given_name"], "family_name": d["family_name"],
                  "preferred_name": d.get("preferred_name"), "school_ids": d["school_ids"],
                  "active": d.get("active", True), "district_id": event.district_id}},
        upsert=True, session=uow.session)


@handler("scheduling.invite_late_family", formerly="services.scheduling.entrypoints.handlers.invite_late_family")
def invite_late_family(event, uow) -> None:
    """A guardian linked while a window of the school is open is invited too."""
    d = event.data
    for w in uow.db[repo.WINDOWS].find({"school_id": d["school_id"], "status": "open",
                                        "booking_closes_at": {"$gt": uow.now}}, session=uow.session):
        key = f"{w['_id']}:{d['guardian_id']}"
        inv = uow.db[repo.INVITATIONS].find_one({"_id": key}, session=uow.session)
        if inv and d["student_id"] in inv["student_ids"]:
            continue
        students = (inv or {}).get("student_ids", []) + [d["student_id"]]
        uow.db[repo.INVITATIONS].update_one(
            {"_id": key}, {"$set": {"student_ids": students, "window_id": w["_id"], "guardian_id": d["guardian_id"],
                                    "district_id": w["district_id"], "school_id": w["school_id"]},
                           "$setOnInsert": {"invited_at": uow.now, "nudged_at": None}},
            upsert=True, session=uow.session)
        uow.emit("InvitationDue", {"window_id": w["_id"], "school_id": w["school_id"], "guardian_id": d["guardian_id"],
                                   "student_ids": [d["student_id"]], "nudge": False,
                                   "booking_closes_at": iso(w["booking_closes_at"]), **invitation_mode(w)},
                 subject=d["guardian_id"], district_id=w["district_id"], school_id=w["school_id"])
        _ensure_nudge(uow, w)


def fire_follow_up(uow, timer: dict) -> None:
    b = uow.db[repo.BOOKINGS].find_one({"_id": timer["payload"]["booking_id"]}, session=uow.session)
    if not b or b["status"] != HELD:
        return
    uow.emit("FollowUpDue", {"booking_id": b["_id"], "school_id": b["school_id"], "student_id": b["student_id"],
                             "teacher_id": b["teacher_id"], "guardian_ids": [b["guardian_id"]], "cycle": b["cycle"],
                             "due_at": iso(timer["due_at"])},
             subject=b["_id"], district_id=b["district_id"], school_id=b["school_id"])


def fire_nudge(uow, timer: dict) -> None:
    """InvitationDue(nudge=true) for each family with a child still to book (in a request
    window: each family that has sent no request, before the deadline)."""
    db, now = uow.db, uow.now
    w = db[repo.WINDOWS].find_one({"_id": timer["payload"]["window_id"]}, session=uow.session)
    if not w or w["status"] != "open" or now >= _nudge_until(w):
        return
    invitations = {i["guardian_id"]: i for i in db[repo.INVITATIONS].find({"window_id": w["_id"]},
                                                                        session=uow.session)}
    booked: dict[str, set] = {}
    for b in db[repo.BOOKINGS].find({"window_id": w["_id"], "active": True}, {"guardian_id": 1, "student_id": 1},
                                    session=uow.session):
        booked.setdefault(b["guardian_id"], set()).add(b["student_id"])
    if invitation_mode(w)["asks"] == "request":
        requesting = rq.requesting_guardians(db, w["_id"], session=uow.session)
        done = [g for g in invitations if g in requesting]
    else:
        done = [g for g, i in invitations.items() if set(i["student_ids"]) <= booked.get(g, set())]
    after = w.get("nudge_after_days", NUDGE_AFTER_DAYS)
    due = families_to_nudge(list(invitations), done, {g: i["invited_at"] for g, i in invitations.items()}, now,
                            after_days=after, already_nudged=[g for g, i in invitations.items() if i.get("nudged_at")])
    for g in due:
        missing = [s for s in invitations[g]["student_ids"] if s not in booked.get(g, set())]
        uow.emit("InvitationDue", {"window_id": w["_id"], "school_id": w["school_id"], "guardian_id": g,
                                   "student_ids": missing, "nudge": True,
                                   "booking_closes_at": iso(w["booking_closes_at"]), **invitation_mode(w)},
                 subject=g, district_id=w["district_id"], school_id=w["school_id"])
    if due:
        db[repo.INVITATIONS].update_many({"window_id": w["_id"], "guardian_id": {"$in": due}},
                                         {"$set": {"nudged_at": now}}, session=uow.session)
    _ensure_nudge(uow, w, skip=set(due) | set(done))


def _nudge_until(w: dict):
    return w["requests_deadline"] if invitation_mode(w)["asks"] == "request" else w["booking_closes_at"]


def _ensure_nudge(uow, w: dict, skip=frozenset()) -> None:
    """Keep the nudge timer pending for the earliest invitation not yet nudged."""
    after = timedelta(days=w.get("nudge_after_days", NUDGE_AFTER_DAYS))
    pending = [i["invited_at"] + after for i in uow.db[repo.INVITATIONS].find(
        {"window_id": w["_id"], "nudged_at": None}, {"invited_at": 1, "guardian_id": 1}, session=uow.session)
        if i["guardian_id"] not in skip]
    later = [t for t in pending if t > uow.now and t < _nudge_until(w)]
    if later:
        timers.schedule(uow, f"nudge:{w['_id']}", "nudge", min(later), {"window_id": w["_id"]},
                        district_id=w["district_id"], school_id=w["school_id"])


HANDLERS = merge(ROSTER_HANDLERS, {
    "GuardianLinked": [invite_late_family],  # after the projection has linked the guardian
    "PersonProfileChanged": [on_person_profile_changed],
})
TIMERS = {"reminders": reminders.fire_slot_time, "reminder": reminders.fire_own, "follow_up": fire_follow_up,
          "nudge": fire_nudge, assignment.TIMER_KIND: assignment.fire_deadline}
