"""Requests of a request window, the school's priority marks, the window's interpreters
and the proposed assignment (the plan); plus the reads of the window's own slots and
availability a solve needs. Documents and their shapes: `adapters/requests.py`."""
from __future__ import annotations

from services.scheduling.adapters import repository as repo
from services.common.repository import Repository
from services.scheduling.adapters.requests import (
    ACTIVE, INTERPRETERS, PLANS, PRIORITIES, REQUESTS, WITHDRAWN, key, ranges_of,
)
from services.scheduling.domain.assignment.problem import Interpreter
from services.scheduling.domain.model import Availability, Slot


class Requests(Repository):
    def get_request(self, window_id: str, guardian_id: str) -> dict | None:
        return self.collection(REQUESTS).find_one({"_id": key(window_id, guardian_id)}, session=self.session)

    def active_requests(self, window_id: str) -> list[dict]:
        return list(self.collection(REQUESTS).find({"window_id": window_id, "status": ACTIVE}, session=self.session).sort("_id", 1))

    def requesting_guardians(self, window_id: str) -> set[str]:
        return {d["guardian_id"] for d in self.collection(REQUESTS).find({"window_id": window_id, "status": ACTIVE},
                                                            {"guardian_id": 1}, session=self.session)}

    def priorities(self, window_id: str) -> list[dict]:
        return list(self.collection(PRIORITIES).find({"window_id": window_id}, session=self.session).sort("_id", 1))

    def interpreter_docs(self, window_id: str) -> list[dict]:
        doc = self.collection(INTERPRETERS).find_one({"_id": window_id}, session=self.session)
        return (doc or {}).get("interpreters", [])

    def interpreters(self, window_id: str) -> list[Interpreter]:
        return [Interpreter(i["interpreter_id"], frozenset(i["languages"]), ranges_of(i["ranges"]))
                for i in self.interpreter_docs(window_id)]

    def availabilities(self, window_id: str) -> list[Availability]:
        return [repo.availability_from_doc(d) for d in self.collection(repo.AVAILABILITY).find({"window_id": window_id}).sort("_id", 1)]

    def taken_slots(self, window_id: str) -> list[Slot]:
        return [repo.slot_from_doc(d) for d in self.collection(repo.SLOTS).find({"window_id": window_id, "booked_by": {"$ne": None}})]

    def free_slots(self, window_id: str, teacher_ids) -> list[Slot]:
        return [repo.slot_from_doc(d) for d in self.collection(repo.SLOTS).find(
            {"window_id": window_id, "teacher_id": {"$in": sorted(set(teacher_ids))}, "booked_by": None},
            session=self.session).sort("start", 1)]

    def slot_docs(self, ids) -> dict[str, dict]:
        return {d["_id"]: d for d in self.collection(repo.SLOTS).find({"_id": {"$in": list(ids)}}, session=self.session)}

    def students_by_teacher(self, school_id: str) -> dict[str, int]:
        """The roster's active students per teacher (the demand before requests come in)."""
        out: dict[str, int] = {}
        for s in self.collection(repo.StudentDirectory.COLLECTION).find({"school_id": school_id, "active": {"$ne": False}},
                                                           {"teacher_ids": 1}):
            for t in s.get("teacher_ids", []):
                out[t] = out.get(t, 0) + 1
        return out

    def is_family_of_school(self, school_id: str, guardian_id: str) -> bool:
        return self.collection(repo.StudentDirectory.COLLECTION).find_one({"school_id": school_id, "guardian_ids": guardian_id},
                                                             {"_id": 1}) is not None

    def get_plan(self, window_id: str) -> dict | None:
        return self.collection(PLANS).find_one({"_id": window_id}, session=self.session)

    def save_request(self, doc: dict) -> dict:
        """Create or replace the family's request (a withdrawn one comes back)."""
        fields = {k: v for k, v in doc.items() if k not in ("_id", "created_at", "revision")}
        saved = self.collection(REQUESTS).find_one_and_update(
            {"_id": doc["_id"]},
            {"$set": {**fields, "status": ACTIVE}, "$inc": {"revision": 1},
             "$setOnInsert": {"created_at": doc["updated_at"]}},
            upsert=True, return_document=True, session=self.session)
        return saved

    def withdraw_request(self, window_id: str, guardian_id: str) -> dict | None:
        return self.collection(REQUESTS).find_one_and_update(
            {"_id": key(window_id, guardian_id), "status": ACTIVE},
            {"$set": {"status": WITHDRAWN, "updated_at": self.uow.now}, "$inc": {"revision": 1}},
            return_document=True, session=self.session)

    def set_priority(self, doc: dict) -> dict:
        self.collection(PRIORITIES).replace_one({"_id": doc["_id"]}, doc, upsert=True, session=self.session)
        return doc

    def clear_priority(self, window_id: str, guardian_id: str) -> bool:
        return self.collection(PRIORITIES).delete_one({"_id": key(window_id, guardian_id)}, session=self.session).deleted_count == 1

    def save_interpreters(self, window_doc: dict, items: list[dict]) -> dict:
        doc = {"_id": window_doc["_id"], "district_id": window_doc["district_id"], "school_id": window_doc["school_id"],
               "window_id": window_doc["_id"], "interpreters": items, "updated_at": self.uow.now}
        self.collection(INTERPRETERS).replace_one({"_id": doc["_id"]}, doc, upsert=True, session=self.session)
        return doc

    def set_window(self, window_id: str, fields: dict) -> None:
        self.collection(repo.WINDOWS).update_one({"_id": window_id}, {"$set": fields, "$inc": {"version": 1}},
                                        session=self.session)

    def save_plan(self, doc: dict, expected_version: int) -> bool:
        """Store a solve's plan if nobody stored another (or began publishing) since it read
        version `expected_version` (0: none yet)."""
        if expected_version == 0:
            if self.collection(PLANS).find_one({"_id": doc["_id"]}, {"_id": 1}, session=self.session):
                return False
            self.collection(PLANS).insert_one(doc, session=self.session)
            return True
        res = self.collection(PLANS).replace_one({"_id": doc["_id"], "version": expected_version, "status": "proposed"}, doc,
                                        session=self.session)
        return res.matched_count == 1

    def start_publishing(self, window_id: str, version: int, by: str) -> bool:
        res = self.collection(PLANS).update_one({"_id": window_id, "version": version, "status": "proposed"},
                                       {"$set": {"status": "publishing", "publish_started_at": self.uow.now,
                                                 "published_by": by}}, session=self.session)
        return res.modified_count == 1

    def mark_family(self, window_id: str, field: str, family_id: str) -> bool:
        """Record that publishing booked (or offered times to) a family; False when done before."""
        res = self.collection(PLANS).update_one({"_id": window_id, "status": "publishing", field: {"$ne": family_id}},
                                       {"$addToSet": {field: family_id}}, session=self.session)
        return res.modified_count == 1

    def finish_publishing(self, window_id: str, fields: dict) -> bool:
        res = self.collection(PLANS).update_one({"_id": window_id, "status": "publishing"},
                                       {"$set": {"status": "published", "published_at": self.uow.now, **fields}},
                                       session=self.session)
        return res.modified_count == 1
