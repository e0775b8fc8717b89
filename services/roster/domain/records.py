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
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from services.roster.domain.vocabulary import CLASSES, ENROLLMENTS, ORGS, ROLE_KINDS, SESSIONS, USERS, RowError

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


# OneRoster file -> the Bundle attribute holding its records
ATTRS = {ORGS: "orgs", SESSIONS: "sessions", USERS: "users", CLASSES: "classes",
          ENROLLMENTS: "enrollments"}


@dataclass
class Bundle:
    """A loaded OneRoster bundle (``adapters.oneroster.bundle.load_bundle``): its records,
    normalised, and every problem found in it."""
    path: str
    version: str | None = None  # "1.1" | "1.2"; None if the manifest is unusable
    manifest: dict[str, str] = field(default_factory=dict)
    mode: dict[str, str] = field(default_factory=dict)  # "users.csv" -> bulk|delta|absent
    orgs: dict = field(default_factory=dict)            # sourcedId -> Org
    sessions: dict = field(default_factory=dict)        # -> AcademicSession
    users: dict = field(default_factory=dict)           # -> User
    classes: dict = field(default_factory=dict)         # -> Class
    enrollments: dict = field(default_factory=dict)     # -> Enrollment
    guardian_links: dict = field(default_factory=dict)  # link_key(g, s) -> GuardianLink
    errors: list[RowError] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    rejected: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    seen: dict[str, set[str]] = field(default_factory=dict)  # every sourcedId per file

    @property
    def ok(self) -> bool:
        return not self.errors

    def is_bulk(self, file: str) -> bool:
        """The file lists every record of its kind (so absence means removal)."""
        return self.mode.get(file) == "bulk" and file not in self.failed

    def reject(self, file: str, sourced_id: str) -> None:
        getattr(self, ATTRS[file]).pop(sourced_id, None)
        self.rejected[file].add(sourced_id)
