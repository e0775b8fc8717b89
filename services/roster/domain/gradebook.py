"""Pure gradebook rules: scales, the documents a gradebook import writes, what it
changes, the events it causes, and a student's own learning summary.

No I/O. Records arrive normalised (``GradebookRecords``, ids already district-scoped
Confer ids); stored state is ``{kind: {id: document}}`` as ``repository.load_state``
reads it. Like the roster's own kinds, every document carries a content
``fingerprint``, so planning an identical import again writes nothing and emits nothing.

The learning summary looks at one student's own results only (no ranking, no class
average): each standard's latest level on its scale, and how it moved since the first
result, decide its strengths and its areas to grow.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

# Confer kind -> stored collection (see repository.COLLECTIONS), applied in this order.
GRADEBOOK_KINDS = ("gb_scales", "gb_categories", "gb_line_items", "gb_results")

STRONG_LEVEL = 0.75   # at or above three quarters of the scale: secure
GROW_LEVEL = 0.5      # below half of the scale: an area to grow
GREW_BY = 0.25        # a quarter of the scale gained since the first result: a strength
MAX_LISTED = 3        # strengths / areas named in a data talk (a few, not a list of faults)


@dataclass(frozen=True)
class Scale:
    id: str
    title: str
    type: str = ""
    values: tuple[tuple[float, str], ...] = ()  # (score, label); empty = any score in [minimum, maximum]
    minimum: float | None = None
    maximum: float | None = None
    active: bool = True

    @property
    def low(self) -> float | None:
        return min(v for v, _ in self.values) if self.values else self.minimum

    @property
    def high(self) -> float | None:
        return max(v for v, _ in self.values) if self.values else self.maximum


@dataclass(frozen=True)
class Category:
    id: str
    title: str
    weight: float | None = None
    active: bool = True


@dataclass(frozen=True)
class LineItem:
    id: str
    title: str
    class_id: str | None
    school_id: str | None
    category_id: str | None = None
    scale_id: str | None = None
    value_min: float | None = None
    value_max: float | None = None
    objective_ids: tuple[str, ...] = ()
    assign_date: date | None = None
    due_date: date | None = None
    active: bool = True


@dataclass(frozen=True)
class Result:
    id: str
    line_item_id: str
    student_id: str
    score: float | None
    date: date
    text_score: str | None = None
    score_status: str | None = None
    objective_scores: tuple[tuple[str, float | None], ...] = ()  # resultLearningObjectiveIds
    active: bool = True


@dataclass
class GradebookRecords:
    scales: dict[str, Scale] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    line_items: dict[str, LineItem] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    bulk: frozenset[str] = frozenset()  # kinds sent in bulk: a stored record missing from them ends

    @property
    def empty(self) -> bool:
        return not (self.scales or self.categories or self.line_items or self.results or self.bulk)


# -- scales --------------------------------------------------------------------
def score_problem(score: float | None, item: LineItem | None, scale: Scale | None) -> str | None:
    """Why a score does not fit its line item's scale (None if it fits)."""
    if score is None:
        return None
    if scale is not None and scale.values and score not in {v for v, _ in scale.values}:
        allowed = ", ".join(_num(v) for v, _ in scale.values)
        return f"score {_num(score)} is not on scale {scale.title or scale.id!r} ({allowed})"
    low = _first(item.value_min if item else None, scale.low if scale else None)
    high = _first(item.value_max if item else None, scale.high if scale else None)
    if (low is not None and score < low) or (high is not None and score > high):
        return f"score {_num(score)} is outside its scale ({_num(low)} to {_num(high)})"
    return None


def bounds(item: dict | None, scale: dict | None) -> tuple[float | None, float | None]:
    """The (low, high) of a stored line item's results: its own range, else its scale's."""
    item, scale = item or {}, scale or {}
    return (_first(item.get("value_min"), scale.get("minimum")),
            _first(item.get("value_max"), scale.get("maximum")))


def _first(*values):
    return next((v for v in values if v is not None), None)


def _num(value) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else str(value)


