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
from services.common.envelope import iso
from services.common.wiring import handler, merge
from services.scheduling.application import reminders
from services.scheduling.application import assignment
from services.scheduling.application.windows import invitation_mode
from services.scheduling.domain.constants import NUDGE_AFTER_DAYS
from services.scheduling.domain.model import HELD, OPEN
from services.scheduling.domain.policy import families_to_nudge


@handler("scheduling.person_profile_changed", formerly="services.scheduling.entrypoints.handlers.on_person_profile_changed")
def on_person_profile_changed(event, uow) -> None:
    d = event.data
    uow.people.save_profile(d["person_id"], {
        "role": d["role"], "given_name": d["given_name"], "family_name": d["family_name"],
        "preferred_name": d.get("preferred_name"), "school_ids": d["school_ids"], "active": d.get("active", True),
        "district_id": event.district_id})


@handler("scheduling.invite_late_family", formerly="services.scheduling.entrypoints.handlers.invite_late_family")
def invite_late_family(event, uow) -> None:
    """A guardian linked while a window of the school is open is invited too."""
    d = event.data
    for w in uow.windows.open_at_school(d["school_id"], uow.now):
        inv = uow.invitations.get(w["_id"], d["guardian_id"])
        if inv and d["student_id"] in inv["student_ids"]:
            continue
        students = (inv or {}).get("student_ids", []) + [d["student_id"]]
        uow.invitations.invite_late(w, d["guardian_id"], students, uow.now)
        uow.emit("InvitationDue", {"window_id": w["_id"], "school_id": w["school_id"], "guardian_id": d["guardian_id"],
                                   "student_ids": [d["student_id"]], "nudge": False,
                                   "booking_closes_at": iso(w["booking_closes_at"]), **invitation_mode(w)},
                 subject=d["guardian_id"], district_id=w["district_id"], school_id=w["school_id"])
        _ensure_nudge(uow, w)


def fire_follow_up(uow, timer: dict) -> None:
    b = uow.bookings.get(timer["payload"]["booking_id"])
    if not b or b["status"] != HELD:
        return
    uow.emit("FollowUpDue", {"booking_id": b["_id"], "school_id": b["school_id"], "student_id": b["student_id"],
                             "teacher_id": b["teacher_id"], "guardian_ids": [b["guardian_id"]], "cycle": b["cycle"],
                             "due_at": iso(timer["due_at"])},
             subject=b["_id"], district_id=b["district_id"], school_id=b["school_id"])


def fire_nudge(uow, timer: dict) -> None:
    """InvitationDue(nudge=true) for each family with a child still to book (in a request
    window: each family that has sent no request, before the deadline)."""
    now = uow.now
    w = uow.windows.get(timer["payload"]["window_id"])
    if not w or w["status"] != OPEN or now >= _nudge_until(w):
        return
    invitations = {i["guardian_id"]: i for i in uow.invitations.of_window(w["_id"])}
    booked = uow.bookings.booked_children(w["_id"])
    if invitation_mode(w)["asks"] == "request":
        requesting = uow.requests.requesting_guardians(w["_id"])
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
        uow.invitations.mark_nudged(w["_id"], due, now)
    _ensure_nudge(uow, w, skip=set(due) | set(done))


def _nudge_until(w: dict):
    return w["requests_deadline"] if invitation_mode(w)["asks"] == "request" else w["booking_closes_at"]


def _ensure_nudge(uow, w: dict, skip=frozenset()) -> None:
    """Keep the nudge timer pending for the earliest invitation not yet nudged."""
    after = timedelta(days=w.get("nudge_after_days", NUDGE_AFTER_DAYS))
    pending = [i["invited_at"] + after for i in uow.invitations.not_nudged(w["_id"]) if i["guardian_id"] not in skip]
    later = [t for t in pending if t > uow.now and t < _nudge_until(w)]
    if later:
        uow.timers.schedule(f"nudge:{w['_id']}", "nudge", min(later), {"window_id": w["_id"]},
                            district_id=w["district_id"], school_id=w["school_id"])


HANDLERS = merge(ROSTER_HANDLERS, {
    "GuardianLinked": [invite_late_family],  # after the projection has linked the guardian
    "PersonProfileChanged": [on_person_profile_changed],
})
TIMERS = {"reminders": reminders.fire_slot_time, "reminder": reminders.fire_own, "follow_up": fire_follow_up,
          "nudge": fire_nudge, assignment.TIMER_KIND: assignment.fire_deadline}
