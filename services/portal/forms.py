"""HTML form fields <-> API bodies. Forms keep what the person typed; the services do
the real validation and the portal shows their field errors next to the fields."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

FOCUS_KINDS = ("standard", "learning_skill", "behaviour", "personal")
CHECKIN_STATUSES = ("on_track", "needs_support", "achieved")
INTERPRETER_LANGUAGES = ("es", "vi", "zh", "so", "ar", "ru", "ko", "tl", "fr", "pt")
SLOT_LENGTHS = (10, 15, 20, 30)
TRAVEL_GAP, LONGEST_WAIT = 5, 15  # the scheduling service's defaults (minutes)
MODALITIES = ("in_person", "video", "phone")
POLICIES = ("per_household", "per_student")
MIN_ACTION_FIELDS, MIN_REASON_FIELDS = 4, 3
_INDEX = re.compile(r"\[(\d+)\]")


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def filled(values) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def clean(value: str | None) -> str:
    return (value or "").strip()


# -- goals ------------------------------------------------------------------------
def goal_plan(form) -> dict:
    """The goal editor's fields as a PlanIn body (a draft may be incomplete)."""
    target = clean(form.get("target_date"))
    try:
        target_date = date.fromisoformat(target).isoformat() if target else None
    except ValueError:
        target_date = None
    kind = form.get("focus_kind") if form.get("focus_kind") in FOCUS_KINDS else "learning_skill"
    focus = {"kind": kind, "label": clean(form.get("focus_label"))}
    code = clean(form.get("focus_code"))
    if code and kind == "standard" and len(code) <= 100:  # the standard a goal from data is about
        focus["code"] = code
    trackable = {"method": clean(form.get("track_method"))}
    measure = goal_measure(form)
    if measure:
        trackable["measure"] = measure
    return {
        "statement": clean(form.get("statement")),
        "focus": focus,
        "term": "long" if form.get("term") == "long" else "short",
        "specific_actions": filled(form.getlist("action")),
        "trackable": trackable,
        "achievable_reasons": filled(form.getlist("reason")),
        "target_date": target_date,
        "supports": {who: lines(form.get(f"support_{who}")) for who in ("teacher", "family", "student")},
    }


def _number(value) -> float | None:
    try:
        return float(clean(value).replace(",", "."))
    except ValueError:
        return None


def goal_measure(form) -> dict | None:
    """The goal's measure (kept while "keep my results linked" is ticked): its unit and
    baseline as the goal starter or the stored goal gave them, the aim as typed, and the
    standard / line item it is linked to, so new gradebook results become check-ins."""
    if form.get("measure_keep") != "yes":
        return None
    unit, baseline, target = clean(form.get("measure_unit")), _number(form.get("measure_baseline")), \
        _number(form.get("measure_target"))
    if not unit or baseline is None or target is None:
        return None
    return {"unit": unit, "baseline": baseline, "target": target,
            "learning_objective_id": clean(form.get("measure_objective")) or None,
            "line_item_id": clean(form.get("measure_line_item")) or None}


def starter_plan(starter: dict, track_method: str) -> dict:
    """A goal to start from an area to grow: the standard as the focus, the measure linked
    to it; the student writes the goal itself (a goal in their own words)."""
    focus = starter.get("focus") or {}
    return {"statement": "", "focus": {"kind": focus.get("kind") or "standard", "label": focus.get("label") or "",
                                       "code": focus.get("code")},
            "trackable": {"method": track_method, "measure": dict(starter["measure"])}}


def goal_values(plan: dict | None) -> dict:
    """A stored plan as the editor's field values (with empty rows to type into)."""
    plan = plan or {}
    actions = list(plan.get("specific_actions") or [])
    reasons = list(plan.get("achievable_reasons") or [])
    supports = plan.get("supports") or {}
    return {
        "statement": plan.get("statement") or "",
        "focus_kind": (plan.get("focus") or {}).get("kind") or "learning_skill",
        "focus_label": (plan.get("focus") or {}).get("label") or "",
        "focus_code": (plan.get("focus") or {}).get("code") or "",
        "measure": (plan.get("trackable") or {}).get("measure") or None,
        "term": plan.get("term") or "short",
        "actions": actions + [""] * max(MIN_ACTION_FIELDS - len(actions), 1),
        "track_method": (plan.get("trackable") or {}).get("method") or "",
        "reasons": reasons + [""] * max(MIN_REASON_FIELDS - len(reasons), 1),
        "target_date": str(plan.get("target_date") or ""),
        "supports": {who: "\n".join(supports.get(who) or []) for who in ("teacher", "family", "student")},
    }


def feedback_field(field: str | None) -> str:
    """'specific_actions[2]' -> 'specific_actions'; 'trackable.method' -> 'trackable'."""
    return _INDEX.sub("", (field or "").split(".")[0])


