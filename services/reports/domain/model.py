"""Report models (the dict `render.py` documents) from one `report_students` document.

Pure: the caller passes the student's document and the few labels that live in other
read models (school name, teacher name). Rules:

* Period "YYYY-MM": from the start of its school year (1 August) to the month's last day.
* Goals shown: not drafts; created by the period's end; from this school year, or with
  a check-in in the period. Check-ins shown: those dated inside the period.
* Goal status: submitted / agreed / carried over read "active"; revised, achieved as is.
* Conference: the latest booking not cancelled and dated by the period's end (held,
  no-show or booked), with its follow-up date and whether a private talk was asked for.
  Every date is the school's local date: a conference at 5 PM Pacific on 16 December is
  on the 16th, though it is already the 17th in UTC.
* Check-ins carry the note written with them (CheckinNoteRecorded, a private event).
* Family goals: the family's goals for the child agreed at the conferences of the
  school year (ConferenceOutcomeContent), in full; they are goals too (set by the
  family) and appear among the goals with their check-ins. Before any conference, the
  report says how many goals the family shared on each parent input form (the form's
  words stay in the goals service).
* Conference: also what the teacher will do (supports) and the next check-in day.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.common.errors import Invalid

from services.reports.adapters.rendering.html import as_date, normalize_lang, translations

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SCHOOL_YEAR_MONTH = 8
GOAL_STATUS = {"submitted": "active", "agreed": "active", "carried_over": "active", "revised": "revised",
               "achieved": "achieved", "active": "active"}
CONFERENCE_STATUS = {"3held": "held", "3no_show": "no_show", "1booked": "booked"}


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, text: str) -> "Period":
        m = PERIOD_RE.match(text or "")
        if not m:
            raise Invalid("The period must look like 2026-11 (year-month).", code="bad_period",
                          errors={"period": ["Use YYYY-MM, e.g. 2026-11."]})
        year, month = int(m.group(1)), int(m.group(2))
        if not 2000 <= year <= 2999 or not 1 <= month <= 12:
            raise Invalid("The period must be a real month, e.g. 2026-11.", code="bad_period",
                          errors={"period": ["Use a year from 2000 to 2999 and a month from 01 to 12."]})
        start_year = year if month >= SCHOOL_YEAR_MONTH else year - 1
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        return cls(text, dt.date(start_year, SCHOOL_YEAR_MONTH, 1), end)

    def contains(self, d: dt.date | None) -> bool:
        return d is not None and self.start <= d <= self.end


def person_name(doc: dict | None) -> str:
    if not doc:
        return ""
    return " ".join(p for p in (doc.get("preferred_name") or doc.get("given_name"), doc.get("family_name")) if p)


def homeroom_teacher(doc: dict) -> str | None:
    """The first teacher of the student's first class (classes sorted by id)."""
    classes = sorted((doc.get("classes") or {}).values(), key=lambda c: c.get("class_id") or "")
    for c in classes:
        if c.get("teacher_ids"):
            return c["teacher_ids"][0]
    return None


