"""Projection functions: one event -> writes to the read models (see repository.py).

Every function is `fn(event, uow)` and only writes (upserts with $set / $max / $inc /
$addToSet), so the same functions serve the live consumer (one transaction per event)
and `rebuild` / the benchmark's bulk path (`eventlog.BulkUnit`, which batches the very
same writes). Values are stored as the events carry them (ISO strings for dates), so a
replay gives byte-identical documents. Consumers run in parallel and events can
overtake each other, so where order matters the result does not depend on it: a
booking's state only moves up (booked < cancelled < held / no-show), a goal's latest
check-in is the `$max` of "date|checkin id|status", and a goal's status and words, a
name or a grade are only overwritten by a newer event (`_upsert`'s guards).
"""
from __future__ import annotations

import datetime as dt

from services.access import ROSTER_HANDLERS

from services.reports.adapters.repository import BOOKINGS, PEOPLE, STUDENTS, key

BOOKING_RANK = {"booked": "1booked", "cancelled": "2cancelled", "held": "3held", "no_show": "3no_show"}


def utc(value: str) -> str:
    """An ISO instant as a fixed-width UTC string, so later instants compare greater
    whatever offset they were written with."""
    t = dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stamp(event) -> str:
    """The event's time (see utc)."""
    return utc(event.time)


def _upsert(event, uow, coll: str, _id: str, update: dict, guarded=()) -> None:
    """Upsert `update`; then, for each (guard, fields) in `guarded`, `$set` the fields
    only if this event is not older than the one that last set them (its time is kept
    in the field `guard`). Consumers run in parallel, so a goal's content or status, a
    name or a grade must never go back to an older version when events overtake."""
    uow.db[coll].update_one({"_id": _id}, update, upsert=True, session=uow.session)
    at = stamp(event)
    for guard, fields in guarded:
        # "not newer than this event" (missing or <=); $not keeps the _id index in use, $or would not
        uow.db[coll].update_one({"_id": _id, guard: {"$not": {"$gt": at}}},
                                {"$set": {**fields, guard: at}}, session=uow.session)


def _student(event, uow, student_id: str, update: dict | None = None, guarded=(), school_id: str | None = None):
    """One student's document; district and school are filled in when it is created."""
    update = {k: dict(v) for k, v in (update or {}).items()}
    update.setdefault("$setOnInsert", {}).update(
        (k, v) for k, v in (("district_id", event.district_id),
                            ("school_id", school_id or event.data.get("school_id") or event.school_id))
        if k not in update.get("$set", {}))
    _upsert(event, uow, STUDENTS, student_id, update, guarded)


# -- people and enrolment ---------------------------------------------------------
def on_profile(event, uow) -> None:
    d = event.data
    if d["role"] == "student":
        fields = {"first_name": d.get("preferred_name") or d["given_name"], "last_name": d["family_name"],
                  "lang": d.get("language"), "profile_active": d.get("active", True)}
        _student(event, uow, d["person_id"], guarded=[("profile_at", fields)], school_id=(d["school_ids"] or [None])[0])
        return
    _upsert(event, uow, PEOPLE, d["person_id"], {"$setOnInsert": {"district_id": event.district_id}}, [(
        "profile_at", {"role": d["role"], "given_name": d["given_name"], "family_name": d["family_name"],
                       "preferred_name": d.get("preferred_name"), "language": d.get("language"),
                       "school_ids": d["school_ids"], "district_id": event.district_id,
                       "active": d.get("active", True)})])


def on_enrolled(event, uow) -> None:
    d = event.data
    _student(event, uow, d["student_id"],
             {"$set": {f"classes.{key(d['class_id'])}": {"class_id": d["class_id"], "teacher_ids": d["teacher_ids"]}}},
             [("roster_at", {"school_id": d["school_id"], "district_id": event.district_id, "grade": d["grade"],
                             "active": True, "school_year": d["school_year"]})])


def on_unenrolled(event, uow) -> None:
    d = event.data
    _student(event, uow, d["student_id"], {"$unset": {f"classes.{key(d['class_id'])}": ""}})


def on_student_updated(event, uow) -> None:
    d = event.data
    _student(event, uow, d["student_id"], guarded=[("roster_at", {
        "school_id": d["school_id"], "district_id": event.district_id, "grade": d["grade"], "active": d["active"]})])


def on_guardian_linked(event, uow) -> None:
    d = event.data
    _student(event, uow, d["student_id"], {"$addToSet": {"guardian_ids": d["guardian_id"]}})


def on_guardian_unlinked(event, uow) -> None:
    d = event.data
    _student(event, uow, d["student_id"], {"$pull": {"guardian_ids": d["guardian_id"]}})


