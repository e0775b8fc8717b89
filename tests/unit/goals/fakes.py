"""In-memory repositories of the goals service, with the methods of the real ones
(services/goals/adapters/repositories) that the use cases under test call. Documents are
kept in `FakeStore.data` and copied in and out, as a database would. The roster
projection is the real `Students` repository over an in-memory directory, so the
platform's access rules run unchanged."""
from __future__ import annotations

import copy

from services.access import StudentDirectory, StudentRecord
from services.goals.adapters.repositories.access import Students


def _copy(doc):
    return copy.deepcopy(doc)


def _in_school(doc: dict, record) -> bool:
    return (doc.get("district_id"), doc.get("school_id")) == (record.district_id, record.school_id)


def _of_student(doc: dict, record) -> bool:
    return _in_school(doc, record) and doc.get("student_id") == record.student_id


def _in_district(doc: dict, principal) -> bool:
    """As `guards.district_scope`: a caller without a district sees nothing."""
    mine = principal.district_id
    return bool(mine) and doc.get("district_id") == mine


class MemoryDirectory(StudentDirectory):
    """The roster projection as dicts: `store.data["students"]` (id -> StudentRecord) and
    `store.data["schools"]` (id -> school document)."""

    def __init__(self, data: dict):
        super().__init__(db=None)
        self.students = data.setdefault("students", {})
        self.schools = data.setdefault("schools", {})

    def get(self, student_id: str, session=None) -> StudentRecord | None:
        return self.students.get(student_id)

    def school(self, school_id: str, session=None) -> dict | None:
        return _copy(self.schools.get(school_id))


class Fake:
    name: str

    def __init__(self, uow, name: str | None = None):
        self.docs: dict = uow.store.data.setdefault(name or self.name, {})

    def _insert(self, doc: dict) -> None:
        assert doc["_id"] not in self.docs, f"duplicate key {doc['_id']}"
        self.docs[doc["_id"]] = _copy(doc)

    def _find(self, match, sort=None) -> list[dict]:
        found = [_copy(d) for d in self.docs.values() if match(d)]
        return sorted(found, key=sort) if sort else found


class FakeAudit:
    def __init__(self, uow):
        self.entries: list = uow.store.data.setdefault("audit_log", [])

    def record_read(self, principal, record, what, *, at, resource_id, cycle, correlation_id) -> None:
        self.entries.append({"student_id": record.student_id, "actor_id": principal.sub, "actor_role": principal.role,
                             "what": what, "resource_id": resource_id, "cycle": cycle, "at": at})


class FakeGoals(Fake):
    name = "goals"

    def in_district(self, principal, goal_id):
        doc = self.docs.get(goal_id)
        return _copy(doc) if doc is not None and _in_district(doc, principal) else None

    def exists(self, goal_id):
        return goal_id in self.docs

    def of_student(self, record, *, cycle=None, status=None):
        return self._find(lambda d: _of_student(d, record) and cycle in (None, d["cycle"])
                          and status in (None, d["status"]), sort=lambda d: (d["created_at"], d["_id"]))

    def ids_of_student(self, record):
        return {d["_id"] for d in self._find(lambda d: _of_student(d, record))}

    def count_active(self, record, cycle, *, exclude=None):
        return len(self._find(lambda d: _of_student(d, record) and d["cycle"] == cycle and d["_id"] != exclude
                              and d["status"] in ("submitted", "agreed", "revised")))

    def add(self, doc):
        self._insert(doc)

    def save_changes(self, goal_id, changes):
        doc = self.docs[goal_id]
        doc.update(_copy(changes))
        doc["version"] += 1

    def delete_draft(self, goal_id):
        if self.docs.get(goal_id, {}).get("status") != "draft":
            return False
        del self.docs[goal_id]
        return True


class FakeCheckins(Fake):
    name = "checkins"

    def add(self, doc):
        self._insert(doc)

    def of_goals(self, record, goal_ids):
        return self._find(lambda d: d["goal_id"] in goal_ids and _in_school(d, record),
                          sort=lambda d: (d["on"], d["recorded_at"]))


class FakeFollowUps(Fake):
    name = "follow_ups"

    def close_open(self, record, checkin_id, at):
        ids = [k for k, d in self.docs.items() if _of_student(d, record) and d["status"] == "open"]
        for k in ids:
            self.docs[k].update(status="closed", closed_at=at, closed_by_checkin=checkin_id)
        return ids

    def due_at(self, follow_up_id):
        doc = self.docs.get(follow_up_id)
        return doc["due_at"] if doc else None

    def open(self, follow_up_id, doc):
        if follow_up_id not in self.docs:
            self._insert({"_id": follow_up_id, **doc})

    def of_student(self, record, status):
        return self._find(lambda d: _of_student(d, record) and status in ("all", d["status"]),
                          sort=lambda d: d["opened_at"])


class FakeCycleDocuments(Fake):
    def put(self, record, cycle, doc):
        self.docs[f"{record.student_id}:{cycle}"] = {"_id": f"{record.student_id}:{cycle}", **_copy(doc)}
        return doc

    def of_cycle(self, record, cycle):
        doc = self.docs.get(f"{record.student_id}:{cycle}")
        return _copy(doc) if doc is not None and _in_school(doc, record) else None


class FakeParentInputs(Fake):
    name = "parent_input"

    def put(self, record, guardian_id, cycle, doc):
        key = f"{record.student_id}:{guardian_id}:{cycle}"
        self.docs[key] = {"_id": key, **_copy(doc)}
        return doc

    def of_cycle(self, record, cycle, *, guardian_id=None):
        return self._find(lambda d: _of_student(d, record) and d["cycle"] == cycle
                          and guardian_id in (None, d["guardian_id"]), sort=lambda d: d["submitted_at"])

    def guardians_asking_private_talk(self, record, cycle):
        return {d["guardian_id"] for d in self.of_cycle(record, cycle) if d["wants_private_talk"]}


class FakePrivateNotes(Fake):
    name = "private_notes"

    def add(self, doc):
        self._insert(doc)

    def of_cycle(self, record, cycle, *, guardian_id=None):
        return self._find(lambda d: _of_student(d, record) and d["cycle"] == cycle
                          and (guardian_id is None or guardian_id in d["guardian_ids"]), sort=lambda d: d["at"])


class FakeConferenceOutcomes(Fake):
    name = "conference_outcomes"

    def revision(self, booking_id):
        doc = self.docs.get(booking_id)
        return doc.get("revision", 0) if doc else None

    def put(self, booking_id, fields):
        self.docs.setdefault(booking_id, {"_id": booking_id}).update(_copy(fields))

    def of_student(self, record):
        return self._find(lambda d: _of_student(d, record))


def attach_fakes(uow) -> None:
    uow.students = Students(uow, MemoryDirectory(uow.store.data))
    uow.audit = FakeAudit(uow)
    uow.goals = FakeGoals(uow)
    uow.checkins = FakeCheckins(uow)
    uow.follow_ups = FakeFollowUps(uow)
    uow.self_assessments = FakeCycleDocuments(uow, "self_assessments")
    uow.reflections = FakeCycleDocuments(uow, "reflections")
    uow.parent_input = FakeParentInputs(uow)
    uow.private_notes = FakePrivateNotes(uow)
    uow.conference_outcomes = FakeConferenceOutcomes(uow)