def field_anchor(field: str | None) -> str:
    """The id of the editor input a feedback item is about."""
    field = field or ""
    match = _INDEX.search(field)
    root = feedback_field(field)
    if root == "specific_actions":
        return f"action-{int(match.group(1)) if match else 0}"
    return {"statement": "statement", "focus": "focus_label", "trackable": "track_method",
            "achievable_reasons": "reason-0", "target_date": "target_date",
            "supports": "support_teacher"}.get(root, "statement")


def inline_feedback(feedback: list[dict]) -> dict[str, list[dict]]:
    """Feedback grouped by the input it is about (shown under that input)."""
    out: dict[str, list[dict]] = {}
    for item in feedback or []:
        out.setdefault(field_anchor(item.get("field")), []).append(
            {"severity": item.get("severity"), "message": item.get("message"), "code": item.get("code")})
    return out


def checkin(form) -> dict:
    body = {"status": form.get("status") if form.get("status") in CHECKIN_STATUSES else "on_track",
            "note": clean(form.get("note"))}
    value = clean(form.get("measure_value"))
    if value:
        try:
            body["measure_value"] = float(value)
        except ValueError:
            pass
    return body


def data_talk(form, school_tz: str | None, now: datetime | None = None) -> dict:
    """The data-talk note: when it was shared (typed in the school's local time; empty is
    now), the standards talked about, what was celebrated, what is hard, a note."""
    from zoneinfo import ZoneInfo

    raw = clean(form.get("shared_at"))
    try:
        when = datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(school_tz or "UTC")) if raw else \
            (now or datetime.now(timezone.utc))
        shared_at = when.astimezone(timezone.utc).isoformat()
    except ValueError:
        shared_at = None  # the page asks for the date again
    return {"shared_at": shared_at, "objective_ids": form.getlist("objective_id"),
            "celebrated": clean(form.get("celebrated")), "struggles": clean(form.get("struggles")),
            "note": clean(form.get("note"))}


# -- student's own pages ------------------------------------------------------------
def self_assessment(form) -> dict:
    return {"strengths": lines(form.get("strengths")), "areas_for_growth": lines(form.get("areas_for_growth")),
            "supports": lines(form.get("supports")), "classwork_progress": clean(form.get("classwork_progress"))}


EVIDENCE_FIELDS = {"title": "title", "note.what_it_shows": "what_it_shows", "what_it_shows": "what_it_shows",
                   "note.goal_id": "goal_id", "goal_id": "goal_id", "link": "link", "file": "file",
                   "file.content_type": "file", "file.size": "file"}


def evidence_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The goals service's field errors keyed by the work-sample form's fields."""
    out: dict[str, list[str]] = {}
    for field, messages in errors.items():
        out.setdefault(EVIDENCE_FIELDS.get(field, "file"), []).extend(messages)
    return out


def by_root_field(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """'strengths[2]' -> 'strengths': a list field's errors shown under its one textarea."""
    out: dict[str, list[str]] = {}
    for field, messages in errors.items():
        out.setdefault(_INDEX.sub("", field.split(".")[0]), []).extend(messages)
    return out


def evidence_fields(form) -> dict:
    return {"title": clean(form.get("title")), "what_it_shows": clean(form.get("what_it_shows")),
            "goal_id": clean(form.get("goal_id")) or None}


# -- family -------------------------------------------------------------------------
def parent_input(form) -> dict:
    return {"hopes": clean(form.get("hopes")), "concerns": clean(form.get("concerns")),
            "topics": lines(form.get("topics")), "goals_for_child": lines(form.get("goals_for_child")),
            "wants_private_talk": form.get("wants_private_talk") == "yes",
            "private_concerns": clean(form.get("private_concerns"))}


def booking(form, children: list[dict]) -> dict:
    """The booking form: the ticked children, each with a chosen slot or none (then the
    service finds the earliest back-to-back slots on the chosen day)."""
    chosen = set(form.getlist("student_id"))
    manual = form.get("mode") == "choose"
    students = []
    for child in children:
        if child["id"] not in chosen:
            continue
        item = {"student_id": child["id"], "private_talk": form.get(f"private_{child['id']}") == "yes"}
        slot = clean(form.get(f"slot_{child['id']}"))
        if manual and slot:
            item["slot_id"] = slot
        students.append(item)
    body = {"students": students}
    lang = clean(form.get("interpreter_language"))
    if lang:
        body["interpreter_language"] = lang
    day = clean(form.get("date"))
    if day and not (manual and all("slot_id" in s for s in students)):
        body["date"] = day
    return body


# -- request windows ------------------------------------------------------------------
BOOKING_MODES = ("first_come", "requests", "requests_then_first_come")
REQUEST_MODES = BOOKING_MODES[1:]
PRIORITY_REASONS = ("missed_last_time", "needs_interpreter", "new_family", "other")  # the scheduling service's
MIN_RANGE_ROWS, MAX_RANGES = 3, 12  # empty rows to type into; the scheduling service's limit
_RANGE_FIELD = re.compile(r"^ranges\.(\d+)")


