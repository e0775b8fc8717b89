"""Load a OneRoster 1.1 / 1.2 CSV bundle (folder or .zip) into normalised records.

    bundle = load_bundle("export.zip")
    if not bundle.ok:
        for error in bundle.errors: print(error)   # RowError(file, line, column, reason)
    bundle.users["stu-1"].fingerprint

Data problems never raise: they are collected, all of them, in ``bundle.errors``. A row
with an error is left out of the records and its sourcedId kept in
``bundle.rejected[file]``; a file that cannot be used at all (missing required column)
is in ``bundle.failed``. References are checked only against files sent in bulk: a
delta file may point at records the importer already holds.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from services.roster.adapters.oneroster.build import (
    build_class, build_enrollment, build_org, build_role, build_session, build_user,
    check_demographics, check_user_profile)
from services.roster.adapters.oneroster.files import Source, decode, parse_table, read_manifest
from services.roster.domain.records import GuardianLink, link_key
from services.roster.adapters.oneroster.rows import Row
from services.roster.domain.vocabulary import (
    CLASSES, DEMOGRAPHICS, ENROLLMENTS, FILES, ORGS, REQUIRED_COLUMNS, ROLES, SESSIONS,
    USER_PROFILES, USERS, USERS_REQUIRED, RowError)

_ATTRS = {ORGS: "orgs", SESSIONS: "sessions", USERS: "users", CLASSES: "classes",
          ENROLLMENTS: "enrollments"}


@dataclass
class Bundle:
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
        getattr(self, _ATTRS[file]).pop(sourced_id, None)
        self.rejected[file].add(sourced_id)


def load_bundle(path: str | Path) -> Bundle:
    bundle = Bundle(str(path))
    source = Source(path, bundle.errors)
    if not source.names:
        return bundle
    manifest = read_manifest(source, bundle.errors)
    bundle.version, bundle.manifest = manifest.version, manifest.properties
    bundle.mode = manifest.mode
    if manifest.version is None:
        return bundle
    tables = {}
    for name in FILES[manifest.version]:
        if bundle.mode.get(name, "absent") == "absent":
            continue
        required = (USERS_REQUIRED[manifest.version] if name == USERS
                    else REQUIRED_COLUMNS[name])
        table = parse_table(name, decode(name, source.read(name), bundle.errors),
                            required, bundle.errors)
        if table is None:
            bundle.failed.add(name)
        else:
            tables[name] = table
            bundle.rejected[name] |= table.rejected
    _build_all(bundle, tables)
    _check_references(bundle, tables)
    bundle.guardian_links = _guardian_links(bundle)
    return bundle


def _rows(bundle: Bundle, table, build: Callable[[Row], object]) -> dict:
    """Build each row; duplicate sourcedIds and rows with errors are left out."""
    out, first = {}, {}
    for line, values in table.rows:
        row = Row(table.name, line, values, bundle.errors)
        sid = row.text("sourcedId", required=True)
        if sid is None:
            continue
        if sid in first:
            row.error("sourcedId", f"duplicate sourcedId {sid!r} "
                                   f"(first on line {first[sid]})")
            continue
        first[sid] = line
        record = build(row)
        if row.ok:
            out[sid] = record
        else:
            bundle.rejected[table.name].add(sid)
    bundle.seen[table.name] = set(first) | bundle.rejected[table.name]
    return out


def _build_all(bundle: Bundle, tables: dict) -> None:
    simple = {ORGS: build_org, SESSIONS: build_session, CLASSES: build_class,
              ENROLLMENTS: build_enrollment}
    for name, build in simple.items():
        if name in tables:
            setattr(bundle, _ATTRS[name], _rows(bundle, tables[name], build))
    roles_by_user = defaultdict(list)
    if ROLES in tables:
        for role in _rows(bundle, tables[ROLES], build_role).values():
            if role.active:
                roles_by_user[role.user_id].append(role)
    if USERS in tables:
        bundle.users = _rows(bundle, tables[USERS],
                             lambda row: build_user(row, roles_by_user.get(row.sourced_id)))
    for name, check in ((DEMOGRAPHICS, check_demographics),
                        (USER_PROFILES, check_user_profile)):
        if name in tables:
            _rows(bundle, tables[name], check)


# file -> [(column, ids of a record in that column, file the ids must be in)]
_REFS = {
    ORGS: [("parentSourcedId", lambda r: (r.parent_id,), ORGS)],
    SESSIONS: [("parentSourcedId", lambda r: (r.parent_id,), SESSIONS)],
    USERS: [("orgSourcedIds", lambda r: r.org_ids, ORGS),
            ("primaryOrgSourcedId", lambda r: (r.primary_org_id,), ORGS),
            ("agentSourcedIds", lambda r: r.agent_ids, USERS)],
    CLASSES: [("schoolSourcedId", lambda r: (r.school_id,), ORGS),
              ("termSourcedIds", lambda r: r.session_ids, SESSIONS)],
    ENROLLMENTS: [("classSourcedId", lambda r: (r.class_id,), CLASSES),
                  ("userSourcedId", lambda r: (r.user_id,), USERS),
                  ("schoolSourcedId", lambda r: (r.school_id,), ORGS)],
}
_KIND = {ORGS: "org", SESSIONS: "academic session", USERS: "user", CLASSES: "class"}


def _check_references(bundle: Bundle, tables: dict) -> None:
    def unknown(target: str, ids) -> list[str]:
        if not bundle.is_bulk(target):
            return []  # a delta (or absent) file cannot say what exists
        return [i for i in ids if i and i not in bundle.seen.get(target, ())]

    for file, refs in _REFS.items():
        header = tables[file].header if file in tables else ()
        for record in list(getattr(bundle, _ATTRS[file]).values()):
            bad = False
            for column, ids, target in refs:
                if column not in header and file == USERS:
                    continue  # 1.2: orgs come from roles.csv, checked there
                for missing in unknown(target, ids(record)):
                    bundle.errors.append(RowError(file, record.line, column,
                                                  f"unknown {_KIND[target]} {missing!r}"))
                    bad = True
            bad |= _check_consistency(bundle, file, record)
            if bad:
                bundle.reject(file, record.sourced_id)
    for file, column, target in ((ROLES, "userSourcedId", USERS),
                                 (ROLES, "orgSourcedId", ORGS),
                                 (DEMOGRAPHICS, "sourcedId", USERS),
                                 (USER_PROFILES, "userSourcedId", USERS)):
        for line, values in tables[file].rows if file in tables else ():
            for missing in unknown(target, (values.get(column),)):
                bundle.errors.append(RowError(file, line, column,
                                              f"unknown {_KIND[target]} {missing!r}"))


def _check_consistency(bundle: Bundle, file: str, record) -> bool:
    """Cross-record rules beyond existence; True if the record is rejected."""
    problem = None
    if file == CLASSES:
        school = bundle.orgs.get(record.school_id)
        if school is not None and school.type != "school":
            problem = ("schoolSourcedId", f"{record.school_id!r} is a {school.type}, "
                                          f"not a school")
    elif file == ENROLLMENTS:
        klass = bundle.classes.get(record.class_id)
        if klass is not None and klass.school_id != record.school_id:
            problem = ("schoolSourcedId", f"class {record.class_id!r} belongs to "
                                          f"school {klass.school_id!r}")
    if problem:
        bundle.errors.append(RowError(file, record.line, *problem))
    return problem is not None


def _guardian_links(bundle: Bundle) -> dict[str, GuardianLink]:
    """Guardian -> student links from agentSourcedIds on either side."""
    links: dict[str, GuardianLink] = {}
    wants = {"student": "guardian", "guardian": "student"}
    for user in bundle.users.values():
        for agent_id in user.agent_ids:
            agent = bundle.users.get(agent_id)
            want = wants.get(user.kind)
            if want is None or (agent is not None and agent.kind != want):
                who = agent.role if agent is not None else "unknown"
                bundle.errors.append(RowError(
                    USERS, user.line, "agentSourcedIds",
                    f"{agent_id!r} ({who}) cannot be an agent of a {user.role}: links "
                    f"join a student and a parent, guardian or relative"))
                continue
            guardian, student = ((agent_id, user.sourced_id) if user.kind == "student"
                                 else (user.sourced_id, agent_id))
            key = link_key(guardian, student)
            active = user.active and (agent is None or agent.active)
            if key in links:
                active = active and links[key].active
            line = min(user.line, links[key].line) if key in links else user.line
            links[key] = GuardianLink(key, guardian, student, active=active, line=line)
    return links
