"""The conference packet for one student and cycle, filtered by who is looking.

Previous goals (the latest earlier cycle with shared goals) come first. Parent input,
the agenda built from it and private notes are for the teacher and that family only:
they are not even loaded for a student (or an admin), and a guardian sees their own input.
"""
from __future__ import annotations

from services.access import READ
from services.common.guards import require_role
from services.goals.application import access
from services.goals.application.access import authorize
from services.goals.settings import cycle_key
from services.goals.domain import ParentInput, PrivateNote, SelfAssessment, build_packet
from services.goals.application.outcomes import agreements
from services.goals.adapters.repository import CHECKINS, REFLECTIONS, SELF_ASSESSMENTS, goal_from_doc, goals_of, plain, scope
from services.goals.application.evidence import evidence_docs, evidence_from_doc, evidence_view
from services.goals.application.family import parent_inputs, private_notes
from services.goals.application.progress import checkin_from_doc

VIEWERS = ("student", *access.ADULTS)
FAMILY_ONLY = ("parent_input", "agenda", "private_notes")


def _previous(docs: list[dict], cycle: str) -> list[dict]:
    earlier = [d for d in docs if cycle_key(d["cycle"]) < cycle_key(cycle) and d["status"] != "draft"]
    if not earlier:
        return []
    last = max(cycle_key(d["cycle"]) for d in earlier)
    return [d for d in earlier if cycle_key(d["cycle"]) == last]


def _self_assessment(db, record, cycle):
    doc = db[SELF_ASSESSMENTS].find_one({**scope(record), "_id": f"{record.student_id}:{cycle}"})
    if doc is None:
        return None
    return SelfAssessment(doc["strengths"], doc["areas_for_growth"], doc["supports"], doc["classwork_progress"])


def get_packet(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    cycle = cfg.cycle(cycle)
    record = authorize(store.db, principal, student_id, READ)
    require_role(principal, *VIEWERS)
    db, family = store.db, principal.role in access.FAMILY_READERS
    all_goals = goals_of(db, record)
    current = [d for d in all_goals if d["cycle"] == cycle]
    previous = _previous(all_goals, cycle)
    goal_ids = [d["_id"] for d in current + previous]
    checkins = [checkin_from_doc(d) for d in db[CHECKINS].find({**scope(record), "goal_id": {"$in": goal_ids}})
                .sort([("on", 1), ("recorded_at", 1)])]
    reflections = db[REFLECTIONS].find_one({**scope(record), "_id": f"{record.student_id}:{cycle}"}) or {}
    ev_docs = evidence_docs(db, record, cycle)
    pi_docs = parent_inputs(db, principal, record, cycle) if family else []
    notes = private_notes(db, principal, record, cycle) if family else []
    packet = build_packet(
        principal.role, {"student_id": record.student_id, "school_id": record.school_id, "grade": record.grade},
        [goal_from_doc(d) for d in current], _self_assessment(db, record, cycle), reflections.get("answers", {}),
        [evidence_from_doc(d) for d in ev_docs],
        [ParentInput(d["guardian_id"], d["student_id"], d["hopes"], d["concerns"], d["goals_for_child"],
                     d["wants_private_talk"], d["private_concerns"]) for d in pi_docs],
        checkins, [goal_from_doc(d) for d in previous],
        private_notes=[PrivateNote(n["author_id"], n["at"], n["text"]) for n in notes])
    out = access.localize(plain(packet, json=True))  # agenda texts and questions in the reader's language
    out["cycle"] = cycle
    # What was agreed at the conferences so far (the teacher's supports, the next check-in;
    # the family's goals are among the goals): reviewed with the previous goals.
    out["agreements"] = plain(agreements(db, record, cycle), json=True)
    if not family:  # parent input and the private talk: the teacher and that family only
        out["sections"] = [s for s in out["sections"] if s not in FAMILY_ONLY]
        for name in FAMILY_ONLY:
            out.pop(name, None)
    if "evidence" in out:
        out["evidence"] = [plain(evidence_view(d), json=True) for d in ev_docs]
    if "parent_input" in out:
        for entry, doc in zip(out["parent_input"], pi_docs):
            entry.update(topics=doc.get("topics", []), cycle=cycle, submitted_at=plain(doc["submitted_at"], json=True))
    access.audit(store, principal, record, "packet", cycle=cycle)
    return out