def choose_lang(doc: dict, school: dict | None, *, guardian: dict | None = None) -> str:
    """The guardian's language when a guardian asks (or for the family copy), else the
    student's, else the school's first language."""
    for candidate in ((guardian or {}).get("language"), doc.get("lang"),
                      ((school or {}).get("languages") or [None])[0]):
        if candidate:
            return normalize_lang(candidate)
    return "en"


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(instant: str | None, tz: ZoneInfo) -> str | None:
    """An ISO instant (as the events carry it) as the school's local date, ISO."""
    if not instant:
        return None
    if len(instant) == 10:  # already a date
        return instant
    moment = dt.datetime.fromisoformat(instant.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(tz).date().isoformat()


def _text(value) -> str:
    if isinstance(value, dict):
        return value.get("label") or value.get("code") or value.get("method") or ""
    return value or ""


def _goal_model(goal: dict, period: Period) -> dict | None:
    status = goal.get("status")
    if not status or status == "draft":
        return None
    created = as_date(goal.get("created_at"))
    checkins = [{"date": c["date"], "status": c["status"], "value": c.get("value"), "note": c.get("note") or ""}
                for c in (goal.get("checkins") or {}).values() if period.contains(as_date(c.get("date")))]
    if created and (created > period.end or (created < period.start and not checkins)):
        return None
    plan = goal.get("plan") or {}
    return {
        "id": goal["id"], "statement": goal.get("statement") or "", "focus": _text(goal.get("focus")),
        "term": goal.get("term"), "status": GOAL_STATUS.get(status, status),
        "plan": {"specific_actions": plan.get("specific_actions") or [], "trackable": _text(plan.get("trackable")),
                 "achievable_reasons": plan.get("achievable_reasons") or [],
                 "target_date": plan.get("target_date") or goal.get("target_date")},
        "supports": goal.get("supports") or {}, "checkins": checkins, "set_by": goal.get("set_by") or "student",
        "next_steps": goal.get("next_steps") or [], "_order": (goal.get("created_at") or "", goal["id"]),
    }


def goal_models(doc: dict, period: Period) -> list[dict]:
    goals = [g for g in (_goal_model(g, period) for g in (doc.get("goals") or {}).values()) if g]
    goals.sort(key=lambda g: g.pop("_order"))
    return goals


def conference_model(booking: dict | None, followups: dict, tz: ZoneInfo | None = None) -> dict:
    if not booking:
        return {"status": "not_booked"}
    tz = tz or ZoneInfo("UTC")
    fu = next((f for f in followups.values() if f.get("booking_id") == booking["id"]), None)
    agreed = booking.get("agreement") or {}
    return {"status": CONFERENCE_STATUS.get(booking.get("state"), "not_booked"), "date": booking_date(booking, tz),
            "followup_date": local_day(fu["due_at"], tz) if fu else None,
            "private_followup": bool(booking.get("private_talk")), "teacher_notes": "",
            "supports": agreed.get("supports") or [], "next_checkin_date": agreed.get("next_checkin_on")}


def booking_date(booking: dict, tz: ZoneInfo) -> str | None:
    """The school's local date of a conference (held, else booked for)."""
    return local_day(booking.get("held_at") or booking.get("start"), tz)


def latest_booking(doc: dict, period: Period, tz: ZoneInfo | None = None) -> dict | None:
    tz = tz or ZoneInfo("UTC")
    found = [b for b in (doc.get("conferences") or {}).values()
             if b.get("state") in CONFERENCE_STATUS and (as_date(booking_date(b, tz)) or period.end) <= period.end]
    return max(found, key=lambda b: (booking_date(b, tz) or "", b["id"]), default=None)


def family_goals(doc: dict, lang: str, period: Period | None = None, tz: ZoneInfo | None = None) -> list[str]:
    """The family's goals agreed at this school year's conferences, in their words; before
    any, how many the family shared on the parent input form."""
    tz = tz or ZoneInfo("UTC")
    held = [b for b in (doc.get("conferences") or {}).values()
            if (b.get("agreement") or {}).get("family_goals") and b.get("state") == "3held"
            and (period is None or period.start <= (as_date(booking_date(b, tz)) or period.end) <= period.end)]
    held.sort(key=lambda b: (booking_date(b, tz) or "", b["id"]))
    agreed = [text for b in held for text in b["agreement"]["family_goals"]]
    if agreed:
        return agreed
    _ = translations(lang).gettext
    inputs = sorted((doc.get("parent_inputs") or {}).values(), key=lambda p: (p["cycle"], p["guardian_id"]))
    return [_("Goals your family shared in the parent input form: %(count)s") % {"count": p["family_goal_count"]}
            for p in inputs if p.get("family_goal_count")]


def household_view(doc: dict, guardian_id: str) -> dict:
    """The student's document as one guardian's household may read it: only the
    conferences that guardian booked and the parent input they gave. Separated
    households each have their own conference; neither sees the other's."""
    return {**doc,
            "conferences": {k: c for k, c in (doc.get("conferences") or {}).items()
                            if c.get("guardian_id") == guardian_id},
            "parent_inputs": {k: p for k, p in (doc.get("parent_inputs") or {}).items()
                              if p.get("guardian_id") == guardian_id}}


def student_header(doc: dict, school_name: str, teacher_name: str) -> dict:
    return {"id": doc["_id"], "first_name": doc.get("first_name") or "", "last_name": doc.get("last_name") or "",
            "grade": doc.get("grade") or "", "school_name": school_name, "teacher_name": teacher_name}


def build_model(doc: dict, period: Period, *, lang: str, school_name: str = "", teacher_name: str = "",
                booking: dict | None = None, time_zone: str | None = None) -> dict:
    """The report model; `booking` picks the conference (summaries), else the latest.
    Dates are local to `time_zone` (the school's IANA zone)."""
    lang = normalize_lang(lang)
    tz = zone(time_zone)
    return {
        "student": student_header(doc, school_name, teacher_name),
        "period": {"start": period.start, "end": period.end},
        "lang": lang,
        "goals": goal_models(doc, period),
        "family_goals": family_goals(doc, lang, period, tz),
        "conference": conference_model(booking or latest_booking(doc, period, tz), doc.get("followups") or {}, tz),
    }