def on_deactivated(event, uow) -> None:
    d = event.data
    if d["role"] == "student":
        _student(event, uow, d["person_id"], guarded=[("roster_at", {"active": False})])
        return
    _upsert(event, uow, PEOPLE, d["person_id"], {"$setOnInsert": {"district_id": event.district_id}},
            [("profile_at", {"active": False, "role": d["role"]})])
    if d["role"] == "guardian":
        uow.db[STUDENTS].update_many({"guardian_ids": d["person_id"]}, {"$pull": {"guardian_ids": d["person_id"]}},
                                     session=uow.session)


# -- goals and check-ins ----------------------------------------------------------
def _goal(event, uow, *, fields: dict | None = None, status: dict | None = None, content: dict | None = None,
          extra: dict | None = None) -> None:
    """A goal inside its student's document: plain fields, then the status (and the
    dashboard's copy of it) and the words, each only if newer than what is there."""
    d = event.data
    g = key(d["goal_id"])
    update = {"$set": {f"goals.{g}.id": d["goal_id"], **{f"goals.{g}.{k}": v for k, v in (fields or {}).items()}},
              **(extra or {})}
    guarded = []
    if status:
        guarded.append((f"goals.{g}.status_at", {**{f"goals.{g}.{k}": v for k, v in status.items()},
                                                 f"facts.goals.{g}.status": status["status"]}))
    if content:
        guarded.append((f"goals.{g}.content_at", {f"goals.{g}.{k}": v for k, v in content.items()}))
    _student(event, uow, d["student_id"], update, guarded)


def on_goal_created(event, uow) -> None:
    d = event.data
    _goal(event, uow, fields={"cycle": d["cycle"], "focus_kind": d["focus_kind"]},
          status={"status": d["status"], "term": d["term"], "target_date": d.get("target_date")},
          extra={"$min": {f"goals.{key(d['goal_id'])}.created_at": stamp(event)}})


def on_goal_updated(event, uow) -> None:
    d = event.data
    _goal(event, uow, status={"status": d["status"], "revision": d["revision"], "target_date": d.get("target_date")})


def on_goal_content(event, uow) -> None:
    d = event.data
    _goal(event, uow, status={"status": d["status"]},
          content={k: d.get(k) for k in ("statement", "focus", "term", "plan", "supports", "next_steps", "set_by")})


def on_goal_achieved(event, uow) -> None:
    d = event.data
    _goal(event, uow, status={"status": "achieved", "achieved_on": d["achieved_on"]})


def on_progress(event, uow) -> None:
    d = event.data
    g, c = key(d["goal_id"]), key(d["checkin_id"])
    checkin = {"id": d["checkin_id"], "date": d["date"], "status": d["status"], "value": d.get("value"),
               "by": d["recorded_by_role"]}
    _student(event, uow, d["student_id"], {
        # field by field: the check-in's note (CheckinNoteRecorded) may have arrived first
        "$set": {f"goals.{g}.id": d["goal_id"], **{f"goals.{g}.checkins.{c}.{k}": v for k, v in checkin.items()}},
        "$max": {f"facts.goals.{g}.last": f"{d['date']}|{d['checkin_id']}|{d['status']}",
                 "facts.last_checkin": d["date"], "facts.last_checkin_at": stamp(event)}})


def on_checkin_note(event, uow) -> None:
    d = event.data
    g, c = key(d["goal_id"]), key(d["checkin_id"])
    _student(event, uow, d["student_id"], {"$set": {f"goals.{g}.id": d["goal_id"],
                                                    f"goals.{g}.checkins.{c}.note": d["note"]}})


def on_goal_deleted(event, uow) -> None:
    """A draft thrown away by its author: it leaves the report and the dashboard."""
    d = event.data
    g = key(d["goal_id"])
    _student(event, uow, d["student_id"], {"$unset": {f"goals.{g}": "", f"facts.goals.{g}": ""}})


def on_parent_input(event, uow) -> None:
    d = event.data
    k = key(f"{d['cycle']}|{d['guardian_id']}")
    _student(event, uow, d["student_id"], guarded=[(f"parent_inputs.{k}.at", {
        f"parent_inputs.{k}.guardian_id": d["guardian_id"], f"parent_inputs.{k}.cycle": d["cycle"],
        f"parent_inputs.{k}.family_goal_count": d["family_goal_count"],
        f"parent_inputs.{k}.private_talk_requested": d["private_talk_requested"]})])


# -- invitations, conferences, follow-ups ----------------------------------------
def on_invitation(event, uow) -> None:
    d = event.data
    for student_id in d["student_ids"]:
        _student(event, uow, student_id, {"$inc": {"facts.invitations_sent": 1},
                                          "$set": {"facts.families_invited": 1,
                                                   f"facts.invited.{key(d['guardian_id'])}": d["guardian_id"]}})


def on_window_opened(event, uow) -> None:
    """Every invited household at once, in one transaction, so a dashboard read right
    after the window opens counts them all (the InvitationDue events follow one by one)."""
    d = event.data
    for invitation in d.get("invitations") or ():
        for student_id in invitation["student_ids"]:
            _student(event, uow, student_id, {"$set": {
                "facts.families_invited": 1,
                f"facts.invited.{key(invitation['guardian_id'])}": invitation["guardian_id"]}},
                school_id=d["school_id"])


