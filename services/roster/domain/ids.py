"""Confer ids of roster records: district-scoped, so two districts may use the same
OneRoster sourcedIds (a SIS often numbers its students 1, 2, 3 ...) and never meet.

    confer_id("d-north", "1234") == "d-north~1234"

Every roster record is stored, published in events and served over HTTP under its
Confer id; its own sourcedId is kept beside it (``sourced_id``) for the round trip to
the SIS. Other services receive only Confer ids (events), so their projections, keys
and references (proj_students, bookings, goals, slots ``<teacher>:<time>``, report ids,
guardian links ``<guardian>::<student>``) are unique across districts without knowing
that districts exist. Tokens carry Confer ids: ``sub`` and ``school_ids`` are the
person's and schools' Confer ids, ``district_id`` the district's own sourcedId (the
tenant key, as in every stored document's ``district_id``).

The mapping is applied once, to a loaded and validated bundle (``scope_bundle``), so
errors still name the rows and sourcedIds of the files as the SIS wrote them.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict

from services.roster.adapters.oneroster.bundle import Bundle
from services.roster.domain.records import (
    AcademicSession, Class, Enrollment, GuardianLink, Org, User, link_key)

SEPARATOR = "~"

# Reference fields of each record type, besides its own sourced_id.
_REFS = {Org: ("parent_id",), AcademicSession: ("parent_id",), User: ("org_ids", "primary_org_id", "agent_ids"),
         Class: ("school_id", "session_ids", "course_id"), Enrollment: ("class_id", "user_id", "school_id"),
         GuardianLink: ("guardian_id", "student_id")}


def confer_id(district_id: str, sourced_id: str) -> str:
    return f"{district_id}{SEPARATOR}{sourced_id}"


def sourced_id(district_id: str, cid: str) -> str:
    """The SIS's sourcedId of a Confer id of `district_id`."""
    prefix = f"{district_id}{SEPARATOR}"
    return cid[len(prefix):] if cid.startswith(prefix) else cid


def _scoped(district_id: str, value):
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(confer_id(district_id, v) for v in value)
    return confer_id(district_id, value)


def scope_record(district_id: str, record):
    changes = {name: _scoped(district_id, getattr(record, name)) for name in _REFS[type(record)]}
    if isinstance(record, GuardianLink):
        changes["sourced_id"] = link_key(changes["guardian_id"], changes["student_id"])
    else:
        changes["sourced_id"] = confer_id(district_id, record.sourced_id)
    return dataclasses.replace(record, **changes)


def scope_bundle(bundle: Bundle, district_id: str) -> Bundle:
    """The bundle with every id and reference turned into Confer ids of `district_id`."""
    out = dataclasses.replace(bundle)
    for attr in ("orgs", "sessions", "users", "classes", "enrollments", "guardian_links"):
        records = [scope_record(district_id, r) for r in getattr(bundle, attr).values()]
        setattr(out, attr, {r.sourced_id: r for r in records})
    out.rejected = defaultdict(set, {f: {confer_id(district_id, i) for i in ids} for f, ids in bundle.rejected.items()})
    out.seen = {f: {confer_id(district_id, i) for i in ids} for f, ids in bundle.seen.items()}
    return out
