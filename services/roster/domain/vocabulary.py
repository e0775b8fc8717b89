"""OneRoster 1.1 / 1.2 CSV vocabulary: files, required columns, enumerations.

Pure data, no I/O. The column names are the CSV binding's; "metadata.*" columns are
the spec's extension mechanism (Confer reads metadata.timezone, metadata.languages and
metadata.preferredLanguage).
"""
from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_VERSIONS = ("1.1", "1.2")
MODES = ("bulk", "delta", "absent")
STATUSES = ("active", "tobedeleted")
DEFAULT_TIME_ZONE = "America/Los_Angeles"
DEFAULT_LANGUAGE = "en"

MANIFEST = "manifest.csv"
ORGS = "orgs.csv"
SESSIONS = "academicSessions.csv"
USERS = "users.csv"
CLASSES = "classes.csv"
ENROLLMENTS = "enrollments.csv"
DEMOGRAPHICS = "demographics.csv"
ROLES = "roles.csv"
USER_PROFILES = "userProfiles.csv"

# Data files Confer reads, per version, in the order they are loaded.
FILES = {
    "1.1": (ORGS, SESSIONS, USERS, CLASSES, ENROLLMENTS, DEMOGRAPHICS),
    "1.2": (ORGS, SESSIONS, ROLES, USERS, CLASSES, ENROLLMENTS, DEMOGRAPHICS, USER_PROFILES),
}

# Columns Confer cannot work without (a file missing one is rejected as a whole).
_USERS_COMMON = ("sourcedId", "givenName", "familyName")
REQUIRED_COLUMNS = {
    ORGS: ("sourcedId", "name", "type"),
    SESSIONS: ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
    CLASSES: ("sourcedId", "title", "schoolSourcedId", "termSourcedIds"),
    ENROLLMENTS: ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
    DEMOGRAPHICS: ("sourcedId",),
    ROLES: ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
    USER_PROFILES: ("sourcedId", "userSourcedId"),
}
USERS_REQUIRED = {
    "1.1": _USERS_COMMON + ("role", "orgSourcedIds"),
    "1.2": _USERS_COMMON,  # role and orgs come from roles.csv (or a role column)
}

ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
CLASS_TYPES = ("homeroom", "scheduled")
ROLE_TYPES = ("primary", "secondary")
GRADES = ("IT", "PR", "PK", "TK", "KG") + tuple(f"{n:02d}" for n in range(1, 14)) + (
    "PS", "UG", "Other")

# OneRoster role (1.1 and 1.2 vocabularies) -> Confer person kind.
ROLE_KINDS = {
    "student": "student",
    "teacher": "teacher",
    "parent": "guardian",
    "guardian": "guardian",
    "relative": "guardian",
    "administrator": "administrator",
    "districtAdministrator": "administrator",
    "siteAdministrator": "administrator",
    "systemAdministrator": "administrator",
    "principal": "administrator",
    "aide": "staff",
    "proctor": "staff",
    "counselor": "staff",
}
ENROLLMENT_ROLES = ("student", "teacher", "aide", "administrator", "proctor",
                    "guardian", "parent", "relative")


@dataclass(frozen=True)
class RowError:
    """One problem in a bundle. line is the CSV line (header = 1); None for a whole
    file (missing, not listed in the manifest); column is None when no single column
    is at fault."""
    file: str
    line: int | None
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        return f"{where}{f' [{self.column}]' if self.column else ''}: {self.reason}"
