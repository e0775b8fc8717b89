"""Normalised roster records, one per OneRoster row (or derived link), each with a
stable content fingerprint.

The fingerprint is the sha256 of a canonical JSON of the fields that describe the
record's content: not its status (``active``), not where it was read (``line``), not
fields owned by another kind (a user's ``agent_ids`` live on as GuardianLinks). Same
content, same fingerprint, whatever the file, version, column order or line.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from services.roster.domain.vocabulary import ROLE_KINDS

FINGERPRINT_VERSION = "1"
_SKIP = {"fingerprint": False}


def _json_default(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


class Record:
    """Mixin: content fingerprint and a plain-dict view."""

    @cached_property
    def fingerprint(self) -> str:
        content = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                   if f.metadata.get("fingerprint", True)}
        text = json.dumps([FINGERPRINT_VERSION, type(self).__name__, content],
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                          default=_json_default)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def as_dict(self) -> dict:
        """Fields as plain values (tuples become lists), without ``line``."""
        out = {}
        for f in dataclasses.fields(self):
            if f.name != "line":
                value = getattr(self, f.name)
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


def _meta(**kw):
    return field(metadata=_SKIP, **kw)


@dataclass(frozen=True)
class Org(Record):
    sourced_id: str
    name: str
    type: str  # district | school | department | local | state | national
    identifier: str
    parent_id: str | None
    time_zone: str  # IANA, from metadata.timezone
    languages: tuple[str, ...]  # BCP-47, from metadata.languages
    active: bool = _meta(default=True)
    line: int = _meta(default=0, compare=False)


@dataclass(frozen=True)
class AcademicSession(Record):
    sourced_id: str
    title: str
    type: str  # schoolYear | term | semester | gradingPeriod
    start_date: date
    end_date: date
    school_year: str
    parent_id: str | None
    active: bool = _meta(default=True)
    line: int = _meta(default=0, compare=False)


@dataclass(frozen=True)
class User(Record):
    sourced_id: str
    role: str  # the OneRoster role; see ``kind``
    given_name: str
    family_name: str
    preferred_name: str | None  # 1.2 preferredGivenName
    middle_name: str | None
    email: str | None
    phone: str | None
    sms: str | None
    language: str  # BCP-47, from metadata.preferredLanguage
    grades: tuple[str, ...]
    org_ids: tuple[str, ...]
    primary_org_id: str | None
    identifier: str | None
    username: str | None
    enabled: bool
    agent_ids: tuple[str, ...] = _meta(default=())
    active: bool = _meta(default=True)
    line: int = _meta(default=0, compare=False)

    @property
    def kind(self) -> str:
        """student | teacher | guardian | administrator | staff"""
        return ROLE_KINDS[self.role]

    @property
    def grade(self) -> str | None:
        return self.grades[0] if self.grades else None

    @property
    def display_name(self) -> str:
        return f"{self.preferred_name or self.given_name} {self.family_name}"


@dataclass(frozen=True)
class Class(Record):
    sourced_id: str
    title: str
    school_id: str
    grades: tuple[str, ...]
    session_ids: tuple[str, ...]
    class_type: str | None  # homeroom | scheduled
    class_code: str | None
    course_id: str | None
    active: bool = _meta(default=True)
    line: int = _meta(default=0, compare=False)


@dataclass(frozen=True)
class Enrollment(Record):
    sourced_id: str
    class_id: str
    user_id: str
    school_id: str
    role: str
    primary: bool
    begin_date: date | None
    end_date: date | None
    active: bool = _meta(default=True)
    line: int = _meta(default=0, compare=False)


def link_key(guardian_id: str, student_id: str) -> str:
    return f"{guardian_id}::{student_id}"


@dataclass(frozen=True)
class GuardianLink(Record):
    """A guardian (parent, guardian or relative) of a student, from agentSourcedIds
    on either side. ``sourced_id`` is ``link_key(guardian_id, student_id)``."""
    sourced_id: str
    guardian_id: str
    student_id: str
    active: bool = _meta(default=True)
    line: int = _meta(default=0, compare=False)
