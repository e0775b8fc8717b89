"""Goals from data: an imported gradebook result (GradebookResultRecorded, internal)
becomes a check-in, marked as from the gradebook, on every open goal of the student
whose measure is linked to that standard (and line item, if the measure names one).

Exactly once per result and goal: the check-in's id is derived from the result, the
standard and the goal, so a redelivered event (also kept out by the ledger) or the
same result sent again finds it; a corrected score updates that one check-in. The
score stays internal: the public GoalProgressRecorded carries no value for a
gradebook check-in, and the value travels in CheckinMeasureRecorded (internal), for
the packet and the progress report. Hand-recorded check-ins are untouched.
"""
from __future__ import annotations

import uuid
from datetime import date

from services.access import StudentDirectory
from services.common import logs
from services.common.wiring import handler
from services.goals.adapters.gradebook import checkin, linked_goals, save_checkin
from services.goals.domain import gradebook_checkin, measures_result
from services.goals.adapters.repository import goal_from_doc, plain, scope

log = logs.get("confer.goals.gradebook")
_IDS = uuid.UUID("6f0c1d52-3f5e-4f0e-9a41-5b7c2d0e9a10")  # namespace of gradebook check-in ids


def checkin_id(result_id: str, objective_id: str | None, goal_id: str) -> str:
    key = "|".join((result_id, objective_id or "", goal_id))
    return f"gb-{uuid.uuid5(_IDS, key)}"


@handler("goals.gradebook_result")
def on_gradebook_result(event, uow) -> None:
    d = event.data
    record = StudentDirectory(uow.db).get(d["student_id"], session=uow.session)
    if record is None:
        log.warning("gradebook result for a student not in the roster projection", student_id=d["student_id"])
        return
    on, score = date.fromisoformat(d["date"]), float(d["score"])
    for doc in linked_goals(uow, record):
        goal = goal_from_doc(doc)
        if not measures_result(goal, d.get("learning_objective_id"), d["line_item_id"]):
            continue
        made = gradebook_checkin(goal, on, score)
        if made is None:
            continue
        cid = checkin_id(d["result_id"], d.get("learning_objective_id"), goal.goal_id)
        old = checkin(uow, cid)
        if old is not None and old.get("measure_value") == made.measure_value and old.get("on") == on.isoformat():
            continue
        row = {"_id": cid, **scope(record), "student_id": goal.student_id, "cycle": goal.cycle, **plain(made),
               "result_id": d["result_id"], "learning_objective_id": d.get("learning_objective_id"),
               "line_item_id": d["line_item_id"], "recorded_at": old["recorded_at"] if old else uow.now}
        save_checkin(uow, row)
        common = {"goal_id": goal.goal_id, "student_id": goal.student_id, "school_id": record.school_id,
                  "checkin_id": cid, "date": row["on"]}
        uow.emit("GoalProgressRecorded", {**common, "status": row["status"], "value": None,
                                          "recorded_by_role": row["by_role"], "source": "gradebook"},
                 subject=goal.goal_id)
        uow.emit("CheckinMeasureRecorded", {**common, "value": made.measure_value, "source": "gradebook",
                                            "learning_objective_id": d.get("learning_objective_id"),
                                            "line_item_id": d["line_item_id"]}, subject=goal.goal_id)
