"""Goal documents (the plan, status, history; `version` counts saves)."""
from __future__ import annotations

from pymongo import ASCENDING as A

from services.common.guards import district_scope
from services.common.repository import Repository
from services.goals.adapters.repository import GOALS, scope

ACTIVE = ["submitted", "agreed", "revised"]


class Goals(Repository):
    collection_name = GOALS

    def in_district(self, principal, goal_id: str) -> dict | None:
        """The goal, if it is in the caller's district (who may see it is the roster's answer)."""
        return self.docs.find_one(district_scope(principal, _id=goal_id), session=self.session)

    def exists(self, goal_id: str) -> bool:
        return self.docs.find_one({"_id": goal_id}, {"_id": 1}, session=self.session) is not None

    def of_student(self, record, *, cycle: str | None = None, status: str | None = None) -> list[dict]:
        """The student's goals, oldest first; of one cycle and / or status when named."""
        query = {**scope(record), "student_id": record.student_id}
        if cycle:
            query["cycle"] = cycle
        if status:
            query["status"] = status
        return list(self.docs.find(query, session=self.session).sort([("created_at", A), ("_id", A)]))

    def ids_of_student(self, record) -> set[str]:
        query = {**scope(record), "student_id": record.student_id}
        return {d["_id"] for d in self.docs.find(query, {"_id": 1}, session=self.session)}

    def count_active(self, record, cycle: str, *, exclude: str | None = None) -> int:
        """The student's shared goals of `cycle` still being worked on (not `exclude`)."""
        query = {**scope(record), "student_id": record.student_id, "cycle": cycle, "status": {"$in": ACTIVE}}
        if exclude:
            query["_id"] = {"$ne": exclude}
        return self.docs.count_documents(query, session=self.session)

    def add(self, doc: dict) -> None:
        self.docs.insert_one(doc, session=self.session)

    def save_changes(self, goal_id: str, changes: dict) -> None:
        """Set `changes` and count one more version."""
        self.docs.update_one({"_id": goal_id}, {"$set": changes, "$inc": {"version": 1}}, session=self.session)

    def delete_draft(self, goal_id: str) -> bool:
        """Delete the goal if it is still a draft; False if it no longer is (or is gone)."""
        res = self.docs.delete_one({"_id": goal_id, "status": "draft"}, session=self.session)
        return res.deleted_count == 1