# -- documents -------------------------------------------------------------------
def _fingerprint(kind: str, content: dict) -> str:
    text = json.dumps([kind, content], sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _doc(kind: str, record_id: str, district_id: str, school_id: str | None, active: bool, content: dict,
         sourced_id: str) -> dict:
    return {"_id": record_id, "district_id": district_id, "school_id": school_id, "active": active,
            "fingerprint": _fingerprint(kind, {**content, "school_id": school_id}), "sourced_id": sourced_id,
            **content}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def target_docs(records: GradebookRecords, district_id: str, state: dict, sourced) -> dict[str, dict[str, dict]]:
    """The documents the import's records stand for. `state` is the roster after the
    import (a line item's school is its class's; a result's, its student's); `sourced`
    maps a Confer id back to the SIS's id."""
    classes, people = state.get("classes", {}), state.get("people", {})
    out: dict[str, dict[str, dict]] = {kind: {} for kind in GRADEBOOK_KINDS}
    for s in records.scales.values():
        out["gb_scales"][s.id] = _doc("gb_scales", s.id, district_id, None, s.active, {
            "title": s.title, "type": s.type, "values": [{"value": v, "label": lab} for v, lab in s.values],
            "minimum": s.low, "maximum": s.high}, sourced(s.id))
    for c in records.categories.values():
        out["gb_categories"][c.id] = _doc("gb_categories", c.id, district_id, None, c.active,
                                          {"title": c.title, "weight": c.weight}, sourced(c.id))
    for i in records.line_items.values():
        school = i.school_id or (classes.get(i.class_id) or {}).get("school_id")
        out["gb_line_items"][i.id] = _doc("gb_line_items", i.id, district_id, school, i.active, {
            "title": i.title, "class_id": i.class_id, "category_id": i.category_id, "scale_id": i.scale_id,
            "value_min": i.value_min, "value_max": i.value_max, "objective_ids": list(i.objective_ids),
            "assign_date": _iso(i.assign_date), "due_date": _iso(i.due_date)}, sourced(i.id))
    for r in records.results.values():
        school = (people.get(r.student_id) or {}).get("school_id")
        item = records.line_items.get(r.line_item_id)
        out["gb_results"][r.id] = _doc("gb_results", r.id, district_id, school, r.active, {
            "line_item_id": r.line_item_id, "student_id": r.student_id,
            "class_id": item.class_id if item else None, "score": r.score, "text_score": r.text_score,
            "score_status": r.score_status, "date": r.date.isoformat(),
            "objective_scores": [{"objective_id": o, "score": s} for o, s in r.objective_scores]}, sourced(r.id))
    return out


@dataclass(frozen=True)
class GradebookWrite:
    kind: str
    id: str
    before: dict | None
    after: dict


def plan_writes(before: dict, targets: dict, bulk: frozenset[str]) -> list[GradebookWrite]:
    """Documents to write: new, changed or reactivated records, and (for kinds sent in
    bulk) stored active records the import no longer lists, deactivated."""
    writes = []
    for kind in GRADEBOOK_KINDS:
        stored = before.get(kind, {})
        for rid, doc in targets.get(kind, {}).items():
            old = stored.get(rid)
            if old is None:
                if doc["active"]:
                    writes.append(GradebookWrite(kind, rid, None, doc))
            elif old.get("fingerprint") != doc["fingerprint"] or bool(old.get("active", True)) != doc["active"]:
                writes.append(GradebookWrite(kind, rid, old, doc))
        if kind in bulk:
            for rid, old in stored.items():
                if old.get("active", True) and rid not in targets.get(kind, {}):
                    gone = {k: v for k, v in old.items() if k not in ("import_id", "prev")}
                    writes.append(GradebookWrite(kind, rid, old, {**gone, "active": False}))
    return writes


# -- events ----------------------------------------------------------------------
def result_events(before: dict, after: dict) -> list[tuple[str, dict, str, str | None]]:
    """(name, data, subject, school) of the gradebook's events: one private
    GradebookResultRecorded per new or changed active result and learning objective,
    then one public GradebookResultsImported per class (ids and counts)."""
    items, scales = after.get("gb_line_items", {}), after.get("gb_scales", {})
    old_items = before.get("gb_line_items", {})
    out, per_class = [], {}
    for rid, doc in sorted(after.get("gb_results", {}).items()):
        if not doc.get("active", True) or not doc.get("school_id") or (
                doc.get("score") is None and not doc.get("objective_scores")):
            continue  # nothing to announce (events need the student's school)
        old = before.get("gb_results", {}).get(rid)
        if old is not None and old.get("active", True) and _result_view(old) == _result_view(doc):
            continue
        item = items.get(doc["line_item_id"]) or {}
        scale = scales.get(item.get("scale_id")) or {}
        low, high = bounds(item, scale)
        key = (doc.get("school_id"), doc.get("class_id"))
        counts = per_class.setdefault(key, {"results": 0, "students": set()})
        counts["results"] += 1
        counts["students"].add(doc["student_id"])
        for objective, score in _scores(doc, item):
            if score is None:
                continue
            out.append(("GradebookResultRecorded", {
                "result_id": rid, "student_id": doc["student_id"], "school_id": doc.get("school_id"),
                "class_id": doc.get("class_id"), "line_item_id": doc["line_item_id"],
                "learning_objective_id": objective, "date": doc["date"], "score": float(score),
                "scale_id": item.get("scale_id"), "scale_min": low, "scale_max": high,
                "scale_title": scale.get("title")}, doc["student_id"], doc.get("school_id")))
    changed_items = {}
    for iid, doc in after.get("gb_line_items", {}).items():
        old = old_items.get(iid)
        if doc.get("active", True) and (old is None or old.get("fingerprint") != doc.get("fingerprint")):
            k = (doc.get("school_id"), doc.get("class_id"))
            changed_items[k] = changed_items.get(k, 0) + 1
    for key in sorted(set(per_class) | set(changed_items), key=lambda k: (k[0] or "", k[1] or "")):
        school, klass = key
        if not school:
            continue
        counts = per_class.get(key, {"results": 0, "students": set()})
        out.append(("GradebookResultsImported", {
            "school_id": school, "class_id": klass, "line_item_count": changed_items.get(key, 0),
            "result_count": counts["results"], "student_count": len(counts["students"])}, klass or school, school))
    return out


def _result_view(doc: dict) -> tuple:
    """What a goal can see of a result: its scores and date."""
    return (doc.get("score"), doc.get("date"), doc.get("line_item_id"),
            tuple((o["objective_id"], o["score"]) for o in doc.get("objective_scores", ())))


def _scores(result: dict, item: dict) -> list[tuple[str | None, float | None]]:
    """(learning objective, score) pairs of a result: its own per-objective scores if the
    gradebook sent them, else its score for each of its line item's objectives."""
    if result.get("objective_scores"):
        return [(o["objective_id"], o["score"] if o["score"] is not None else result.get("score"))
                for o in result["objective_scores"]]
    objectives = item.get("objective_ids") or [None]
    return [(o, result.get("score")) for o in objectives]


# -- a student's own learning ------------------------------------------------------
@dataclass(frozen=True)
class Point:
    date: date
    score: float
    line_item_id: str
    title: str


@dataclass(frozen=True)
class Area:
    """A standard / learning target with the student's results on it over time."""
    objective_id: str
    title: str
    low: float | None
    high: float | None
    scale_title: str | None
    points: tuple[Point, ...]

    def level(self, score: float) -> float | None:
        if self.low is None or self.high is None or self.high == self.low:
            return None
        return (score - self.low) / (self.high - self.low)

    @property
    def latest(self) -> Point:
        return self.points[-1]

    @property
    def change(self) -> float | None:
        """How far the latest result moved from the first one, as a share of the scale."""
        first, last = self.level(self.points[0].score), self.level(self.latest.score)
        return None if first is None or last is None or len(self.points) < 2 else round(last - first, 4)


@dataclass(frozen=True)
class Learning:
    areas: tuple[Area, ...]
    strengths: tuple[str, ...]       # objective ids, strongest first
    areas_to_grow: tuple[str, ...]   # objective ids, most room to grow first


def learning_summary(results: list[dict], items: dict[str, dict], scales: dict[str, dict],
                     as_of: date) -> Learning:
    """A student's results up to `as_of`, per standard, with strengths and areas to grow.

    A strength: the latest result is at least three quarters of the way up its scale, or
    it grew by a quarter of the scale since the first. An area to grow: the latest is
    below half of the scale (so real growth from a low start is both). Only the student's own
    results count; a standard without a scale is shown but judged neither way."""
    series: dict[str, list[Point]] = {}
    meta: dict[str, tuple[str, float | None, float | None, str | None]] = {}
    for doc in results:
        day = date.fromisoformat(doc["date"])
        if not doc.get("active", True) or day > as_of:
            continue
        item = items.get(doc["line_item_id"]) or {}
        scale = scales.get(item.get("scale_id")) or {}
        low, high = bounds(item, scale)
        for objective, score in _scores(doc, item):
            if score is None:
                continue
            key = objective or f"line-item:{doc['line_item_id']}"
            series.setdefault(key, []).append(Point(day, float(score), doc["line_item_id"], item.get("title", "")))
            meta.setdefault(key, (objective or item.get("title") or doc["line_item_id"], low, high, scale.get("title")))
    areas = tuple(Area(k, meta[k][0], meta[k][1], meta[k][2], meta[k][3],
                       tuple(sorted(pts, key=lambda p: (p.date, p.line_item_id))))
                  for k, pts in sorted(series.items()))
    strong, grow = [], []
    for area in areas:
        level, change = area.level(area.latest.score), area.change
        if level is None:
            continue
        if level >= STRONG_LEVEL or (change is not None and change >= GREW_BY):
            strong.append((-(level + (change or 0)), area.objective_id))
        if level < GROW_LEVEL:  # a win to celebrate may still be the place to grow next
            grow.append((level, area.objective_id))
    return Learning(areas, tuple(i for _, i in sorted(strong)[:MAX_LISTED]),
                    tuple(i for _, i in sorted(grow)[:MAX_LISTED]))