def _booking(event, uow, state: str, fields: dict) -> None:
    d = event.data
    b = key(d["booking_id"])
    household = {f"facts.booking_guardians.{b}": d["guardian_id"]} if d.get("guardian_id") else {}
    _student(event, uow, d["student_id"], {
        "$set": {f"conferences.{b}.id": d["booking_id"], **{f"conferences.{b}.{k}": v for k, v in fields.items()},
                 **household},
        "$max": {f"conferences.{b}.state": BOOKING_RANK[state], f"facts.bookings.{b}": BOOKING_RANK[state]}})
    uow.db[BOOKINGS].update_one({"_id": d["booking_id"]}, {"$set": {
        "student_id": d["student_id"], "school_id": d["school_id"], "district_id": event.district_id}},
        upsert=True, session=uow.session)


BOOKING_FIELDS = ("window_id", "teacher_id", "guardian_id", "start", "end", "modality", "interpreter_language",
                  "private_talk")


def on_booked(event, uow) -> None:
    _booking(event, uow, "booked", {k: event.data.get(k) for k in BOOKING_FIELDS})


def on_cancelled(event, uow) -> None:
    _booking(event, uow, "cancelled", {"cancel_reason": event.data["reason"]})


def on_held(event, uow) -> None:
    d = event.data
    _booking(event, uow, "held", {"teacher_id": d["teacher_id"], "cycle": d["cycle"], "held_at": d["held_at"],
                                  "private_talk": d.get("private_talk", False)})


def on_no_show(event, uow) -> None:
    d = event.data
    _booking(event, uow, "no_show", {"teacher_id": d["teacher_id"], "cycle": d["cycle"], "start": d["start"]})


def on_outcome_content(event, uow) -> None:
    """What was agreed at the conference, in words (internal event): the family's goals
    for the child, the supports the teacher will give, the next check-in. Only a newer
    revision replaces it (consumers run in parallel)."""
    d = event.data
    b = key(d["booking_id"])
    field = f"conferences.{b}.agreement"
    _student(event, uow, d["student_id"], {"$set": {f"conferences.{b}.id": d["booking_id"]}})
    uow.db[STUDENTS].update_one(
        {"_id": d["student_id"], f"{field}.revision": {"$not": {"$gte": d["revision"]}}},
        {"$set": {field: {"family_goals": [g["text"] for g in d["family_goals"]], "supports": d["supports"],
                          "next_checkin_on": d.get("next_checkin_on"), "revision": d["revision"],
                          "cycle": d["cycle"]}}}, session=uow.session)


def on_followup_due(event, uow) -> None:
    d = event.data
    b = key(d["booking_id"])
    _student(event, uow, d["student_id"], {"$set": {
        f"followups.{b}": {"booking_id": d["booking_id"], "due_at": d["due_at"], "cycle": d["cycle"]},
        # compared with the instant of the latest check-in (facts.py): goals closes a
        # follow-up with the first check-in recorded after it opened, whatever its date
        f"facts.followups.{b}": utc(d["due_at"])}})


REPORT_PROJECTORS = {
    "PersonProfileChanged": [on_profile],
    "StudentEnrolled": [on_enrolled],
    "StudentUnenrolled": [on_unenrolled],
    "StudentUpdated": [on_student_updated],
    "GuardianLinked": [on_guardian_linked],
    "GuardianUnlinked": [on_guardian_unlinked],
    "PersonDeactivated": [on_deactivated],
    "GoalCreated": [on_goal_created],
    "GoalUpdated": [on_goal_updated],
    "GoalContentChanged": [on_goal_content],
    "GoalAchieved": [on_goal_achieved],
    "GoalProgressRecorded": [on_progress],
    "CheckinNoteRecorded": [on_checkin_note],
    "GoalDeleted": [on_goal_deleted],
    "ParentInputSubmitted": [on_parent_input],
    "InvitationDue": [on_invitation],
    "ConferenceWindowOpened": [on_window_opened],
    "ConferenceBooked": [on_booked],
    "ConferenceRescheduled": [on_booked],
    "ConferenceCancelled": [on_cancelled],
    "ConferenceHeld": [on_held],
    "ConferenceNoShow": [on_no_show],
    "FollowUpDue": [on_followup_due],
    "ConferenceOutcomeContent": [on_outcome_content],
}

# Everything the service consumes: its own projections plus the platform's roster
# projection (StudentDirectory: access rules, school names, time zones, languages).
PROJECTORS = {name: [*REPORT_PROJECTORS.get(name, []), *ROSTER_HANDLERS.get(name, [])]
              for name in sorted({*REPORT_PROJECTORS, *ROSTER_HANDLERS})}


def apply(event, uow) -> None:
    for fn in PROJECTORS.get(event.name, ()):
        fn(event, uow)
