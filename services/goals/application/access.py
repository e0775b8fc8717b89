"""Access rules, audit log and error mapping shared by the goals use cases.

Every use case starts with `authorize` (the platform's StudentDirectory: 404 when the
caller may not see the child); reads of a child's record end with `audit`.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.access import READ, StudentDirectory, StudentRecord
from services.common import logs
from services.common.errors import Conflict, Forbidden, Invalid, NotFound
from services.goals.domain import DomainError, Feedback, GoalNotReady, InvalidTransition, NotAllowed
from services.goals.adapters.repository import AUDIT_LOG
from services.goals.domain.texts import Text, request_lang, say

ADULTS = ("teacher", "guardian", "school_admin", "district_admin")
STAFF = ("teacher", "school_admin", "district_admin")
# Parent input and private parent-teacher notes: the teacher and that family only.
FAMILY_READERS = ("teacher", "guardian")


def authorize(db, principal, student_id: str, action: str = READ, session=None) -> StudentRecord:
    return StudentDirectory(db).authorize(principal, student_id, action, session=session)


def reveal_only_to(principal, *roles: str, what: str = "record") -> None:
    """For other roles these records do not exist (404, not 403: nothing leaks)."""
    if principal.role not in roles:
        raise NotFound(f"No {what}.", code=f"{what.replace(' ', '_')}_not_found")


def audit(store, principal, record: StudentRecord, what: str, *, resource_id: str | None = None,
          cycle: str | None = None) -> None:
    """Who read what of which child, when. Written before the data is returned: a read
    that cannot be audited is refused (the database error becomes a 503)."""
    store.db[AUDIT_LOG].insert_one({
        "district_id": record.district_id, "school_id": record.school_id, "student_id": record.student_id,
        "actor_id": principal.sub, "actor_role": principal.role, "action": "read", "what": what,
        "resource_id": resource_id, "cycle": cycle, "at": store.clock(),
        "correlation_id": logs.current_correlation_id(),
    })


def school_today(db, record: StudentRecord, now: datetime, session=None) -> date:
    """Today's date in the student's school's time zone (UTC when unknown)."""
    school = StudentDirectory(db).school(record.school_id, session=session) or {}
    try:
        zone = ZoneInfo(school.get("time_zone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def localize(value, lang: str | None = None):
    """`value` with every Text in it said in the request's language (dicts, lists too)."""
    lang = lang or request_lang()
    if isinstance(value, Text):
        return value.render(lang)
    if isinstance(value, dict):
        return {k: localize(v, lang) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [localize(v, lang) for v in value]
    return value


def feedback_out(feedback: list[Feedback]) -> list[dict]:
    lang = request_lang()
    return [{"code": f.code, "field": f.field, "severity": f.severity.value, "message": say(f.message, lang)}
            for f in feedback]


def as_errors(feedback: list[Feedback]) -> dict[str, list[str]]:
    lang = request_lang()
    out: dict[str, list[str]] = {}
    for f in feedback:
        if f.severity.value == "error":
            out.setdefault(f.field, []).append(say(f.message, lang))
    return out


def refuse(feedback: list[Feedback], detail: str, code: str) -> None:
    """Raise 422 when any finding is an error; hints never block. The detail names the
    fields to fix; `errors` has each field's messages."""
    if any(f.severity.value == "error" for f in feedback):
        raise Invalid(say(detail, request_lang()), code=code, errors=as_errors(feedback),
                      feedback=feedback_out(feedback))


@contextmanager
def domain_errors():
    """Domain rule violations -> problem+json: role 403, state 409, content 422."""
    try:
        yield
    except NotAllowed as exc:  # includes TransitionNotAllowed
        raise Forbidden(_said(exc), code="not_allowed") from None
    except InvalidTransition as exc:
        raise Conflict(_said(exc), code="invalid_transition") from None
    except GoalNotReady as exc:
        raise Invalid(_said(exc), code="goal_not_ready", errors=as_errors(exc.feedback),
                      feedback=feedback_out(exc.feedback)) from None
    except DomainError as exc:
        raise Invalid(_said(exc), code="invalid") from None


def _said(exc: Exception) -> str:
    return say(exc.args[0], request_lang()) if exc.args else str(exc)
