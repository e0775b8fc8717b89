"""Goals entities: plain, immutable dataclasses. No I/O, no clock of their own.

Lists given to constructors are stored as tuples, so a goal can be compared,
hashed into a revision and never changed behind the domain's back.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Iterable

from services.goals.domain.texts import T


class DomainError(ValueError):
    """A rule of the goals domain was broken; the message is fit to show a user."""


class NotAllowed(DomainError):
    """The actor's role may not do this (maps to HTTP 403)."""


class InvalidTransition(DomainError):
    """The goal cannot move to that status, or cannot change, right now (HTTP 409)."""


class TransitionNotAllowed(InvalidTransition, NotAllowed):
    """The move exists, but not for this role."""


class GoalNotReady(DomainError):
    """Submission refused because the goal still has errors; see ``feedback``."""

    def __init__(self, message: str, feedback: Iterable["Feedback"]):
        super().__init__(message)
        self.feedback = list(feedback)


class Role(StrEnum):
    STUDENT = "student"
    GUARDIAN = "guardian"
    TEACHER = "teacher"
    SCHOOL_ADMIN = "school_admin"
    DISTRICT_ADMIN = "district_admin"
    SERVICE = "service"


ADMIN_ROLES = frozenset({Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN})


def as_role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise NotAllowed(f"Unknown role {value!r}.") from None


class Severity(StrEnum):
    ERROR = "error"  # blocks submission
    HINT = "hint"  # advice only


@dataclass(frozen=True)
class Feedback:
    """One finding about a goal or a form: stable ``code``, the ``field`` it is about."""

    code: str
    field: str
    severity: Severity
    message: str


def error(code: str, field_: str, message: str) -> Feedback:
    return Feedback(code, field_, Severity.ERROR, message)


def hint(code: str, field_: str, message: str) -> Feedback:
    return Feedback(code, field_, Severity.HINT, message)


def can_submit(feedback: Iterable[Feedback]) -> bool:
    """True when no finding is an error (hints never block)."""
    return not any(f.severity == Severity.ERROR for f in feedback)


def too_long(field_: str, limit: int) -> Feedback:
    return error("too_long", field_, T("This is too long. Please use %(n)s letters or fewer.", n=limit))


class FocusKind(StrEnum):
    STANDARD = "standard"
    LEARNING_SKILL = "learning_skill"
    BEHAVIOUR = "behaviour"
    PERSONAL = "personal"


class Term(StrEnum):
    SHORT = "short"
    LONG = "long"


class SetBy(StrEnum):
    """Whose goal it is: the student's own, or the family's goal for the child (agreed at
    the conference and tracked with check-ins like the student's)."""
    STUDENT = "student"
    FAMILY = "family"


class GoalStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AGREED = "agreed"
    REVISED = "revised"
    ACHIEVED = "achieved"
    CARRIED_OVER = "carried_over"


ACTIVE_STATUSES = frozenset({GoalStatus.SUBMITTED, GoalStatus.AGREED, GoalStatus.REVISED})
FINISHED_STATUSES = frozenset({GoalStatus.ACHIEVED, GoalStatus.CARRIED_OVER})


def freeze_lists(obj: Any, *names: str) -> None:
    for name in names:
        object.__setattr__(obj, name, tuple(getattr(obj, name) or ()))


@dataclass(frozen=True)
class SchoolYear:
    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise DomainError("A school year must end after it starts.")

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Focus:
    """What the goal is about: a standard code, a learning skill, behaviour or personal."""

    kind: FocusKind
    label: str
    code: str | None = None  # e.g. 'CCSS.MATH.4.NF.A.1'

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FocusKind(self.kind))


@dataclass(frozen=True)
class Measure:
    unit: str  # e.g. 'words per minute'
    baseline: float
    target: float


@dataclass(frozen=True)
class Trackable:
    method: str  # how progress is tracked, in the student's words
    measure: Measure | None = None


@dataclass(frozen=True)
class Supports:
    teacher: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    student: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        freeze_lists(self, "teacher", "family", "student")

    def is_empty(self) -> bool:
        return not any(s.strip() for s in (*self.teacher, *self.family, *self.student))


@dataclass(frozen=True)
class Plan:
    """The part of a goal a student writes and may revise: statement + All-STAR plan."""

    statement: str
    focus: Focus
    term: Term
    specific_actions: tuple[str, ...] = ()  # S: 3 or more
    trackable: Trackable = Trackable("")  # T
    achievable_reasons: tuple[str, ...] = ()  # A: 2 or more
    target_date: date | None = None  # R
    supports: Supports = Supports()

    def __post_init__(self) -> None:
        object.__setattr__(self, "term", Term(self.term))
        freeze_lists(self, "specific_actions", "achievable_reasons")


@dataclass(frozen=True)
class Revision:
    """The plan as it was before a change, and who changed it, when and why."""

    at: datetime
    by_role: Role
    by_id: str | None
    reason: str
    status_before: GoalStatus
    previous: Plan


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    by_role: Role
    by_id: str | None
    from_status: GoalStatus
    to_status: GoalStatus
    note: str = ""


@dataclass(frozen=True)
class Goal:
    goal_id: str
    student_id: str
    school_year: SchoolYear
    cycle: str  # e.g. '2026-fall'
    plan: Plan
    status: GoalStatus = GoalStatus.DRAFT
    revisions: tuple[Revision, ...] = ()
    status_log: tuple[StatusChange, ...] = ()
    carried_from: str | None = None  # goal_id this one continues
    set_by: SetBy = SetBy.STUDENT

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", GoalStatus(self.status))
        object.__setattr__(self, "set_by", SetBy(self.set_by))
        freeze_lists(self, "revisions", "status_log")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


def goal_to_dict(goal: Goal) -> dict[str, Any]:
    """A plain dict (enums are str; dates stay date objects) for schemas and packets."""
    return dataclasses.asdict(goal)
