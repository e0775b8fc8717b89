"""Goals' storage for gradebook check-ins: the open goals whose measure is linked to a
standard or line item, and check-ins keyed by the result they come from."""
from __future__ import annotations

from services.goals.adapters.repository import CHECKINS, GOALS, scope

OPEN = ["submitted", "agreed", "revised"]


def linked_goals(uow, record) -> list[dict]:
    """The student's open goals with a measure linked to the gradebook."""
    query = {**scope(record), "student_id": record.student_id, "status": {"$in": OPEN},
             "$or": [{"plan.trackable.measure.learning_objective_id": {"$nin": [None, ""]}},
                     {"plan.trackable.measure.line_item_id": {"$nin": [None, ""]}}]}
    return list(uow.db[GOALS].find(query, session=uow.session).sort([("_id", 1)]))


def checkin(uow, checkin_id: str) -> dict | None:
    return uow.db[CHECKINS].find_one({"_id": checkin_id}, session=uow.session)


def save_checkin(uow, doc: dict) -> None:
    uow.db[CHECKINS].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=uow.session)
