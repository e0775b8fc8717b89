"""The roster projection the access rules read, and the audit log of reads of a child's
record."""
from __future__ import annotations

from datetime import datetime

from services.access import READ, StudentDirectory, StudentRecord
from services.common.repository import Repository
from services.goals.adapters.repository import AUDIT_LOG


class Students:
    """This service's copy of the roster (`services.access.StudentDirectory`) with the
    platform's access matrix, inside a unit of work. The directory is injectable so an
    in-memory one runs the same rules in unit tests."""

    def __init__(self, uow, directory: StudentDirectory | None = None):
        self.uow = uow
        self._directory = directory or StudentDirectory(uow.db)

    def authorize(self, principal, student_id: str, action: str = READ) -> StudentRecord:
        """The student's record if `principal` may act on it; otherwise NotFound."""
        return self._directory.authorize(principal, student_id, action, session=self.uow.session)

    def get(self, student_id: str) -> StudentRecord | None:
        return self._directory.get(student_id, session=self.uow.session)

    def time_zone(self, school_id: str) -> str | None:
        """The school's IANA time zone, when the roster has told us."""
        school = self._directory.school(school_id, session=self.uow.session) or {}
        return school.get("time_zone")


class AuditLog(Repository):
    collection_name = AUDIT_LOG

    def record_read(self, principal, record: StudentRecord, what: str, *, at: datetime,
                    resource_id: str | None, cycle: str | None, correlation_id: str | None) -> None:
        self.docs.insert_one({
            "district_id": record.district_id, "school_id": record.school_id, "student_id": record.student_id,
            "actor_id": principal.sub, "actor_role": principal.role, "action": "read", "what": what,
            "resource_id": resource_id, "cycle": cycle, "at": at, "correlation_id": correlation_id,
        }, session=self.session)
