"""Shared access rules over the roster's projection: who may see or act on a student's
records and a school's data (`rules`), each service's copy of the roster that the rules
read (`directory.StudentDirectory`), and the handlers that keep that copy from roster
events (`projection.ROSTER_HANDLERS`).

Why a shared package and not a copy in each service: goals, scheduling, notifications
and reports all answer "may this caller see this child?" from the same roster events,
and the product has one answer (DESIGN.md, "Only who may, may"). Four copies would drift
the way the tenancy check once did. Why not `services.common`: these are business rules
(the role matrix), and common holds plumbing only (the tenancy and role checks in
`services.common.guards` are the only access code there). This package reads no other
service's data: each service passes its own database. Rules about a service's own
documents (bookings, goals, jobs) stay in that service's `access` module.
"""
from services.access.directory import StudentDirectory
from services.access.projection import ROSTER_HANDLERS
from services.access.rules import READ, WRITE, StudentRecord, decide, decide_school

__all__ = ["READ", "ROSTER_HANDLERS", "WRITE", "StudentDirectory", "StudentRecord", "decide", "decide_school"]
