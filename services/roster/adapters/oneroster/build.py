"""Row -> normalised record, one builder per OneRoster file. Pure; problems go to the
Row as RowErrors."""
from __future__ import annotations

import re
from dataclasses import dataclass

from services.roster.domain.records import (
    AcademicSession, Class, Enrollment, Org, User)
from services.roster.adapters.oneroster.rows import Row
from services.roster.domain.vocabulary import (
    CLASS_TYPES, DEFAULT_LANGUAGE, DEFAULT_TIME_ZONE, ENROLLMENT_ROLES, ORG_TYPES,
    ROLE_KINDS, ROLE_TYPES, SESSION_TYPES)


def build_org(row: Row) -> Org:
    return Org(
        sourced_id=row.sourced_id,
        name=row.text("name", required=True),
        type=row.choice("type", ORG_TYPES, what="org type"),
        identifier=row.text("identifier") or "",
        parent_id=row.text("parentSourcedId"),
        time_zone=row.time_zone("metadata.timezone", DEFAULT_TIME_ZONE),
        languages=row.languages("metadata.languages", (DEFAULT_LANGUAGE,)),
        active=row.active(), line=row.line)


def build_session(row: Row) -> AcademicSession:
    start, end = row.date("startDate", True), row.date("endDate", True)
    if start and end and end < start:
        row.error("endDate", f"endDate {end} is before startDate {start}")
    year = row.text("schoolYear", required=True)
    if year and not re.match(r"^\d{4}$", year):
        row.error("schoolYear", f"bad schoolYear {year!r} (must be YYYY)")
    return AcademicSession(
        sourced_id=row.sourced_id, title=row.text("title", required=True),
        type=row.choice("type", SESSION_TYPES, what="session type"),
        start_date=start, end_date=end, school_year=year,
        parent_id=row.text("parentSourcedId"), active=row.active(), line=row.line)


@dataclass(frozen=True)
class RoleRow:
    """A 1.2 roles.csv row: a user's role at one org."""
    user_id: str
    role: str
    primary: bool
    org_id: str
    active: bool
    line: int


def build_role(row: Row) -> RoleRow:
    return RoleRow(
        user_id=row.text("userSourcedId", required=True),
        role=row.choice("role", tuple(ROLE_KINDS), what="role"),
        primary=row.choice("roleType", ROLE_TYPES, what="roleType") == "primary",
        org_id=row.text("orgSourcedId", required=True),
        active=row.active(), line=row.line)


def _role_and_orgs(row: Row, roles: list[RoleRow] | None):
    """(role, org_ids, primary_org_id) from roles.csv rows (1.2) or columns (1.1)."""
    if roles:
        ordered = sorted(roles, key=lambda r: (not r.primary, r.line))
        org_ids = tuple(dict.fromkeys(r.org_id for r in ordered))
        return ordered[0].role, org_ids, row.text("primaryOrgSourcedId") or org_ids[0]
    if not row.has("role"):
        row.error("role", "user has no role (no active row in roles.csv and no "
                          "role column)")
        return None, (), None
    role = row.choice("role", tuple(ROLE_KINDS), what="role")
    org_ids = row.ids("orgSourcedIds")
    primary = row.text("primaryOrgSourcedId") or (org_ids[0] if org_ids else None)
    return role, org_ids, primary


def build_user(row: Row, roles: list[RoleRow] | None = None) -> User:
    role, org_ids, primary_org = _role_and_orgs(row, roles)
    preferred = row.text("preferredGivenName") or row.text("preferredFirstName")
    return User(
        sourced_id=row.sourced_id, role=role,
        given_name=row.text("givenName", required=True),
        family_name=row.text("familyName", required=True),
        preferred_name=preferred, middle_name=row.text("middleName"),
        email=row.email(), phone=row.text("phone"), sms=row.text("sms"),
        language=row.language("metadata.preferredLanguage", DEFAULT_LANGUAGE),
        grades=row.grades(), org_ids=org_ids, primary_org_id=primary_org,
        identifier=row.text("identifier"), username=row.text("username"),
        enabled=row.flag("enabledUser", True), agent_ids=row.ids("agentSourcedIds"),
        active=row.active(), line=row.line)


def build_class(row: Row) -> Class:
    return Class(
        sourced_id=row.sourced_id, title=row.text("title", required=True),
        school_id=row.text("schoolSourcedId", required=True), grades=row.grades(),
        session_ids=row.ids("termSourcedIds", required=True),
        class_type=row.choice("classType", CLASS_TYPES, required=False,
                              what="classType"),
        class_code=row.text("classCode"), course_id=row.text("courseSourcedId"),
        active=row.active(), line=row.line)


def build_enrollment(row: Row) -> Enrollment:
    begin, end = row.date("beginDate"), row.date("endDate")
    if begin and end and end < begin:
        row.error("endDate", f"endDate {end} is before beginDate {begin}")
    return Enrollment(
        sourced_id=row.sourced_id,
        class_id=row.text("classSourcedId", required=True),
        user_id=row.text("userSourcedId", required=True),
        school_id=row.text("schoolSourcedId", required=True),
        role=row.choice("role", ENROLLMENT_ROLES, what="role"),
        primary=row.flag("primary", False), begin_date=begin, end_date=end,
        active=row.active(), line=row.line)


def check_demographics(row: Row) -> str:
    """Demographics are validated, never kept (Confer has no use for them)."""
    row.date("birthDate")
    row.active()
    return row.sourced_id


def check_user_profile(row: Row) -> str:
    row.text("userSourcedId", required=True)
    row.active()
    return row.values.get("userSourcedId", "")
