"""The goals domain in one import: entities and pure rules, no I/O.

Every rule takes the clock (``today`` / ``now``) and data as arguments. The code lives
in small modules by concept; import from here.

    models      Goal, Plan (All-STAR), Feedback, roles, statuses, domain errors
    wording     vague / grand word heuristics
    quality     check_goal: goal quality feedback for students
    lifecycle   status machine, who may do what, revision history
    reflection  reflection question sets by grade, self-assessment
    checkins    check-ins and progress summaries
    evidence    work samples, note cards, upload rules
    family      parent input, family goals vs the student's goals
    packet      conference packet and who sees which section
"""
from services.goals.domain.progress import (
    CHECKIN_ROLES, Checkin, CheckinStatus, ProgressSummary, progress_summary, validate_checkin,
)
from services.goals.domain.evidence import (
    ALLOWED_CONTENT_TYPES, DEFAULT_MAX_BYTES, Evidence, EvidenceFile, NoteCard, check_link,
    check_upload, validate_evidence,
)
from services.goals.domain.family import (
    ParentInput, PrivateNote, agenda_items, family_goal_differs, topics_of, validate_parent_input,
)
from services.goals.domain.lifecycle import TRANSITIONS, allowed_moves, carry_forward, revise, submit, transition
from services.goals.domain.models import (
    ACTIVE_STATUSES, FINISHED_STATUSES, DomainError, Feedback, Focus, FocusKind, Goal,
    GoalNotReady, GoalStatus, InvalidTransition, Measure, NotAllowed, Plan, Revision, Role,
    SchoolYear, SetBy, Severity, StatusChange, Supports, Term, Trackable, TransitionNotAllowed,
    can_submit, goal_to_dict,
)
from services.goals.domain.packet import SECTION_ORDER, build_packet, visible_sections
from services.goals.domain.quality import FEEDBACK_CODES, check_goal
from services.goals.domain.reflection import (
    MIDDLE, PRIMARY, QUESTION_SETS, Question, QuestionSet, SelfAssessment, UnknownGrade,
    question_text, questions_for_grade, validate_reflections, validate_self_assessment,
)

__all__ = [
    "ACTIVE_STATUSES", "ALLOWED_CONTENT_TYPES", "CHECKIN_ROLES", "Checkin", "CheckinStatus",
    "DEFAULT_MAX_BYTES", "DomainError", "Evidence", "EvidenceFile", "FEEDBACK_CODES",
    "FINISHED_STATUSES", "Feedback", "Focus", "FocusKind", "Goal", "GoalNotReady", "GoalStatus",
    "InvalidTransition", "MIDDLE", "Measure", "NotAllowed", "NoteCard", "PRIMARY", "ParentInput",
    "Plan", "PrivateNote", "ProgressSummary", "QUESTION_SETS", "Question", "QuestionSet",
    "Revision", "Role", "SECTION_ORDER", "SchoolYear", "SelfAssessment", "SetBy", "Severity",
    "StatusChange", "Supports", "TRANSITIONS", "Term", "Trackable", "TransitionNotAllowed",
    "UnknownGrade", "agenda_items", "allowed_moves", "build_packet", "can_submit",
    "carry_forward", "check_goal", "check_link", "check_upload", "family_goal_differs",
    "goal_to_dict", "progress_summary", "question_text", "questions_for_grade", "revise",
    "submit", "topics_of", "transition", "validate_checkin", "validate_evidence",
    "validate_parent_input", "validate_reflections", "validate_self_assessment",
    "visible_sections",
]
