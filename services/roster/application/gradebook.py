"""A student's own learning data (the data talk before goals) and the teacher's notes
of what was shared.

    learning(view, principal, student_id, as_of)   results per standard over time,
                                                   strengths and areas to grow
    list_talks / record_talk                        the teacher's data-talk notes

Only the student's own results, no ranking and no class average. The areas to grow
come with a goal starter (focus, and a measure linked to the standard with the latest
score as its baseline and the top of the scale as its target), which the goal editor
offers as a starting point. Who may read: as for the student's record (the student,
their guardians, their teachers, admins of their school / district); anyone else gets
404. Every read is audit-logged like other reads of a child's record.
"""
from __future__ import annotations

import uuid
from datetime import date

from services.common.auth import Principal
from services.common.errors import NotFound
from services.common.guards import require_role
from services.roster.application import access
from services.roster.adapters.gradebook import add_data_talk, data_talks, student_gradebook
from services.roster.adapters.directory import View
from services.roster.domain.gradebook import Area, learning_summary
from services.roster.application.queries import _audit


def _student(view: View, principal: Principal, student_id: str):
    doc = view.person(student_id, "student")
    record = view.student_records([doc])[student_id] if doc else None
    if record is None or not access.may_read_student(principal, record):
        raise NotFound(f"No student {student_id}.", code="student_not_found")
    return doc, record


def _area_view(area: Area) -> dict:
    return {"objective_id": area.objective_id, "title": area.title, "scale_title": area.scale_title,
            "scale_min": area.low, "scale_max": area.high, "latest_score": area.latest.score,
            "latest_date": area.latest.date, "change": area.change,
            "points": [{"date": p.date, "score": p.score, "line_item_id": p.line_item_id, "title": p.title}
                       for p in area.points]}


def _starter(area: Area) -> dict:
    """A goal to start from: the standard as the focus, its measure linked to it."""
    return {"objective_id": area.objective_id, "title": area.title,
            "focus": {"kind": "standard", "code": area.objective_id, "label": area.title},
            # the unit is the scale's own name (data, not wording), else its range
            "measure": {"unit": area.scale_title or _range(area), "baseline": area.latest.score,
                        "target": area.high if area.high is not None else area.latest.score,
                        **_link(area)}}


def _link(area: Area) -> dict:
    """What the goal's measure follows: the standard, so every later assessment of it
    counts (each quiz is its own line item); a line item only for results that name no
    standard (their area is keyed by the line item)."""
    if area.objective_id.startswith("line-item:"):
        return {"learning_objective_id": None, "line_item_id": area.latest.line_item_id}
    return {"learning_objective_id": area.objective_id, "line_item_id": None}


def _range(area: Area) -> str:
    if area.low is None or area.high is None:
        return ""
    return f"{area.low:g}-{area.high:g}"


def learning(view: View, principal: Principal, student_id: str, as_of: date) -> dict:
    _doc, record = _student(view, principal, student_id)
    results, items, scales = student_gradebook(view, student_id)
    summary = learning_summary(results, items, scales, as_of)
    by_id = {a.objective_id: a for a in summary.areas}
    _audit(principal, "learning data", [student_id])
    return {"student_id": student_id, "as_of": as_of, "areas": [_area_view(a) for a in summary.areas],
            "strengths": [_area_view(by_id[i]) for i in summary.strengths],
            "areas_to_grow": [_area_view(by_id[i]) for i in summary.areas_to_grow],
            "goal_starters": [_starter(by_id[i]) for i in summary.areas_to_grow]}


def list_talks(view: View, principal: Principal, student_id: str) -> dict:
    _student(view, principal, student_id)
    items = data_talks(view, student_id)
    _audit(principal, "data talks", [student_id])
    return {"items": items, "total": len(items)}


def record_talk(store, view: View, principal: Principal, student_id: str, body: dict) -> dict:
    """A teacher of the student notes what they shared with them, and when."""
    require_role(principal, "teacher")
    _doc, record = _student(view, principal, student_id)
    if principal.sub not in record.teacher_ids:
        raise NotFound(f"No student {student_id}.", code="student_not_found")
    doc = {"_id": str(uuid.uuid4()), "district_id": record.district_id, "school_id": record.school_id,
           "student_id": student_id, "teacher_id": principal.sub, "shared_at": body["shared_at"],
           "objective_ids": sorted(set(body.get("objective_ids", ()))), "celebrated": body.get("celebrated", ""),
           "struggles": body.get("struggles", ""), "note": body.get("note", "")}

    def work(uow):
        add_data_talk(uow, {**doc, "recorded_at": uow.now})
        return {**doc, "recorded_at": uow.now}

    out = store.atomic(work, district_id=record.district_id)
    _audit(principal, "data talk recorded", [student_id])
    return out
