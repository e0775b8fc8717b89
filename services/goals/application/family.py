"""Self-assessment and reflections (the student's), parent input (a guardian's) and
private parent-teacher notes (adults only). One document per student, author and cycle."""
from __future__ import annotations

import uuid

from services.access import READ, WRITE
from services.common.errors import Invalid, NotFound
from services.common.guards import require_role
from services.goals.application import access
from services.goals.application.access import authorize, domain_errors, refuse
from services.goals.settings import GoalsConfig
from services.goals.domain import (
    ParentInput, SelfAssessment, question_text, questions_for_grade, validate_parent_input,
    validate_reflections, validate_self_assessment,
)
from services.goals.adapters.repository import PARENT_INPUT, PRIVATE_NOTES, REFLECTIONS, SELF_ASSESSMENTS, plain, scope
from services.goals.domain.texts import T

SA_FIELDS = ("strengths", "areas_for_growth", "supports", "classwork_progress")


def _upsert(uow, collection: str, doc_id: str, doc: dict) -> dict:
    uow.db[collection].replace_one({"_id": doc_id}, doc, upsert=True, session=uow.session)
    return doc


# -- self-assessment and reflections (student) -----------------------------------
def submit_self_assessment(store, principal, cfg: GoalsConfig, student_id: str, body: dict) -> dict:
    cycle = cfg.cycle(body.get("cycle"))
    sa = SelfAssessment(*(body[k] for k in SA_FIELDS))

    def work(uow):
        record = authorize(uow.db, principal, student_id, WRITE, session=uow.session)
        require_role(principal, "student")
        refuse(validate_self_assessment(sa), T("The self-assessment needs a few fixes."), "self_assessment_invalid")
        doc = {**scope(record), "student_id": record.student_id, "cycle": cycle, **plain(sa),
               "submitted_at": uow.now}
        _upsert(uow, SELF_ASSESSMENTS, f"{record.student_id}:{cycle}", doc)
        uow.emit("SelfAssessmentSubmitted", {"student_id": record.student_id, "school_id": record.school_id,
                                             "cycle": cycle}, subject=record.student_id)
        return doc

    return store.atomic(work, district_id=principal.district_id)


