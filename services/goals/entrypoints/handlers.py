"""Inbound events of the goals service, in one place.

    roster events   -> proj_students / proj_schools (the platform's ROSTER_HANDLERS)
    ConferenceHeld  -> the student's submitted goals of that cycle (or an earlier cycle of
                       the same school year: goals written in the fall are agreed at a
                       December conference of the winter cycle) become agreed
    FollowUpDue     -> an open follow-up asking the student for a check-in
    ConferenceOutcomeContent (internal) -> the family's goals for the child, as goals

The dispatcher runs each handler in one transaction with its ledger entry, so a
redelivered event has no second effect.
"""
from __future__ import annotations

from services.access import ROSTER_HANDLERS, StudentDirectory
from services.common import logs
from services.common.wiring import handler, merge
from services.goals.settings import cycle_key, school_year_start
from services.goals.domain import GoalStatus, transition
from services.goals.adapters.repository import GOALS, goal_from_doc
from services.goals.application.goals import emit_goal_events, save_goal
from services.goals.application.outcomes import on_outcome_content
from services.goals.application.progress import open_follow_up

log = logs.get("confer.goals.handlers")


@handler("goals.conference_held", formerly="services.goals.entrypoints.handlers.on_conference_held")
def on_conference_held(event, uow) -> None:
    d = event.data
    record = StudentDirectory(uow.db).get(d["student_id"], session=uow.session)
    if record is None:
        log.warning("conference held for a student not in the roster projection", student_id=d["student_id"])
        return
    query = {"district_id": record.district_id, "school_id": record.school_id, "student_id": record.student_id,
             "status": GoalStatus.SUBMITTED.value}
    for doc in list(uow.db[GOALS].find(query, session=uow.session)):
        if not agreed_at(doc.get("cycle"), d["cycle"]):
            continue
        agreed = transition(goal_from_doc(doc), GoalStatus.AGREED, "teacher", uow.now, actor_id=d["teacher_id"],
                            note="Agreed at the conference.")
        saved = save_goal(uow, record, agreed, doc)
        emit_goal_events(uow, record, agreed, next_steps=saved.get("next_steps"))


def agreed_at(goal_cycle: str | None, conference_cycle: str) -> bool:
    """A conference agrees the goals of its own cycle and of the earlier cycles of its
    school year (an unnamed cycle only matches itself)."""
    if goal_cycle == conference_cycle:
        return True
    if cycle_key(goal_cycle) == (0, 0) or cycle_key(conference_cycle) == (0, 0):
        return False
    return (school_year_start(goal_cycle) == school_year_start(conference_cycle)
            and cycle_key(goal_cycle) <= cycle_key(conference_cycle))


@handler("goals.follow_up_due", formerly="services.goals.entrypoints.handlers.on_follow_up_due")
def on_follow_up_due(event, uow) -> None:
    open_follow_up(uow, event)


HANDLERS = merge(ROSTER_HANDLERS, {
    "ConferenceHeld": [on_conference_held],
    "FollowUpDue": [on_follow_up_due],
    "ConferenceOutcomeContent": [on_outcome_content],
})
