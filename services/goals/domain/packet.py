"""The conference packet: what each viewer sees, in conference order.

Previous goals come first (they are reviewed first at the next conference). Parent
input, the agenda built from it and notes from the private parent-teacher talk are
adults-only: a student's view never contains them. Object-level checks (this guardian
is linked to this child, this teacher teaches them) belong to the API layer.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Iterable, Mapping

from services.goals.domain.progress import Checkin, progress_summary
from services.goals.domain.evidence import Evidence
from services.goals.domain.family import ParentInput, PrivateNote, agenda_items
from services.goals.domain.models import ADMIN_ROLES, Goal, Role, as_role, goal_to_dict
from services.goals.domain.reflection import SelfAssessment, question_text

SECTION_ORDER = ("previous_goals", "self_assessment", "reflections", "goals", "evidence",
                 "parent_input", "agenda", "private_notes")
STUDENT_SECTIONS = frozenset(SECTION_ORDER[:5])
ADULT_ONLY = frozenset({"parent_input", "agenda", "private_notes"})


def visible_sections(viewer_role: Role | str) -> tuple[str, ...]:
    """Sections of a packet ``viewer_role`` may see, in conference order.

    Students: their own work only. Guardians (of this child), teachers and admins: all.
    Service accounts: none (they get events, not packets).
    """
    role = as_role(viewer_role)
    if role == Role.STUDENT:
        allowed = STUDENT_SECTIONS
    elif role in ADMIN_ROLES or role in {Role.TEACHER, Role.GUARDIAN}:
        allowed = frozenset(SECTION_ORDER)
    else:
        allowed = frozenset()
    return tuple(s for s in SECTION_ORDER if s in allowed)


def _goal_entry(goal: Goal, checkins: list[Checkin]) -> dict[str, Any]:
    entry = goal_to_dict(goal)
    mine = sorted((c for c in checkins if c.goal_id == goal.goal_id), key=lambda c: c.on)
    entry["checkins"] = [dataclasses.asdict(c) for c in mine]
    entry["progress"] = dataclasses.asdict(progress_summary(goal, mine))
    return entry


def _goal_order(goal: Goal) -> tuple:
    return (goal.cycle, goal.plan.target_date is None, goal.plan.target_date or 0, goal.goal_id)


def build_packet(viewer_role: Role | str, student: Mapping[str, Any], goals: Iterable[Goal],
                 self_assessment: SelfAssessment | None, reflections: Mapping[str, str],
                 evidence: Iterable[Evidence], parent_inputs: Iterable[ParentInput],
                 checkins: Iterable[Checkin], previous_goals: Iterable[Goal], *,
                 private_notes: Iterable[PrivateNote] = ()) -> dict[str, Any]:
    """Assemble one student's packet for ``viewer_role``; sections the viewer may not see
    are left out entirely (not emptied), so nothing leaks by accident."""
    sections = visible_sections(viewer_role)
    goals = sorted(goals, key=_goal_order)
    previous = sorted(previous_goals, key=_goal_order)
    checkins = list(checkins)
    parent_inputs = list(parent_inputs)
    builders = {
        "previous_goals": lambda: [_goal_entry(g, checkins) for g in previous],
        "self_assessment": lambda: dataclasses.asdict(self_assessment) if self_assessment else None,
        "reflections": lambda: [{"question_id": qid, "question": question_text(qid), "answer": text}
                                for qid, text in reflections.items()],
        "goals": lambda: [_goal_entry(g, checkins) for g in goals],
        "evidence": lambda: [dataclasses.asdict(e) for e in evidence],
        "parent_input": lambda: [dataclasses.asdict(p) for p in parent_inputs],
        "agenda": lambda: agenda_items(goals, parent_inputs, bool(previous)),
        "private_notes": lambda: [dataclasses.asdict(n) for n in private_notes],
    }
    packet: dict[str, Any] = {"student": dict(student), "viewer_role": str(as_role(viewer_role)),
                              "sections": list(sections)}
    for name in sections:
        packet[name] = builders[name]()
    return packet