def get_self_assessment(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    cycle = cfg.cycle(cycle)
    record = authorize(store.db, principal, student_id, READ)
    doc = store.db[SELF_ASSESSMENTS].find_one({**scope(record), "_id": f"{record.student_id}:{cycle}"})
    if doc is None:
        raise NotFound("No self-assessment for this cycle yet.", code="self_assessment_not_found")
    access.audit(store, principal, record, "self_assessment", cycle=cycle)
    return doc


def question_set(store, principal, student_id: str) -> dict:
    record = authorize(store.db, principal, student_id, READ)
    with domain_errors():
        qs = questions_for_grade(record.grade or "")
    return access.localize({"id": qs.id, "title": qs.title,
                            "questions": [{"id": q.id, "text": q.text} for q in qs.questions]})


def _reflections_view(doc: dict) -> dict:
    answers = [{"question_id": q, "question": question_text(q), "answer": a} for q, a in doc["answers"].items()]
    return {**doc, "answers": access.localize(answers)}


def submit_reflections(store, principal, cfg, student_id: str, body: dict) -> dict:
    cycle = cfg.cycle(body.get("cycle"))

    def work(uow):
        record = authorize(uow.db, principal, student_id, WRITE, session=uow.session)
        require_role(principal, "student")
        with domain_errors():
            qs = questions_for_grade(record.grade or "")
            refuse(validate_reflections(record.grade or "", body["answers"]), T("Some answers need a fix."),
                   "reflections_invalid")
        answers = {k: v.strip() for k, v in body["answers"].items()}
        doc = {**scope(record), "student_id": record.student_id, "cycle": cycle, "question_set": qs.id,
               "answers": answers, "submitted_at": uow.now}
        return _upsert(uow, REFLECTIONS, f"{record.student_id}:{cycle}", doc)

    return _reflections_view(store.atomic(work, district_id=principal.district_id))


def get_reflections(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    cycle = cfg.cycle(cycle)
    record = authorize(store.db, principal, student_id, READ)
    doc = store.db[REFLECTIONS].find_one({**scope(record), "_id": f"{record.student_id}:{cycle}"})
    if doc is None:
        raise NotFound("No reflections for this cycle yet.", code="reflections_not_found")
    access.audit(store, principal, record, "reflections", cycle=cycle)
    return _reflections_view(doc)


# -- parent input (a guardian writes; the teacher and that family read) ------------
def submit_parent_input(store, principal, cfg, student_id: str, body: dict) -> dict:
    cycle = cfg.cycle(body.get("cycle"))

    def work(uow):
        record = authorize(uow.db, principal, student_id, WRITE, session=uow.session)
        require_role(principal, "guardian")
        pi = ParentInput(principal.sub, record.student_id, body["hopes"], body["concerns"], body["goals_for_child"],
                         body["wants_private_talk"], body["private_concerns"])
        refuse(validate_parent_input(pi), T("The form needs a few fixes."), "parent_input_invalid")
        doc = {**scope(record), "student_id": record.student_id, "guardian_id": principal.sub, "cycle": cycle,
               **plain(pi), "topics": body["topics"], "submitted_at": uow.now}
        _upsert(uow, PARENT_INPUT, f"{record.student_id}:{principal.sub}:{cycle}", doc)
        uow.emit("ParentInputSubmitted", {
            "student_id": record.student_id, "guardian_id": principal.sub, "school_id": record.school_id,
            "cycle": cycle, "private_talk_requested": pi.wants_private_talk,
            "family_goal_count": len([g for g in pi.goals_for_child if g.strip()])}, subject=record.student_id)
        return doc

    return store.atomic(work, district_id=principal.district_id)


def parent_inputs(db, principal, record, cycle: str) -> list[dict]:
    """The parent input this adult may see: a guardian only their own; staff all."""
    query = {**scope(record), "student_id": record.student_id, "cycle": cycle}
    if principal.role == "guardian":
        query["guardian_id"] = principal.sub
    return list(db[PARENT_INPUT].find(query).sort([("submitted_at", 1)]))


def get_parent_input(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    cycle = cfg.cycle(cycle)
    record = authorize(store.db, principal, student_id, READ)
    access.reveal_only_to(principal, *access.FAMILY_READERS, what="parent input")
    docs = parent_inputs(store.db, principal, record, cycle)
    if not docs:
        raise NotFound("No parent input for this cycle.", code="parent_input_not_found")
    access.audit(store, principal, record, "parent_input", cycle=cycle)
    return {"cycle": cycle, "parent_input": docs}


# -- private parent-teacher notes (the teacher writes; the teacher and the household read) --
def _household(uow, record, cycle: str, named) -> list[str]:
    """The guardians a private talk was with. Separated households each have their own
    talk: the note belongs to the guardians named, never to every guardian of the child."""
    if named:
        unknown = sorted(set(named) - set(record.guardian_ids))
        if unknown:
            raise Invalid("Name guardians of this student.", code="guardian_not_linked",
                          errors={"guardian_ids": [f"not a guardian of this student: {', '.join(unknown)}"]})
        return sorted(set(named))
    asked = sorted({d["guardian_id"] for d in uow.db[PARENT_INPUT].find(
        {**scope(record), "student_id": record.student_id, "cycle": cycle, "wants_private_talk": True},
        {"guardian_id": 1}, session=uow.session)} & set(record.guardian_ids))
    if len(asked) == 1:
        return asked
    if len(record.guardian_ids) == 1:
        return list(record.guardian_ids)
    raise Invalid("Say which guardians the private talk was with.", code="guardian_required",
                  errors={"guardian_ids": [f"required: the student has {len(record.guardian_ids)} guardians "
                                           f"({', '.join(record.guardian_ids) or 'none'})"]})


def add_private_note(store, principal, cfg, student_id: str, body: dict) -> dict:
    cycle = cfg.cycle(body.get("cycle"))

    def work(uow):
        record = authorize(uow.db, principal, student_id, WRITE, session=uow.session)
        require_role(principal, "teacher")
        household = _household(uow, record, cycle, body.get("guardian_ids"))
        doc = {"_id": str(uuid.uuid4()), **scope(record), "student_id": record.student_id, "cycle": cycle,
               "author_id": principal.sub, "guardian_ids": household, "at": uow.now, "text": body["text"].strip()}
        uow.db[PRIVATE_NOTES].insert_one(doc, session=uow.session)
        return {**doc, "note_id": doc["_id"]}

    return store.atomic(work, district_id=principal.district_id)


def private_notes(db, principal, record, cycle: str) -> list[dict]:
    """The notes this adult may read: a guardian only their own household's talks."""
    query = {**scope(record), "student_id": record.student_id, "cycle": cycle}
    if principal.role == "guardian":
        query["guardian_ids"] = principal.sub
    return [{**d, "note_id": d["_id"]} for d in db[PRIVATE_NOTES].find(query).sort([("at", 1)])]


def get_private_notes(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    cycle = cfg.cycle(cycle)
    record = authorize(store.db, principal, student_id, READ)
    access.reveal_only_to(principal, *access.FAMILY_READERS, what="private notes")
    notes = private_notes(store.db, principal, record, cycle)
    access.audit(store, principal, record, "private_notes", cycle=cycle)
    return {"notes": notes}
