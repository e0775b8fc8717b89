"""Pure roster rules: what an import of a OneRoster bundle changes.

``plan_import(current, bundle)`` compares the bundle's normalised records with what the
store holds (a fingerprint and an active flag per sourcedId and kind) and lists, per
kind, the records to create, to update and to deactivate:

- a new active record is created; an active record whose fingerprint differs, or which
  the store holds as inactive, is updated (``reason`` "changed" / "reactivated");
- a row with status ``tobedeleted`` deactivates a record the store holds as active;
- when ``full`` (the default), a record missing from a file sent in bulk deactivates,
  except rows the loader rejected for errors and kinds whose file is unusable;
- a delta users.csv restates the agents of every user it lists, so an active link of
  such a user that is no longer declared deactivates;
- identical rows produce nothing, so planning again after applying gives an empty plan.

Nothing is ever deleted: deactivation keeps history (and lets a record come back).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

from services.roster.adapters.oneroster.bundle import Bundle
from services.roster.domain.vocabulary import (
    CLASSES, ENROLLMENTS, ORGS, ROLE_KINDS, SESSIONS, USERS)

# Confer kind -> (OneRoster file it comes from, Bundle attribute), in the order an
# importer should apply them (referenced kinds first).
KINDS: dict[str, tuple[str, str]] = {
    "orgs": (ORGS, "orgs"),
    "sessions": (SESSIONS, "sessions"),
    "people": (USERS, "users"),
    "classes": (CLASSES, "classes"),
    "enrolments": (ENROLLMENTS, "enrollments"),
    "guardian_links": (USERS, "guardian_links"),
}
PERSON_KINDS = tuple(dict.fromkeys(ROLE_KINDS.values()))  # student, teacher, ...


class Stored(NamedTuple):
    """What the store remembers of a record to plan the next import."""
    fingerprint: str
    active: bool = True


def as_stored(value: Any) -> Stored:
    """Accept a Stored, a (fingerprint, active) tuple, a dict or a bare fingerprint."""
    if isinstance(value, Stored):
        return value
    if isinstance(value, str):
        return Stored(value)
    if isinstance(value, Mapping):
        return Stored(value["fingerprint"], bool(value.get("active", True)))
    return Stored(*value)


@dataclass(frozen=True)
class Change:
    sourced_id: str
    reason: str  # new | changed | reactivated | tobedeleted | missing | unlisted
    record: Any = None  # the normalised record; None when deactivated by absence
    fingerprint: str | None = None  # to store; None = keep the stored one


@dataclass
class KindPlan:
    creates: list[Change] = field(default_factory=list)
    updates: list[Change] = field(default_factory=list)
    deactivations: list[Change] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"create": len(self.creates), "update": len(self.updates),
                "deactivate": len(self.deactivations)}


@dataclass
class ImportPlan:
    version: str | None
    kinds: dict[str, KindPlan] = field(
        default_factory=lambda: {kind: KindPlan() for kind in KINDS})

    def __getitem__(self, kind: str) -> KindPlan:
        return self.kinds[kind]

    def summary(self) -> dict[str, dict[str, int]]:
        """{"people": {"create": 3, "update": 0, "deactivate": 1}, ...}"""
        return {kind: plan.counts() for kind, plan in self.kinds.items()}

    def totals(self) -> dict[str, int]:
        out = {"create": 0, "update": 0, "deactivate": 0}
        for counts in self.summary().values():
            for key, n in counts.items():
                out[key] += n
        return out

    @property
    def is_empty(self) -> bool:
        return not any(self.totals().values())

    def applied_to(self, current: Mapping[str, Mapping[str, Any]]
                   ) -> dict[str, dict[str, Stored]]:
        """The store snapshot after applying this plan (a new dict; pure)."""
        out = {kind: {sid: as_stored(v) for sid, v in current.get(kind, {}).items()}
               for kind in set(KINDS) | set(current)}
        for kind, plan in self.kinds.items():
            for change in plan.creates + plan.updates:
                out[kind][change.sourced_id] = Stored(change.fingerprint, True)
            for change in plan.deactivations:
                old = out[kind][change.sourced_id]
                out[kind][change.sourced_id] = Stored(old.fingerprint, False)
        return out


def plan_import(current: Mapping[str, Mapping[str, Any]], bundle: Bundle,
                full: bool = True) -> ImportPlan:
    """current: {kind: {sourcedId: Stored | (fingerprint, active) | dict}} for the
    district being imported. full=False never deactivates by absence (e.g. a partial
    export merged into a district-wide store)."""
    plan = ImportPlan(bundle.version)
    for kind, (file, attr) in KINDS.items():
        stored = {sid: as_stored(v) for sid, v in current.get(kind, {}).items()}
        records = getattr(bundle, attr)
        _plan_rows(plan[kind], stored, records)
        if full and bundle.is_bulk(file):
            protected = _protected(bundle, kind, file, stored)
            for sid, old in stored.items():
                if old.active and sid not in records and sid not in protected:
                    plan[kind].deactivations.append(Change(sid, "missing"))
        elif kind == "guardian_links" and bundle.mode.get(USERS) == "delta" \
                and USERS not in bundle.failed:
            restated = set(bundle.users)
            for key, old in stored.items():
                if old.active and key not in records and \
                        restated.intersection(_link_ends(key)):
                    plan[kind].deactivations.append(Change(key, "unlisted"))
    return plan


def _plan_rows(plan: KindPlan, stored: dict[str, Stored], records: dict) -> None:
    for sid, record in records.items():
        old = stored.get(sid)
        if record.active:
            if old is None:
                plan.creates.append(Change(sid, "new", record, record.fingerprint))
            elif not old.active:
                plan.updates.append(Change(sid, "reactivated", record,
                                           record.fingerprint))
            elif old.fingerprint != record.fingerprint:
                plan.updates.append(Change(sid, "changed", record, record.fingerprint))
        elif old is not None and old.active:
            plan.deactivations.append(Change(sid, "tobedeleted", record))


def _protected(bundle: Bundle, kind: str, file: str, stored) -> set[str]:
    """Stored ids that a bulk file may omit only because the loader rejected a row."""
    rejected = bundle.rejected.get(file, set())
    if kind != "guardian_links":
        return set(rejected)
    return {key for key in stored if rejected.intersection(_link_ends(key))}


def _link_ends(key: str) -> tuple[str, ...]:
    return tuple(key.split("::", 1))
