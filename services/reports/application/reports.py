"""Use cases of the reports web app: progress reports, conference summaries, stored
reports and dashboards. Every read of a child's record goes through the platform's
StudentDirectory (404 when the caller may not see the child) and is audit-logged."""
from __future__ import annotations

import gzip

from services.common import logs
from services.common.errors import Forbidden, NotFound
from services.common.guards import district_scope, require_role

from services.reports.application import facts
from services.reports.domain.model import Period, booking_date, build_model, choose_lang, homeroom_teacher, household_view, person_name, zone
from services.reports.adapters.rendering.html import render_conference_summary, render_html, render_pdf
from services.reports.adapters.repository import key, reads

STAFF = ("teacher", "school_admin", "district_admin")
MIMETYPES = {"html": "text/html", "pdf": "application/pdf", "csv": "text/csv"}


def audit(repos, principal, record, what: str, resource_id: str | None = None) -> None:
    """Who read what of which child, when; written before the data is returned."""
    repos.audit_log.record({
        "district_id": record.district_id, "school_id": record.school_id, "student_id": record.student_id,
        "actor_id": principal.sub, "actor_role": principal.role, "action": "read", "what": what,
        "resource_id": resource_id, "at": repos.now, "correlation_id": logs.current_correlation_id()})


def _context(repos, doc: dict, principal=None, lang: str | None = None) -> dict:
    """School / teacher names and the report language for one student."""
    school = repos.directory.school(doc.get("school_id") or "") or {}
    teacher = repos.people.get(homeroom_teacher(doc) or "")
    guardian = repos.people.get(principal.sub) if principal and principal.role == "guardian" else None
    return {"school_name": school.get("name") or "", "teacher_name": person_name(teacher),
            "lang": lang or choose_lang(doc, school, guardian=guardian), "time_zone": school.get("time_zone")}


def _student_doc(repos, principal, student_id: str, what: str, resource_id: str | None = None):
    record = repos.directory.authorize(principal, student_id)
    doc = repos.students.get(student_id) or {"_id": student_id}
    audit(repos, principal, record, what, resource_id)
    if principal.role == "guardian":  # a guardian reads their own household's part only
        doc = household_view(doc, principal.sub)
    return record, doc


def render(model: dict, fmt: str) -> bytes | str:
    return render_pdf(model) if fmt == "pdf" else render_html(model)


def student_report(store, principal, student_id: str, period_key: str, fmt: str = "html",
                   lang: str | None = None) -> bytes | str:
    period = Period.parse(period_key)
    repos = reads(store)
    _, doc = _student_doc(repos, principal, student_id, "progress_report", period.key)
    model = build_model(doc, period, **_context(repos, doc, principal, lang))
    return render(model, fmt)


def conference_summary(store, principal, booking_id: str, audience: str | None = None,
                       lang: str | None = None) -> str:
    audience = audience or ("teacher" if principal.role in STAFF else "family")
    repos = reads(store)
    student_id = repos.bookings.student_of(booking_id, district_scope(principal))
    if student_id is None:
        raise NotFound(f"No conference {booking_id}.", code="conference_not_found")
    _, doc = _student_doc(repos, principal, student_id, "conference_summary", booking_id)
    booking = (doc.get("conferences") or {}).get(key(booking_id))
    if booking is None and principal.role == "guardian":  # another household's conference
        raise NotFound(f"No conference {booking_id}.", code="conference_not_found")
    if audience == "teacher" and principal.role not in STAFF:
        raise Forbidden("Only staff may read the teacher's summary.", code="audience_not_allowed")
    booking = booking or {"id": booking_id}
    context = _context(repos, doc, principal, lang)
    when = (booking_date(booking, zone(context["time_zone"])) or "")[:7]  # the school's month, not UTC's
    period = Period.parse(when) if when else Period.parse(repos.now.strftime("%Y-%m"))
    model = build_model(doc, period, booking=booking, **context)
    return render_conference_summary(model, audience=audience)


def stored_report(store, principal, report_id: str, fmt: str | None = None) -> tuple[bytes | str, str, str | None]:
    """A report a batch job rendered (the link in ReportReady): content, format and the
    content's encoding (gzip for HTML). Without a format: HTML if rendered, else PDF."""
    wanted = [fmt] if fmt else ["html", "pdf"]
    repos = reads(store)
    found = repos.rendered.in_formats(report_id, wanted)
    doc = next((found[f] for f in wanted if f in found), None)
    if doc is None:
        raise NotFound(f"No report {report_id}" + (f" as {fmt}." if fmt else "."), code="report_not_found")
    _, student = _student_doc(repos, principal, doc["student_id"], "stored_report", report_id)
    if principal.role == "guardian":
        # The stored copy covers every household's conference; a guardian gets theirs, rendered now.
        model = build_model(student, Period.parse(doc["period"]), **_context(repos, student, principal))
        content = render(model, doc["format"])
        if doc.get("encoding") == "gzip":  # the same shape as the stored copy
            return gzip.compress(content.encode() if isinstance(content, str) else content), doc["format"], "gzip"
        return content, doc["format"], None
    return doc["content"], doc["format"], doc.get("encoding")


def district_dashboard(store, principal, by: str = "school") -> dict:
    require_role(principal, "district_admin")
    return facts.dashboard(reads(store), principal.district_id, by=by)


def school_dashboard(store, principal, school_id: str, by: str = "grade") -> dict:
    require_role(principal, *STAFF)
    repos = reads(store)
    school = repos.directory.authorize_school(principal, school_id)
    ids = None
    if principal.role == "teacher":  # a teacher's dashboard counts their own students only
        ids = repos.directory.students_taught_by(school_id, principal.sub)
    return facts.dashboard(repos, school.get("district_id"), school_id=school_id, by=by, student_ids=ids)
