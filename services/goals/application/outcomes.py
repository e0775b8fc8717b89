"""What was agreed at a conference (scheduling's internal ConferenceOutcomeContent).

The family's goals for the child become goals: set by the family, agreed, in the
conference's cycle, beside the student's own and tracked with check-ins like them (the
goal id is the one scheduling gave, so a redelivered or later revision never makes a
second). The supports the teacher will give and the next check-in day are kept per
conference for the packet; only a newer revision replaces them."""
from __future__ import annotations

from services.access import StudentDirectory
from services.common import logs
from services.common.wiring import handler
from services.goals.settings import GoalsConfig, cycle_key
from services.goals.domain import Focus, FocusKind, Goal, GoalStatus, Plan, SetBy, Term
from services.goals.adapters.repository import CONFERENCE_OUTCOMES, GOALS, scope
from services.goals.application.goals import emit_goal_events, save_goal

log = logs.get("confer.goals.outcomes")


def family_goal(goal_id: str, student_id: str, cycle: str, text: str, cfg: GoalsConfig) -> Goal:
    plan = Plan(statement=text, focus=Focus(FocusKind.PERSONAL, ""), term=Term.SHORT)
    return Goal(goal_id, student_id, cfg.school_year(cycle), cycle, plan, GoalStatus.AGREED, set_by=SetBy.FAMILY)


@handler("goals.outcome_content", formerly="services.goals.application.outcomes.on_outcome_content")
def on_outcome_content(event, uow) -> None:
    d = event.data
    record = StudentDirectory(uow.db).get(d["student_id"], session=uow.session)
    if record is None:
        log.warning("conference outcome for a student not in the roster projection", student_id=d["student_id"])
        return
    cfg = GoalsConfig()
    for fg in d["family_goals"]:
        if uow.db[GOALS].find_one({"_id": fg["id"]}, {"_id": 1}, session=uow.session):
            continue
        goal = family_goal(fg["id"], record.student_id, d["cycle"], fg["text"], cfg)
        save_goal(uow, record, goal, created_by=d["guardian_id"], booking_id=d["booking_id"])
        emit_goal_events(uow, record, goal, created=True)
    coll = uow.db[CONFERENCE_OUTCOMES]
    have = coll.find_one({"_id": d["booking_id"]}, {"revision": 1}, session=uow.session)
    if have and have.get("revision", 0) >= d["revision"]:
        return
    coll.update_one({"_id": d["booking_id"]}, {"$set": {
        **scope(record), "student_id": record.student_id, "booking_id": d["booking_id"], "cycle": d["cycle"],
        "teacher_id": d["teacher_id"], "family_goal_ids": [g["id"] for g in d["family_goals"]],
        "supports": d["supports"], "next_checkin_on": d.get("next_checkin_on"), "revision": d["revision"],
        "updated_at": uow.now}}, upsert=True, session=uow.session)


def agreements(db, record, cycle: str) -> list[dict]:
    """What was agreed at this student's conferences up to `cycle`, newest first."""
    docs = db[CONFERENCE_OUTCOMES].find({**scope(record), "student_id": record.student_id})
    mine = [d for d in docs if cycle_key(d["cycle"]) <= cycle_key(cycle)]
    mine.sort(key=lambda d: (cycle_key(d["cycle"]), d.get("updated_at")), reverse=True)
    return [{"booking_id": d["booking_id"], "cycle": d["cycle"], "family_goal_ids": d.get("family_goal_ids", []),
             "supports": d.get("supports", []), "next_checkin_on": d.get("next_checkin_on")} for d in mine]
