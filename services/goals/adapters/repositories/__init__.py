"""The goals service's repositories: the only code that touches its collections, reached
through a unit of work as `uow.<name>` (`uow.goals.of_student(record)`, ...). Collection
names, indexes and documents <-> domain objects are in `adapters.repository`.

Use cases that write run in `store.atomic`, so each statement joins its transaction.
Reads outside a transaction (views, listings, and the audit entry a read writes) use
`reads(store)`: the same repositories on a unit of work that is never entered, so it
has no session and each statement stands alone, as a read needs."""
from __future__ import annotations

from functools import partial

from services.common.repository import attach_all
from services.goals.adapters.repositories.access import AuditLog, Students
from services.goals.adapters.repositories.evidence import EvidenceFiles, EvidenceRecords
from services.goals.adapters.repositories.family import CycleDocuments, ParentInputs, PrivateNotes
from services.goals.adapters.repositories.goals import Goals
from services.goals.adapters.repositories.outcomes import ConferenceOutcomes
from services.goals.adapters.repositories.progress import Checkins, FollowUps
from services.goals.adapters.repository import REFLECTIONS, SELF_ASSESSMENTS


# uow.<name> -> its repository (the self-assessments and reflections share a class).
REPOSITORIES = {
    "students": Students, "audit": AuditLog, "goals": Goals, "checkins": Checkins, "follow_ups": FollowUps,
    "self_assessments": partial(CycleDocuments, collection_name=SELF_ASSESSMENTS),
    "reflections": partial(CycleDocuments, collection_name=REFLECTIONS),
    "parent_input": ParentInputs, "private_notes": PrivateNotes, "evidence": EvidenceRecords,
    "evidence_files": EvidenceFiles, "conference_outcomes": ConferenceOutcomes,
}


def attach(uow) -> None:
    attach_all(uow, REPOSITORIES)


def reads(store):
    """The repositories for reads outside a transaction (works on the in-memory store too)."""
    return store.unit_of_work()
