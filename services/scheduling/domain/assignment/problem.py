"""The fair-assignment problem and its answer, as plain data (no I/O).

Times the school states (teacher availability and breaks, families' free times,
interpreters' hours) are local wall-clock ranges per window day, like
``domain.Availability``; the slot grid is the booking grid (``slots.generate_slots``),
so an assigned conference is a slot a family could have booked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from services.scheduling.domain.model import Availability, TimeRange, Window

LocalRanges = dict[date, list[TimeRange]]


@dataclass(frozen=True)
class Child:
    student_id: str
    teacher_id: str


@dataclass
class Family:
    """One request: the times the family can come (several ranges across the window's
    days), the children to be seen, and what the school marked.

    ``preferred`` are the times the family would rather have, inside ``free``.
    ``priority`` is set by the school (0 = none; higher is served first), e.g. did not
    attend last time, needs an interpreter."""
    family_id: str
    children: list[Child]
    free: LocalRanges
    modality: str = "in_person"
    interpreter_language: str | None = None
    private_talk: bool = False
    priority: int = 0
    preferred: LocalRanges = field(default_factory=dict)


@dataclass
class Interpreter:
    """A person who sits with one family at a time, during their local hours."""
    interpreter_id: str
    languages: frozenset[str]
    ranges: LocalRanges


@dataclass(frozen=True)
class Pin:
    """An admin's pin or move in the preview: this child's conference is at this slot."""
    student_id: str
    slot_id: str


@dataclass
class Problem:
    window: Window
    teachers: list[Availability]
    families: list[Family]
    interpreters: list[Interpreter] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)


@dataclass(frozen=True)
class Conference:
    family_id: str
    student_id: str
    teacher_id: str
    slot_id: str
    start_utc: datetime
    end_utc: datetime  # the end of the private word when there is one
    room: str | None
    modality: str
    private_slot_id: str | None = None
    interpreter_id: str | None = None


# Why a family has no time (stable codes, safe to show to staff).
NO_TEACHER_TIME = "teacher_not_available"     # the child's teacher has no slot in the window
NO_OVERLAP = "no_overlap_with_free_time"      # no slot of a child's teacher inside the family's times
NO_PRIVATE_SLOT = "no_slot_for_private_talk"  # slots fit, but never with a free slot right after
SIBLINGS_APART = "siblings_not_back_to_back"  # each child fits alone, never one after the other
NO_INTERPRETER = "no_interpreter_for_language"
INTERPRETER_NOT_FREE = "interpreter_not_available"  # none of them works during any fitting time
INTERPRETER_BUSY = "interpreter_busy"         # fitting times exist, interpreters taken by others
ROOM_BUSY = "room_busy"
TEACHER_FULL = "teacher_full"
PIN_NOT_POSSIBLE = "pin_breaks_rules"
NOT_REACHED = "not_placed_in_time"  # a fitting time was free: the solver stopped early


@dataclass(frozen=True)
class Unassigned:
    family_id: str
    reason: str
    details: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class CapacityWarning:
    kind: str  # "teacher" | "interpreter"
    subject: str  # teacher id or language
    capacity: int  # slots (or interpreter conferences) available
    demand: int  # conferences asked for
    message: str


@dataclass(frozen=True)
class Stage:
    name: str
    status: str  # OPTIMAL | FEASIBLE (stopped at its time limit) | FALLBACK | UNKNOWN
    value: int  # what the stage maximised (compact: minus the waiting minutes)
    seconds: float


@dataclass
class Result:
    conferences: list[Conference]
    unassigned: list[Unassigned]
    warnings: list[CapacityWarning] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)

    def assigned_families(self) -> set[str]:
        return {c.family_id for c in self.conferences}
