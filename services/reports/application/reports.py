"""Use cases of the reports web app: progress reports, conference summaries, stored
reports and dashboards. Every read of a child's record goes through the platform's
StudentDirectory (404 when the caller may not see the child) and is audit-logged."""
from __future__ import annotations

import gzip

from services.access import StudentDirectory
from services.common import logs
from services.common.errors import Forbidden, NotFound
from services.common.guards import district_scope, require_role

from services.reports.application import facts
from services.reports.domain.model import Period, booking_date, build_model, choose_lang, homeroom_teacher, household_view, person_name, zone
from services.reports.adapters.rendering.html import render_conference_summary, render_html, render_pdf
from services.reports.adapters.repository import AUDIT_LOG, BOOKINGS, PEOPLE, RENDERED, STUDENTS, key

STAFF = ("teacher", "school_admin", "district_admin")
MIMETYPES = {"html": "text/html", "pdf": "application/pdf", "csv": "text/csv"}


def audit(store, principal, record, what: str, resource_id: str | None = None) -> None:
    """Who read what of which child, when; written before the data is returned."""
    store.db[AUDIT_LOG].insert_one({
        "district_id": record.district_id, "school_id": record.school_id, "student_id": record.student_id,
        "actor_id": principal.sub, "actor_role": principal.role, "action": "read", "what": what,
        "resource_id": resource_id, "at": store.clock(), "correlation_id": logs.current_correlation_id()})


def _context(db, doc: dict, principal=None, lang: str | None = None) -> dict:
    """School / teacher names and the report language for one student."""
    school = StudentDirectory(db).school(doc.get("school_id") or "") or {}
    teacher = db[PEOPLE].find_one({"_id": homeroom_teacher(doc) or ""})
    guardian = db[PEOPLE].find_one({"_id": principal.sub}) if principal and principal.role == "guardian" else None
    return {"school_name": school.get("name") or "", "teacher_name": person_name(teacher),
            "lang": lang or choose_lang(doc, school, guardian=guardian), "time_zone": school.get("time_zone")}


def _student_doc(store, principal, student_id: str, what: str, resource_id: str | None = None):
    record = StudentDirectory(store.db).authorize(principal, student_id)
    doc = store.db[STUDENTS].find_one({"_id": student_id}) or {"_id": student_id}
    audit(store, principal, record, what, resource_id)
    if principal.role == "guardian":  # a guardian reads their own household's part only
        doc = household_view(doc, principal.sub)
    return record, doc


def render(model: dict, fmt: str) -> bytes | str:
    return render_pdf(model) if fmt == "pdf" else render_html(model)


def student_report(store, principal, student_id: str, period_key: str, fmt: str = "html",
                   lang: str | None = None) -> bytes | str:
    period = Period.parse(period_key)
    _, doc = _student_doc(store, principal, student_id, "progress_report", period.key)
    model = build_model(doc, period, **_context(store.db, doc, principal, lang))
    return render(model, fmt)


def conference_summary(store, principal, booking_id: str, audience: str | None = None,
                       lang: str | None = None) -> str:
    audience = audience or ("teacher" if principal.role in STAFF else "family")
    index = store.db[BOOKINGS].find_one(district_scope(principal, _id=booking_id))
    if index is None:
        raise NotFound(f"No conference {booking_id}.", code="conference_not_found")
    _, doc = _student_doc(store, principal, index["student_id"], "conference_summary", booking_id)
    booking = (doc.get("conferences") or {}).get(key(booking_id))
    if booking is None and principal.role == "guardian":  # another household's conference
        raise NotFound(f"No conference {booking_id}.", code="conference_not_found")
    if audience == "teacher" and principal.role not in STAFF:
        raise Forbidden("Only staff may read the teacher's summary.", code="audience_not_allowed")
    booking = booking or {"id": booking_id}
    context = _context(store.db, doc, principal, lang)
    when = (booking_date(booking, zone(context["time_zone"])) or "")[:7]  # the school's month, not UTC's
    period = Period.parse(when) if when else Period.parse(store.clock().strftime("%Y-%m"))
    model = build_model(doc, period, booking=booking, **context)
    return render_conference_summary(model, audience=audience)


def stored_report(store, principal, report_id: str, fmt: str | None = None) -> tuple[bytes | str, str, str | None]:
    """A report a batch job rendered (the link in ReportReady): content, format and the
    content's encoding (gzip for HTML). Without a format: HTML if rendered, else PDF."""
    wanted = [fmt] if fmt else ["html", "pdf"]
    found = {d["format"]: d for d in store.db[RENDERED].find({"_id": {"$in": [f"{report_id}:{f}" for f in wanted]}})}
    doc = next((found[f] for f in wanted if f in found), None)
    if doc is None:
        raise NotFound(f"No report {report_id}" + (f" as {fmt}." if fmt else "."), code="report_not_found")
    _, student = _student_doc(store, principal, doc["student_id"], "stored_report", report_id)
    if principal.role == "guardian":
        # The stored copy covers every household's conference; a guardian gets theirs, rendered now.
        model = build_model(student, Period.parse(doc["period"]), **_context(store.db, student, principal))
        content = render(model, doc["format"])
        if doc.get("encoding") == "gzip":  # the same shape as the stored copy
            return gzip.compress(content.encode() if isinstance(content, str) else content), doc["format"], "gzip"
        return content, doc["format"], None
    return doc["content"], doc["format"], doc.get("encoding")


def district_dashboard(store, principal, by: str = "school") -> dict:
    require_role(principal, "district_admin")
    return facts.dashboard(store.db, principal.district_id, by=by)


def school_dashboard(store, principal, school_id: str, by: str = "grade") -> dict:
    require_role(principal, *STAFF)
    school = StudentDirectory(store.db).authorize_school(principal, school_id)
    extra = None
    if principal.role == "teacher":  # a teacher's dashboard counts their own students only
        ids = [d["_id"] for d in store.db[StudentDirectory.COLLECTION].find(
            {"school_id": school_id, "teacher_ids": principal.sub}, {"_id": 1})]
        extra = {"_id": {"$in": ids}}
    return facts.dashboard(store.db, school.get("district_id"), school_id=school_id, by=by, extra_filter=extra)
