"""School and district dashboards: pure counters, aggregation, CSV and HTML.

The reports worker keeps one *fact row* per student and conference cycle in its
read model, incremented from events; this module only adds them up::

    {"school_id", "school_name", "grade", "teacher_id", "teacher_name",
     "invitations_sent": int,      # invitation messages sent to the family
     "families_invited": 0 | 1,    # this student's family was invited
     "families_booked": 0 | 1, "conferences_held": 0 | 1, "no_shows": 0 | 1,
     "goals_set": int, "goals_on_track": int, "goals_needs_support": int,
     "goals_achieved": int, "followups_due": int, "followups_completed": int,
     "households_invited": {guardian ids}, "households_booked": {...},
     "households_held": {...}, "households_followed_up": {...}}

The counters above are per student (one conference per child). The ``households_*``
fields are sets of guardian ids (the family who gets the invitation and books): a group
counts each household once however many of its children are in it, and the total counts
each household once across groups. A household is "followed up" when the check-in that
answers the follow-up of one of its conferences came in. ``booking_rate`` is the share of
invited households that booked; ``participation_rate`` the share of invited students
whose conference was held. ``goal_counters(goals)`` derives the goal fields
from goal dicts (a goal's progress is its latest check-in, ``achieved`` if the goal
itself is achieved). Missing counter fields count as 0.

    summary = summarize(facts, by="school" | "grade" | "teacher" | "district" | (field, ...))
    to_csv(summary["rows"]) -> str
    render_dashboard_html(summary, lang="en") -> str
"""
from __future__ import annotations

import csv
import dataclasses
import io
import re
from typing import Any, Iterable, Mapping

from babel.lists import format_list
from babel.numbers import format_percent

from services.reports.adapters.rendering.charts import bar_chart_svg
from services.reports.adapters.rendering.html import environment, grade_words, normalize_lang, translations

COUNTERS = (
    "invitations_sent", "families_invited", "families_booked", "conferences_held",
    "no_shows", "goals_set", "goals_on_track", "goals_needs_support", "goals_achieved",
    "followups_due", "followups_completed",
)
HOUSEHOLDS = ("households_invited", "households_booked", "households_held", "households_followed_up")
# group-by presets: key fields first, then label fields carried along
GROUPINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "district": ((), ()),
    "school": (("school_id",), ("school_name",)),
    "grade": (("school_id", "grade"), ("school_name",)),
    "teacher": (("school_id", "teacher_id"), ("school_name", "teacher_name")),
}


@dataclasses.dataclass(slots=True)
class Counters:
    invitations_sent: int = 0
    families_invited: int = 0
    families_booked: int = 0
    conferences_held: int = 0
    no_shows: int = 0
    goals_set: int = 0
    goals_on_track: int = 0
    goals_needs_support: int = 0
    goals_achieved: int = 0
    followups_due: int = 0
    followups_completed: int = 0
    households: dict = dataclasses.field(default_factory=lambda: {h: set() for h in HOUSEHOLDS})

    def add(self, row: Mapping[str, Any]) -> "Counters":
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + int(row.get(name) or 0))
        for name in HOUSEHOLDS:
            value = row.get(name)
            if isinstance(value, (set, frozenset, list, tuple)):
                self.households[name].update(value)
        return self

    def merge(self, other: "Counters") -> "Counters":
        """Add another group: counters add up, households are counted once."""
        self.add({name: getattr(other, name) for name in COUNTERS})
        for name in HOUSEHOLDS:
            self.households[name] |= other.households[name]
        return self

    def as_dict(self) -> dict[str, int]:
        out = {name: getattr(self, name) for name in COUNTERS}
        out.update({name: len(ids) for name, ids in self.households.items()})
        return out


def participation_rate(c: Counters | Mapping[str, Any]) -> float:
    """Share of invited families (per student) whose conference was held, 0..1."""
    d = c.as_dict() if isinstance(c, Counters) else c
    invited = int(d.get("families_invited") or 0)
    return min(1.0, int(d.get("conferences_held") or 0) / invited) if invited else 0.0


def booking_rate(c: Counters | Mapping[str, Any]) -> float:
    """Share of invited households that booked at least one conference, 0..1."""
    d = c.as_dict() if isinstance(c, Counters) else c
    invited = int(d.get("households_invited") or 0)
    return min(1.0, int(d.get("households_booked") or 0) / invited) if invited else 0.0


