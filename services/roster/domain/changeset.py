"""Pure: an import plan applied to the district's stored state gives the documents to
write and the state after the import (from which ``event_rules`` derives the events).

A *state* is ``{kind: {sourcedId: document}}`` for one district, kinds as in
``services.roster.domain.rules.KINDS`` (applied in that order, so a person's schools and a
link's school come from the orgs and people as they are after the import).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.roster.domain.rules import KINDS, ImportPlan, Stored
from services.roster.domain.ids import sourced_id
from services.roster.domain.records import (
    AcademicSession, Class, Enrollment, GuardianLink, Org, User)

State = dict[str, dict[str, dict]]


@dataclass(frozen=True)
class Write:
    kind: str
    id: str
    before: dict | None  # the stored (committed) document; None for a new one
    after: dict


def empty_state() -> State:
    return {kind: {} for kind in KINDS}


def snapshot(state: State) -> dict[str, dict[str, Stored]]:
    """What ``plan_import`` needs to know of the stored records."""
    return {kind: {sid: Stored(doc.get("fingerprint", ""), bool(doc.get("active", True)))
                   for sid, doc in docs.items()} for kind, docs in state.items()}


def build_changes(plan: ImportPlan, before: State, district_id: str) -> tuple[list[Write], State]:
    after = {kind: dict(before.get(kind, {})) for kind in KINDS}
    writes: list[Write] = []
    for kind in KINDS:
        kind_plan = plan[kind]
        for change in kind_plan.creates + kind_plan.updates:
            doc = to_doc(change.record, district_id, after)
            writes.append(Write(kind, change.sourced_id, before.get(kind, {}).get(change.sourced_id), doc))
            after[kind][change.sourced_id] = doc
        for change in kind_plan.deactivations:
            old = before[kind][change.sourced_id]
            doc = {**old, "active": False}
            doc.pop("import_id", None)
            writes.append(Write(kind, change.sourced_id, old, doc))
            after[kind][change.sourced_id] = doc
    return writes, after


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _base(record, district_id: str, school_id: str | None) -> dict:
    doc = {"_id": record.sourced_id, "district_id": district_id, "school_id": school_id,
           "active": record.active, "fingerprint": record.fingerprint}
    if not isinstance(record, GuardianLink):  # the SIS's own id, beside the Confer id (ids.py)
        doc["sourced_id"] = sourced_id(district_id, record.sourced_id)
    return doc


def to_doc(record, district_id: str, state: State) -> dict:
    """The stored document of a normalised record (state: for references)."""
    if isinstance(record, Org):
        return {**_base(record, district_id, record.sourced_id if record.type == "school" else None),
                "type": record.type, "name": record.name, "identifier": record.identifier,
                "parent_id": record.parent_id, "time_zone": record.time_zone,
                "languages": list(record.languages)}
    if isinstance(record, AcademicSession):
        return {**_base(record, district_id, None), "title": record.title, "type": record.type,
                "start_date": _iso(record.start_date), "end_date": _iso(record.end_date),
                "school_year": record.school_year, "parent_id": record.parent_id}
    if isinstance(record, User):
        return _person_doc(record, district_id, state)
    if isinstance(record, Class):
        return {**_base(record, district_id, record.school_id), "title": record.title,
                "grades": list(record.grades), "session_ids": list(record.session_ids),
                "class_type": record.class_type, "class_code": record.class_code,
                "course_id": record.course_id}
    if isinstance(record, Enrollment):
        return {**_base(record, district_id, record.school_id), "class_id": record.class_id,
                "user_id": record.user_id, "role": record.role, "primary": record.primary,
                "begin_date": _iso(record.begin_date), "end_date": _iso(record.end_date)}
    if isinstance(record, GuardianLink):
        student = state["people"].get(record.student_id) or {}
        return {**_base(record, district_id, student.get("school_id")),
                "guardian_id": record.guardian_id, "student_id": record.student_id}
    raise TypeError(f"no document for {type(record).__name__}")


def _person_doc(user: User, district_id: str, state: State) -> dict:
    orgs = state["orgs"]
    schools = [o for o in user.org_ids if (orgs.get(o) or {}).get("type") == "school"]
    primary = user.primary_org_id if user.primary_org_id in schools else (schools[0] if schools else None)
    return {**_base(user, district_id, primary), "school_ids": schools, "org_ids": list(user.org_ids),
            "kind": user.kind, "role": user.role, "given_name": user.given_name,
            "family_name": user.family_name, "preferred_name": user.preferred_name,
            "middle_name": user.middle_name, "email": user.email, "phone": user.phone, "sms": user.sms,
            "language": user.language, "grade": user.grade, "grades": list(user.grades),
            "identifier": user.identifier, "username": user.username, "enabled": user.enabled}
