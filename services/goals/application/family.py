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
from services.goals.adapters.repositories import reads
from services.goals.adapters.repository import plain, scope
from services.goals.domain.texts import T

SA_FIELDS = ("strengths", "areas_for_growth", "supports", "classwork_progress")


def _guardian_only(principal) -> str | None:
    """A guardian reads only what is theirs (their input, their household's talks); staff all."""
    return principal.sub if principal.role == "guardian" else None


# The student's documents, one per cycle: what a reader asks for -> (its repository, the 404's detail).
STUDENT_DOCUMENTS = {
    "self_assessment": ("self_assessments", "No self-assessment for this cycle yet."),
    "reflections": ("reflections", "No reflections for this cycle yet."),
}


def _student_document(store, principal, cfg, student_id: str, cycle: str | None, what: str) -> dict:
    """The student's document of `what` for the cycle, its read audited; 404 while there is none."""
    cycle = cfg.cycle(cycle)
    repository, missing = STUDENT_DOCUMENTS[what]
    uow = reads(store)
    record = authorize(uow, principal, student_id, READ)
    doc = getattr(uow, repository).of_cycle(record, cycle)
    if doc is None:
        raise NotFound(missing, code=f"{what}_not_found")
    access.audit(uow, principal, record, what, cycle=cycle)
    return doc


# -- self-assessment and reflections (student) -----------------------------------
def submit_self_assessment(store, principal, cfg: GoalsConfig, student_id: str, body: dict) -> dict:
    cycle = cfg.cycle(body.get("cycle"))
    sa = SelfAssessment(*(body[k] for k in SA_FIELDS))

    def work(uow):
        record = authorize(uow, principal, student_id, WRITE)
        require_role(principal, "student")
        refuse(validate_self_assessment(sa), T("The self-assessment needs a few fixes."), "self_assessment_invalid")
        doc = {**scope(record), "student_id": record.student_id, "cycle": cycle, **plain(sa),
               "submitted_at": uow.now}
        uow.self_assessments.put(record, cycle, doc)
        uow.emit("SelfAssessmentSubmitted", {"student_id": record.student_id, "school_id": record.school_id,
                                             "cycle": cycle}, subject=record.student_id)
        return doc

    return store.atomic(work, district_id=principal.district_id)


def get_self_assessment(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    return _student_document(store, principal, cfg, student_id, cycle, "self_assessment")


def question_set(store, principal, student_id: str) -> dict:
    record = authorize(reads(store), principal, student_id, READ)
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
        record = authorize(uow, principal, student_id, WRITE)
        require_role(principal, "student")
        with domain_errors():
            qs = questions_for_grade(record.grade or "")
            refuse(validate_reflections(record.grade or "", body["answers"]), T("Some answers need a fix."),
                   "reflections_invalid")
        answers = {k: v.strip() for k, v in body["answers"].items()}
        doc = {**scope(record), "student_id": record.student_id, "cycle": cycle, "question_set": qs.id,
               "answers": answers, "submitted_at": uow.now}
        return uow.reflections.put(record, cycle, doc)

    return _reflections_view(store.atomic(work, district_id=principal.district_id))


def get_reflections(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    return _reflections_view(_student_document(store, principal, cfg, student_id, cycle, "reflections"))


# -- parent input (a guardian writes; the teacher and that family read) ------------
def submit_parent_input(store, principal, cfg, student_id: str, body: dict) -> dict:
    cycle = cfg.cycle(body.get("cycle"))

    def work(uow):
        record = authorize(uow, principal, student_id, WRITE)
        require_role(principal, "guardian")
        pi = ParentInput(principal.sub, record.student_id, body["hopes"], body["concerns"], body["goals_for_child"],
                         body["wants_private_talk"], body["private_concerns"])
        refuse(validate_parent_input(pi), T("The form needs a few fixes."), "parent_input_invalid")
        doc = {**scope(record), "student_id": record.student_id, "guardian_id": principal.sub, "cycle": cycle,
               **plain(pi), "topics": body["topics"], "submitted_at": uow.now}
        uow.parent_input.put(record, principal.sub, cycle, doc)
        uow.emit("ParentInputSubmitted", {
            "student_id": record.student_id, "guardian_id": principal.sub, "school_id": record.school_id,
            "cycle": cycle, "private_talk_requested": pi.wants_private_talk,
            "family_goal_count": len([g for g in pi.goals_for_child if g.strip()])}, subject=record.student_id)
        return doc

    return store.atomic(work, district_id=principal.district_id)


def parent_inputs(uow, principal, record, cycle: str) -> list[dict]:
    """The parent input this adult may see: a guardian only their own; staff all."""
    return uow.parent_input.of_cycle(record, cycle, guardian_id=_guardian_only(principal))


def _family_read(store, principal, cfg, student_id: str, cycle: str | None, what: str):
    """(reads, record, cycle) for a read of what only the teacher and that family see;
    for anyone else it does not exist."""
    cycle = cfg.cycle(cycle)
    uow = reads(store)
    record = authorize(uow, principal, student_id, READ)
    access.reveal_only_to(principal, *access.FAMILY_READERS, what=what)
    return uow, record, cycle


def get_parent_input(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    uow, record, cycle = _family_read(store, principal, cfg, student_id, cycle, "parent input")
    docs = parent_inputs(uow, principal, record, cycle)
    if not docs:
        raise NotFound("No parent input for this cycle.", code="parent_input_not_found")
    access.audit(uow, principal, record, "parent_input", cycle=cycle)
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
    asked = sorted(uow.parent_input.guardians_asking_private_talk(record, cycle) & set(record.guardian_ids))
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
        record = authorize(uow, principal, student_id, WRITE)
        require_role(principal, "teacher")
        household = _household(uow, record, cycle, body.get("guardian_ids"))
        doc = {"_id": str(uuid.uuid4()), **scope(record), "student_id": record.student_id, "cycle": cycle,
               "author_id": principal.sub, "guardian_ids": household, "at": uow.now, "text": body["text"].strip()}
        uow.private_notes.add(doc)
        return {**doc, "note_id": doc["_id"]}

    return store.atomic(work, district_id=principal.district_id)


def private_notes(uow, principal, record, cycle: str) -> list[dict]:
    """The notes this adult may read: a guardian only their own household's talks."""
    return [{**d, "note_id": d["_id"]}
            for d in uow.private_notes.of_cycle(record, cycle, guardian_id=_guardian_only(principal))]


def get_private_notes(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    uow, record, cycle = _family_read(store, principal, cfg, student_id, cycle, "private notes")
    notes = private_notes(uow, principal, record, cycle)
    access.audit(uow, principal, record, "private_notes", cycle=cycle)
    return {"notes": notes}
