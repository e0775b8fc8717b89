"""Read side of the roster: committed data of one district, read consistently.

``reading(store, district_id)`` opens a snapshot (a read-only transaction) and learns
which imports are still hidden, so a request sees each import entirely or not at all
(``repository.visible_query`` / ``resolve``). Every query is scoped by ``district_id``.
"""
from __future__ import annotations

from contextlib import contextmanager

from services.access import StudentRecord
from services.common.store import TXN_READ
from services.roster.adapters.repository import (
    CLASSES, ENROLMENTS, LINKS, ORGS, PEOPLE, hidden_imports, resolve, visible_query)


class View:
    def __init__(self, db, district_id: str | None, session=None):
        self.db, self.district_id, self.session = db, district_id, session
        self.hidden = hidden_imports(db, district_id, session)

    def _scoped(self, query: dict) -> dict:
        # Always scoped: a View without a district sees nothing, never every district.
        return visible_query({**query, "district_id": self.district_id or {"$in": []}}, self.hidden)

    def find(self, coll: str, query: dict, sort=(("_id", 1),), skip: int = 0, limit: int = 0) -> list[dict]:
        cursor = self.db[coll].find(self._scoped(query), session=self.session).sort(list(sort))
        if skip:
            cursor = cursor.skip(skip)
        if limit:
            cursor = cursor.limit(limit)
        return [d for d in (resolve(doc, self.hidden) for doc in cursor) if d is not None]

    def find_one(self, coll: str, query: dict) -> dict | None:
        found = self.find(coll, query, limit=1)
        return found[0] if found else None

    def count(self, coll: str, query: dict) -> int:
        return self.db[coll].count_documents(self._scoped(query), session=self.session)

    # -- roster questions ------------------------------------------------------
    def person(self, person_id: str, kind: str | None = None) -> dict | None:
        return self.find_one(PEOPLE, {"_id": person_id, **({"kind": kind} if kind else {})})

    def school(self, school_id: str) -> dict | None:
        return self.find_one(ORGS, {"_id": school_id, "type": "school"})

    def schools(self, ids=None) -> list[dict]:
        query = {"type": "school", **({"_id": {"$in": list(ids)}} if ids is not None else {})}
        return self.find(ORGS, query)

    def teaching(self, teacher_id: str) -> dict[str, str]:
        """class id -> school id of the classes a teacher teaches."""
        rows = self.find(ENROLMENTS, {"user_id": teacher_id, "role": "teacher", "active": True})
        return {e["class_id"]: e["school_id"] for e in rows}

    def students_in(self, classes: dict[str, str]) -> list[str]:
        rows = self.find(ENROLMENTS, {"school_id": {"$in": sorted(set(classes.values()))},
                                      "class_id": {"$in": list(classes)}, "role": "student", "active": True})
        return sorted({e["user_id"] for e in rows})

    def children_of(self, guardian_id: str) -> list[str]:
        return sorted({link["student_id"] for link in self.find(LINKS, {"guardian_id": guardian_id, "active": True})})

    def people(self, ids, kind: str | None = None) -> list[dict]:
        query = {"_id": {"$in": list(ids)}, **({"kind": kind} if kind else {})}
        docs = self.find(PEOPLE, query)
        return sorted(docs, key=lambda d: (d.get("family_name") or "", d.get("given_name") or "", d["_id"]))

    def class_teachers(self, classes: dict[str, str]) -> dict[str, list[str]]:
        """class id -> its teachers, for classes given as class id -> school id."""
        out: dict[str, set[str]] = {}
        for e in self.find(ENROLMENTS, {"school_id": {"$in": sorted(set(classes.values()))},
                                        "class_id": {"$in": list(classes)}, "role": "teacher", "active": True}):
            out.setdefault(e["class_id"], set()).add(e["user_id"])
        return {cid: sorted(ids) for cid, ids in out.items()}

    def student_records(self, students: list[dict]) -> dict[str, StudentRecord]:
        """The policy's view of each student: school, teachers (of the student's active
        classes) and guardians (active links), from the roster's own data."""
        ids = [s["_id"] for s in students]
        classes: dict[str, set[str]] = {}
        schools: dict[str, str] = {}
        for e in self.find(ENROLMENTS, {"user_id": {"$in": ids}, "role": "student", "active": True}):
            classes.setdefault(e["user_id"], set()).add(e["class_id"])
            schools[e["class_id"]] = e["school_id"]
        teachers = self.class_teachers(schools)
        guardians: dict[str, set[str]] = {}
        for link in self.find(LINKS, {"student_id": {"$in": ids}, "active": True}):
            guardians.setdefault(link["student_id"], set()).add(link["guardian_id"])
        return {s["_id"]: StudentRecord(
            s["_id"], s.get("district_id"), s.get("school_id") or "",
            tuple(sorted({t for c in classes.get(s["_id"], ()) for t in teachers.get(c, ())})),
            tuple(sorted(guardians.get(s["_id"], ()))), s.get("grade"), s.get("active", True))
            for s in students}

    def classes(self, school_id: str, skip: int, limit: int) -> tuple[list[dict], int]:
        query = {"school_id": school_id}
        return self.find(CLASSES, query, skip=skip, limit=limit), self.count(CLASSES, query)

    def class_docs(self, ids) -> list[dict]:
        return self.find(CLASSES, {"_id": {"$in": list(ids)}})

    def student_counts(self, school_id: str, class_ids) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.find(ENROLMENTS, {"school_id": school_id, "class_id": {"$in": list(class_ids)},
                                        "role": "student", "active": True}):
            out[e["class_id"]] = out.get(e["class_id"], 0) + 1
        return out


@contextmanager
def reading(store, district_id: str | None):
    with store.client.start_session() as session:
        session.start_transaction(read_concern=TXN_READ)
        try:
            yield View(store.db, district_id, session)
        finally:
            if session.in_transaction:
                session.abort_transaction()