def goal_counters(goals: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """goals_set / on_track / needs_support / achieved from goal dicts with check-ins."""
    out = {"goals_set": 0, "goals_on_track": 0, "goals_needs_support": 0, "goals_achieved": 0}
    for g in goals:
        out["goals_set"] += 1
        checkins = sorted(g.get("checkins") or [], key=lambda c: str(c.get("date")))
        status = "achieved" if g.get("status") == "achieved" else (
            checkins[-1].get("status") if checkins else None)
        if status in ("on_track", "needs_support", "achieved"):
            out[f"goals_{status}"] += 1
    return out


def _fields(by: str | tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(by, str):
        if by not in GROUPINGS:
            raise ValueError(f"unknown grouping {by!r}; use one of {sorted(GROUPINGS)}")
        return GROUPINGS[by]
    return tuple(by), ()


def aggregate(facts: Iterable[Mapping[str, Any]], by: str | tuple[str, ...] = "school"
              ) -> dict[tuple, tuple[dict[str, Any], Counters]]:
    """{key: (labels, Counters)} for each group; one pass, memory per group only."""
    keys, labels = _fields(by)
    groups: dict[tuple, tuple[dict[str, Any], Counters]] = {}
    for row in facts:
        key = tuple(row.get(k) for k in keys)
        if key not in groups:
            groups[key] = ({f: row.get(f) for f in keys + labels}, Counters())
        groups[key][1].add(row)
    return groups


_EARLY_GRADES = {"PK": -3, "TK": -2, "KG": -1}  # before grade 1, as schools list them


def _natural(value: Any) -> tuple:
    text = "" if value is None else str(value)
    if text.upper() in _EARLY_GRADES:
        return (0, _EARLY_GRADES[text.upper()], "")
    return (0, int(text), "") if text.isdigit() else (1, 0, text.casefold())


def summarize(facts: Iterable[Mapping[str, Any]], by: str | tuple[str, ...] = "school"
              ) -> dict[str, Any]:
    """Flat rows (labels + counters + participation_rate), sorted, plus a total row."""
    keys, labels = _fields(by)
    total = Counters()
    rows = []
    for label_values, counters in aggregate(facts, by).values():
        total.merge(counters)
        rows.append({**label_values, **counters.as_dict(),
                     "participation_rate": round(participation_rate(counters), 4),
                     "booking_rate": round(booking_rate(counters), 4)})
    rows.sort(key=lambda r: tuple(_natural(r.get(f)) for f in labels + keys))
    return {"by": by if isinstance(by, str) else list(by), "columns": list(keys + labels),
            "rows": rows, "total": {**total.as_dict(),
                                    "participation_rate": round(participation_rate(total), 4),
                                    "booking_rate": round(booking_rate(total), 4)}}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_AFTER_SEPARATOR = re.compile(r"[,;]\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")


def _csv_cell(value: Any) -> Any:
    """Spreadsheet formula injection (OWASP CSV Injection) from roster-supplied names: a
    text cell that starts like a formula, or would after a split on "," or ";", gets a
    leading apostrophe; every cell is also quoted (QUOTE_ALL in to_csv)."""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or _AFTER_SEPARATOR.search(value)):
        return "'" + value
    return value


def to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV with a header row; columns in first-seen order across all rows."""
    rows = list(rows)
    header: list[str] = []
    for row in rows:
        header += [k for k in row if k not in header]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    return buf.getvalue()


def row_label(row: Mapping[str, Any], lang: str = "en") -> str:
    _ = translations(normalize_lang(lang)).gettext
    parts = [row.get("school_name") or row.get("school_id") or ""]
    if row.get("teacher_id") is not None:
        parts.append(row.get("teacher_name") or str(row["teacher_id"]))
    if row.get("grade") is not None:
        parts.append(grade_words(row["grade"], normalize_lang(lang)))
    return " · ".join(str(p) for p in parts if p) or _("District")


def render_dashboard_html(summary: Mapping[str, Any], lang: str = "en",
                          title: str | None = None) -> str:
    lang = normalize_lang(lang)
    _ = translations(lang).gettext
    rows = [dict(r, label=row_label(r, lang)) for r in summary["rows"]]
    bars = [(r["label"], r.get("booking_rate") or 0.0) for r in rows]
    words = format_list([f"{label} {format_percent(rate, locale=lang)}" for label, rate in bars], locale=lang)
    chart = bar_chart_svg(
        bars, chart_id="participation", title=_("Invited households that booked a conference"),
        description=_("Invited households that booked a conference, by group: %(values)s.") % {"values": words})
    return environment(lang).get_template("dashboard.html").render(
        lang=lang, title=title or _("Conference participation and goal progress"),
        rows=rows, total=summary["total"], chart_svg=chart if rows else "")