def takes_requests(window: dict, now: datetime) -> bool:
    """A request window whose families still send (or change) their times: open, before
    the deadline, the assignment not yet turned into first-come booking."""
    deadline = window.get("requests_deadline")
    return (window.get("booking_mode") in REQUEST_MODES and bool(deadline) and window.get("status") == "open"
            and not window.get("first_come_open") and _moment(deadline) > now)


def _moment(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def conference_request(form, children: list[dict], teachers: dict[str, list[str]]) -> tuple[dict, dict]:
    """The request form as a RequestIn body, and the problems the portal can see itself
    ({field: [message ids]}: 'students', 'range-<i>'). `teachers`: child id -> the
    teachers the family may choose (a child with one has no choice to make)."""
    chosen = set(form.getlist("student_id"))
    students, errors = [], {}
    for child in children:
        if child["id"] not in chosen:
            continue
        options = teachers.get(child["id"]) or []
        picked = clean(form.get(f"teacher_{child['id']}"))
        teacher = picked if picked in options else (options[0] if options else None)
        students.append({"student_id": child["id"], **({"teacher_id": teacher} if teacher else {})})
    if not students:
        errors["students"] = ["choose_child"]
    ranges = []
    for i in range(int(form.get("rows") or 0) if str(form.get("rows") or "").isdigit() else 0):
        on, start, end = (clean(form.get(f"range_{k}_{i}")) for k in ("date", "start", "end"))
        if not (on or start or end):
            continue
        row = f"range-{len(ranges)}"
        if not (on and start and end):
            errors.setdefault(row, []).append("incomplete")
        elif end <= start:
            errors.setdefault(row, []).append("end_before_start")
        ranges.append({"date": on, "start": start, "end": end})
    if not ranges:
        errors["range-0"] = ["no_time"]
    elif len(ranges) > MAX_RANGES:
        errors.setdefault(f"range-{MAX_RANGES}", []).append("too_many")
    body = {"students": students, "ranges": ranges,
            "modality": form.get("modality") if form.get("modality") in MODALITIES else "in_person",
            "private_talk": form.get("private_talk") == "yes"}
    lang = clean(form.get("interpreter_language"))
    if lang in INTERPRETER_LANGUAGES:
        body["interpreter_language"] = lang
    return body, errors


def request_values(saved: dict | None, form=None) -> dict:
    """The request form's values: what was just typed, else the stored request, with
    empty rows to add more times."""
    if form is not None and form.get("rows") is not None:
        rows = [{"date": clean(form.get(f"range_date_{i}")), "start": clean(form.get(f"range_start_{i}")),
                 "end": clean(form.get(f"range_end_{i}"))}
                for i in range(int(form["rows"]) if str(form["rows"]).isdigit() else 0)]
        rows = [r for r in rows if any(r.values())]
        values = {"students": form.getlist("student_id"), "modality": form.get("modality") or "in_person",
                  "interpreter_language": clean(form.get("interpreter_language")),
                  "private_talk": form.get("private_talk") == "yes",
                  "teachers": {k[len("teacher_"):]: v for k, v in form.items() if k.startswith("teacher_")}}
        extra = 1 if form.get("more") else 0
    else:
        saved = saved or {}
        rows = [{"date": str(r["date"]), "start": str(r["start"])[:5], "end": str(r["end"])[:5]}
                for r in saved.get("ranges") or []]
        values = {"students": [c["student_id"] for c in saved.get("students") or []],
                  "modality": saved.get("modality") or "in_person",
                  "interpreter_language": saved.get("interpreter_language") or "",
                  "private_talk": bool(saved.get("private_talk")),
                  "teachers": {c["student_id"]: c.get("teacher_id") for c in saved.get("students") or []}}
        extra = 0
    count = min(MAX_RANGES, max(MIN_RANGE_ROWS, len(rows) + 1 + extra))
    values["ranges"] = (rows + [{"date": "", "start": "", "end": ""}] * count)[:count]
    return values


def request_field(api_field: str) -> str:
    """The request form's field a scheduling error is about: 'ranges.1.end' -> 'range-1',
    'students.0.teacher_id' -> 'students'."""
    m = _RANGE_FIELD.match(api_field or "")
    if m:
        return f"range-{m.group(1)}"
    root = (api_field or "").split(".")[0]
    return root if root in ("students", "modality", "interpreter_language") else "form"


def range_problem(row: dict, days: list[dict]) -> str:
    """Why a time the scheduling service refused is wrong, as one of the form's message
    ids, from the window's days (the service's own words are English)."""
    day = next((d for d in days if str(d.get("date")) == row.get("date")), None)
    if not (row.get("date") and row.get("start") and row.get("end")):
        return "incomplete"
    if day is None:
        return "not_a_day"
    if row["end"] <= row["start"]:
        return "end_before_start"
    if row["end"] <= str(day["start"])[:5] or row["start"] >= str(day["end"])[:5]:
        return "outside_hours"
    return "check"


# -- staff ------------------------------------------------------------------------
def availability(form, window: dict) -> dict:
    ranges = []
    for day in window.get("days", []):
        on = str(day.get("date"))
        if form.get(f"off_{on}") == "yes":
            continue
        start, end = clean(form.get(f"start_{on}")), clean(form.get(f"end_{on}"))
        if start and end:
            ranges.append({"date": on, "start": start, "end": end})
    body = {"ranges": ranges}
    if clean(form.get("room")):
        body["room"] = clean(form.get("room"))
    return body


def _minutes(form, name: str, default: int) -> int | str:
    raw = clean(form.get(name))
    return default if raw == "" else (int(raw) if raw.isdigit() else raw)


def availability_field(api_field: str) -> str:
    """'ranges[2026-12-16][0]' -> 'day_2026-12-16' (the day's fieldset); 'room' -> 'room'."""
    m = re.match(r"^(?:ranges|breaks)\[(\d{4}-\d{2}-\d{2})\]", api_field or "")
    return f"day_{m.group(1)}" if m else ("room" if (api_field or "").startswith("room") else "form")


def window(form, school_tz: str | None, now: datetime | None = None) -> dict:
    """The new-window form. Booking times are entered in the school's local time; an
    empty cycle is named by the scheduling service after the first day."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(school_tz or "UTC")
    days = []
    for i in range(5):
        on = clean(form.get(f"day_{i}"))
        if on:
            days.append({"date": on, "start": clean(form.get(f"day_{i}_start")) or "15:00",
                         "end": clean(form.get(f"day_{i}_end")) or "19:00",
                         "evening": form.get(f"day_{i}_evening") == "yes"})

    def moment(name: str, fallback: datetime) -> str:
        raw = clean(form.get(name))
        try:
            return datetime.fromisoformat(raw).replace(tzinfo=zone).isoformat() if raw else fallback.isoformat()
        except ValueError:
            return raw
    now = now or datetime.now(timezone.utc)
    first_day = min((d["date"] for d in days), default=None)
    closes = (datetime.combine(date.fromisoformat(first_day), time(0), zone) if first_day
              else now + timedelta(days=14))
    body = {
        "school_id": clean(form.get("school_id")), "name": clean(form.get("name")) or None, "days": days,
        "slot_minutes": int(form.get("slot_minutes")) if form.get("slot_minutes", "").isdigit() else 20,
        "modality": form.get("modality") if form.get("modality") in MODALITIES else "in_person",
        "booking_opens_at": moment("booking_opens_at", now),
        "booking_closes_at": moment("booking_closes_at", closes),
        "policy": form.get("policy") if form.get("policy") in POLICIES else "per_household",
        "cancellation_cutoff_hours": int(form.get("cutoff") or 24) if (form.get("cutoff") or "24").isdigit() else 24,
        "travel_gap_minutes": _minutes(form, "travel_gap", TRAVEL_GAP),
        "max_idle_minutes": _minutes(form, "max_idle", LONGEST_WAIT),
    }
    if clean(form.get("cycle")):
        body["cycle"] = clean(form.get("cycle"))
    if form.get("booking_mode") in REQUEST_MODES:
        # Families say when they can come by the deadline; the school assigns the times.
        body["booking_mode"] = form["booking_mode"]
        body["requests_deadline"] = moment("requests_deadline", now) if clean(form.get("requests_deadline")) else None
    return {k: v for k, v in body.items() if v is not None}


WINDOW_FIELDS = {"name": "name", "cycle": "cycle", "slot_minutes": "slot_minutes", "modality": "modality",
                 "policy": "policy", "booking_opens_at": "booking_opens_at", "booking_closes_at": "booking_closes_at",
                 "cancellation_cutoff_hours": "cutoff", "travel_gap_minutes": "travel_gap",
                 "max_idle_minutes": "max_idle", "days": "day_0", "booking_mode": "booking_mode",
                 "requests_deadline": "requests_deadline"}
_DAY_FIELD = re.compile(r"^days\[(\d+)\](?:\.(date|start|end))?")


def window_field(api_field: str) -> str:
    """The form field a scheduling error is about: 'days[1].end' -> 'day_1_end'."""
    m = _DAY_FIELD.match(api_field or "")
    if m:
        return f"day_{m.group(1)}" + (f"_{m.group(2)}" if m.group(2) in ("start", "end") else "")
    return WINDOW_FIELDS.get((api_field or "").split(".")[0].split("[")[0], "name")
