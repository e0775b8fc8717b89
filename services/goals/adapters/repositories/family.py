"""The student's self-assessment and reflections, the family's parent input and the
private parent-teacher notes. The first three are one document per student (and
guardian) and cycle, replaced when sent again."""
from __future__ import annotations

from pymongo import ASCENDING as A

from services.common.repository import Repository
from services.goals.adapters.repository import PARENT_INPUT, PRIVATE_NOTES, scope


def per_cycle_id(student_id: str, cycle: str, *more: str) -> str:
    return ":".join((student_id, *more, cycle))


class CycleDocuments(Repository):
    """One document per student and cycle (self-assessments, reflections)."""

    def put(self, record, cycle: str, doc: dict) -> dict:
        doc_id = per_cycle_id(record.student_id, cycle)
        self.docs.replace_one({"_id": doc_id}, doc, upsert=True, session=self.session)
        return doc

    def of_cycle(self, record, cycle: str) -> dict | None:
        return self.docs.find_one({**scope(record), "_id": per_cycle_id(record.student_id, cycle)},
                                   session=self.session)


class ParentInputs(Repository):
    collection_name = PARENT_INPUT

    def put(self, record, guardian_id: str, cycle: str, doc: dict) -> dict:
        doc_id = per_cycle_id(record.student_id, cycle, guardian_id)
        self.docs.replace_one({"_id": doc_id}, doc, upsert=True, session=self.session)
        return doc

    def of_cycle(self, record, cycle: str, *, guardian_id: str | None = None) -> list[dict]:
        """The cycle's parent input, oldest first; one guardian's only when named."""
        query = {**scope(record), "student_id": record.student_id, "cycle": cycle}
        if guardian_id:
            query["guardian_id"] = guardian_id
        return list(self.docs.find(query, session=self.session).sort([("submitted_at", A)]))

    def guardians_asking_private_talk(self, record, cycle: str) -> set[str]:
        query = {**scope(record), "student_id": record.student_id, "cycle": cycle, "wants_private_talk": True}
        return {d["guardian_id"] for d in self.docs.find(query, {"guardian_id": 1}, session=self.session)}


class PrivateNotes(Repository):
    collection_name = PRIVATE_NOTES

    def add(self, doc: dict) -> None:
        self.docs.insert_one(doc, session=self.session)

    def of_cycle(self, record, cycle: str, *, guardian_id: str | None = None) -> list[dict]:
        """The cycle's notes, oldest first; only those of one guardian's talks when named."""
        query = {**scope(record), "student_id": record.student_id, "cycle": cycle}
        if guardian_id:
            query["guardian_ids"] = guardian_id
        return list(self.docs.find(query, session=self.session).sort([("at", A)]))
