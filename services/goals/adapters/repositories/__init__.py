"""The goals service's repositories: the only code that touches its collections, reached
through a unit of work as `uow.<name>` (`uow.goals.of_student(record)`, ...). Collection
names, indexes and documents <-> domain objects are in `adapters.repository`.

Use cases that write run in `store.atomic`, so each statement joins its transaction.
Reads outside a transaction (views, listings, and the audit entry a read writes) use
`reads(store)`: the same repositories on a unit of work that is never entered, so it
has no session and each statement stands alone, as a read needs."""
from __future__ import annotations

from services.goals.adapters.repositories.access import AuditLog, Students
from services.goals.adapters.repositories.evidence import EvidenceFiles, EvidenceRecords
from services.goals.adapters.repositories.family import CycleDocuments, ParentInputs, PrivateNotes
from services.goals.adapters.repositories.goals import Goals
from services.goals.adapters.repositories.outcomes import ConferenceOutcomes
from services.goals.adapters.repositories.progress import Checkins, FollowUps
from services.goals.adapters.repository import REFLECTIONS, SELF_ASSESSMENTS


def attach(uow) -> None:
    uow.students = Students(uow)
    uow.audit = AuditLog(uow)
    uow.goals = Goals(uow)
    uow.checkins = Checkins(uow)
    uow.follow_ups = FollowUps(uow)
    uow.self_assessments = CycleDocuments(uow, SELF_ASSESSMENTS)
    uow.reflections = CycleDocuments(uow, REFLECTIONS)
    uow.parent_input = ParentInputs(uow)
    uow.private_notes = PrivateNotes(uow)
    uow.evidence = EvidenceRecords(uow)
    uow.evidence_files = EvidenceFiles(uow)
    uow.conference_outcomes = ConferenceOutcomes(uow)


def reads(store):
    """The repositories for reads outside a transaction (works on the in-memory store too)."""
    return store.unit_of_work()
