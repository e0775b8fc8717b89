"""Gradebook files: OneRoster 1.2's gradebook CSVs, and a plain CSV for schools without a
gradebook export, read into ``GradebookRecords`` with file / line / column errors.

OneRoster 1.2 (listed in the bundle's manifest like the roster files, bulk or delta):

    categories.csv                     sourcedId, title[, weight]
    scoreScales.csv                    sourcedId, title, scoreScaleValue[, type]
                                       scoreScaleValue: "value:label" pairs, comma separated
                                       ("1:Beginning,2:Developing,3:Secure,4:Beyond")
    lineItems.csv                      sourcedId, title, classSourcedId[, categorySourcedId,
                                       assignDate, dueDate, resultValueMin, resultValueMax,
                                       schoolSourcedId]
    lineItemScoreScales.csv            lineItemSourcedId, scoreScaleSourcedId
    lineItemLearningObjectiveIds.csv   lineItemSourcedId, learningObjectiveId[, source]
    results.csv                        sourcedId, lineItemSourcedId, studentSourcedId, scoreDate
                                       [, score, textScore, scoreStatus]
    resultLearningObjectiveIds.csv     resultSourcedId, learningObjectiveId[, score]

Plain CSV (one file, always added to what is stored, never removing):

    student, standard, date, score, scale[, title]      scale: "min-max", e.g. "1-4"

Reference checks that need the roster or the stored gradebook (a result's student, a
line item's class, a result's line item sent in an earlier import) are in
``check_references``, run by the importer once the roster part is planned.
"""
from __future__ import annotations

import hashlib

import re
from dataclasses import replace
from pathlib import Path

from services.roster.domain.gradebook import (
    Category, GradebookRecords, LineItem, Result, Scale, score_problem)
from services.roster.domain.ids import confer_id
from services.roster.adapters.oneroster.files import Source, decode, parse_table
from services.roster.adapters.oneroster.rows import Row
from services.roster.domain.vocabulary import RowError

CATEGORIES, SCALES, LINE_ITEMS, RESULTS = "categories.csv", "scoreScales.csv", "lineItems.csv", "results.csv"
ITEM_SCALES, ITEM_OBJECTIVES = "lineItemScoreScales.csv", "lineItemLearningObjectiveIds.csv"
RESULT_OBJECTIVES = "resultLearningObjectiveIds.csv"
FILES = (CATEGORIES, SCALES, LINE_ITEMS, ITEM_SCALES, ITEM_OBJECTIVES, RESULTS, RESULT_OBJECTIVES)
REQUIRED = {
    CATEGORIES: ("sourcedId", "title"),
    SCALES: ("sourcedId", "title", "scoreScaleValue"),
    LINE_ITEMS: ("sourcedId", "title", "classSourcedId"),
    ITEM_SCALES: ("lineItemSourcedId", "scoreScaleSourcedId"),
    ITEM_OBJECTIVES: ("lineItemSourcedId", "learningObjectiveId"),
    RESULTS: ("sourcedId", "lineItemSourcedId", "studentSourcedId", "scoreDate"),
    RESULT_OBJECTIVES: ("resultSourcedId", "learningObjectiveId"),
}
KIND_OF = {SCALES: "gb_scales", CATEGORIES: "gb_categories", LINE_ITEMS: "gb_line_items", RESULTS: "gb_results"}
PLAIN_COLUMNS = ("student", "standard", "date", "score", "scale")
_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-|to|–)\s*(-?\d+(?:\.\d+)?)\s*$")


class Loaded:
    """Records as the files name them (SIS ids), where each came from, and the errors."""

    def __init__(self):
        self.records = GradebookRecords()
        self.errors: list[RowError] = []
        self.where: dict[tuple[str, str], tuple[str, int]] = {}  # (kind, sourcedId) -> (file, line)
        self.plain = False

    def error(self, kind: str, sid: str, column: str | None, reason: str) -> None:
        file, line = self.where.get((kind, sid), (None, None))
        self.errors.append(RowError(file or kind, line, column, reason))

    def drop(self, kind: str, sid: str) -> None:
        attr = {"gb_scales": "scales", "gb_categories": "categories", "gb_line_items": "line_items",
                "gb_results": "results"}[kind]
        getattr(self.records, attr).pop(sid, None)


def gradebook_listed(mode: dict[str, str]) -> bool:
    return any(mode.get(f, "absent") != "absent" for f in FILES)


def load_gradebook(path: str | Path, version: str | None, mode: dict[str, str]) -> Loaded:
    """The gradebook files of a OneRoster bundle whose manifest (already read: `mode`)
    lists any. The manifest's own checks (a listed file missing) are the roster loader's."""
    out = Loaded()
    if not gradebook_listed(mode):
        return out
    if version != "1.2":
        out.errors.append(RowError("manifest.csv", None, "oneroster.version",
                                   "gradebook files need OneRoster 1.2"))
        return out
    source = Source(path, out.errors)
    tables = {}
    for name in FILES:
        if mode.get(name, "absent") == "absent" or source.read(name) is None:
            continue
        table = parse_table(name, decode(name, source.read(name), out.errors), REQUIRED[name], out.errors)
        if table is not None:
            tables[name] = table
    out.records.bulk = frozenset(KIND_OF[f] for f in KIND_OF if mode.get(f) == "bulk" and f in tables)
    _read_scales(out, tables.get(SCALES))
    _read_categories(out, tables.get(CATEGORIES))
    links = _links(out, tables.get(ITEM_SCALES), "lineItemSourcedId", "scoreScaleSourcedId")
    objectives = _links(out, tables.get(ITEM_OBJECTIVES), "lineItemSourcedId", "learningObjectiveId")
    _read_line_items(out, tables.get(LINE_ITEMS), links, objectives)
    result_objectives = _result_objectives(out, tables.get(RESULT_OBJECTIVES))
    _read_results(out, tables.get(RESULTS), result_objectives)
    # A link row names a record of this import (a link cannot change a record it does not resend).
    for found, records, column, what in ((links, out.records.line_items, "lineItemSourcedId", "line item"),
                                         (objectives, out.records.line_items, "lineItemSourcedId", "line item"),
                                         (result_objectives, out.records.results, "resultSourcedId", "result")):
        for sid, rows in found.items():
            if sid not in records and sid not in _rejected(out, what):
                for _value, file, line in rows:
                    out.errors.append(RowError(file, line, column, f"unknown {what} {sid!r} (not in this import)"))
    return out


def _rejected(out: Loaded, what: str) -> set[str]:
    """Records whose own row had an error (already reported)."""
    kind = "gb_line_items" if what == "line item" else "gb_results"
    return {sid for (k, sid) in out.where if k == kind}


def _each(out: Loaded, table, kind: str | None):
    if table is None:
        return
    first: dict[str, int] = {}
    for line, values in table.rows:
        row = Row(table.name, line, values, out.errors)
        if kind is not None:
            sid = row.text("sourcedId", required=True)
            if sid is None:
                continue
            if sid in first:
                row.error("sourcedId", f"duplicate sourcedId {sid!r} (first on line {first[sid]})")
                continue
            first[sid] = line
            out.where[(kind, sid)] = (table.name, line)
        yield row


def _number(row: Row, column: str, required: bool = False) -> float | None:
    value = row.text(column, required)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        row.error(column, f"not a number: {value!r}")
        return None


def _read_scales(out: Loaded, table) -> None:
    for row in _each(out, table, "gb_scales"):
        values = []
        for part in (row.text("scoreScaleValue", required=True) or "").strip("[]{}").split(","):
            if not part.strip():
                continue
            value, _, label = part.partition(":")
            try:
                values.append((float(value.strip().strip("{}")), label.strip().strip("{}")))
            except ValueError:
                row.error("scoreScaleValue", f"{part.strip()!r} is not 'score:label' with a numeric score")
        active = row.active()
        if row.ok:
            out.records.scales[row.sourced_id] = Scale(row.sourced_id, row.text("title") or "",
                                                       row.text("type") or "", tuple(sorted(values)), active=active)


def _read_categories(out: Loaded, table) -> None:
    for row in _each(out, table, "gb_categories"):
        weight, active = _number(row, "weight"), row.active()
        if row.ok:
            out.records.categories[row.sourced_id] = Category(row.sourced_id, row.text("title") or "", weight,
                                                              active=active)


def _links(out: Loaded, table, key: str, value: str) -> dict[str, list[tuple[str, str, int]]]:
    links: dict[str, list[tuple[str, str, int]]] = {}
    for row in _each(out, table, None):
        k, v = row.text(key, required=True), row.text(value, required=True)
        if row.ok and row.active():
            links.setdefault(k, []).append((v, row.file, row.line))
    return links


def _read_line_items(out: Loaded, table, scales, objectives) -> None:
    for row in _each(out, table, "gb_line_items"):
        sid = row.sourced_id
        title, klass = row.text("title", required=True), row.text("classSourcedId", required=True)
        assign, due = row.date("assignDate"), row.date("dueDate")
        low, high = _number(row, "resultValueMin"), _number(row, "resultValueMax")
        if low is not None and high is not None and low > high:
            row.error("resultValueMax", f"resultValueMax {high} is below resultValueMin {low}")
        linked = scales.get(sid, [])
        if len(linked) > 1:
            file, line = linked[1][1], linked[1][2]
            out.errors.append(RowError(file, line, "scoreScaleSourcedId", f"line item {sid!r} has more than one "
                                                                         f"score scale"))
        active = row.active()
        if row.ok:
            out.records.line_items[sid] = LineItem(
                sid, title or "", klass, row.text("schoolSourcedId"), row.text("categorySourcedId"),
                linked[0][0] if linked else None, low, high,
                tuple(dict.fromkeys(o for o, _, _ in objectives.get(sid, []))), assign, due, active=active)


def _result_objectives(out: Loaded, table) -> dict[str, list[tuple[tuple[str, float | None], str, int]]]:
    found: dict[str, list[tuple[tuple[str, float | None], str, int]]] = {}
    for row in _each(out, table, None):
        rid, objective = row.text("resultSourcedId", required=True), row.text("learningObjectiveId", required=True)
        score = _number(row, "score")
        if row.ok and row.active():
            found.setdefault(rid, []).append(((objective, score), row.file, row.line))
    return found


def _read_results(out: Loaded, table, objectives) -> None:
    for row in _each(out, table, "gb_results"):
        sid = row.sourced_id
        item, student = row.text("lineItemSourcedId", required=True), row.text("studentSourcedId", required=True)
        day, score = row.date("scoreDate", required=True), _number(row, "score")
        active = row.active()
        if row.ok:
            out.records.results[sid] = Result(sid, item, student, score, day, row.text("textScore"),
                                              row.text("scoreStatus"), tuple(v for v, _, _ in objectives.get(sid, ())),
                                              active=active)


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def load_plain_csv(path: str | Path) -> Loaded:
    """A plain results CSV (student, standard, date, score, scale[, title]): each standard
    becomes a line item of that scale, each row a result."""
    out = Loaded()
    out.plain = True
    path = Path(path)
    if not path.is_file():
        out.errors.append(RowError(path.name, None, None, "no such file"))
        return out
    name = path.name
    table = parse_table(name, decode(name, path.read_bytes(), out.errors), PLAIN_COLUMNS, out.errors)
    if table is None:
        return out
    first: dict[str, int] = {}
    for line, values in table.rows:
        row = Row(name, line, values, out.errors)
        student, standard = row.text("student", required=True), row.text("standard", required=True)
        day, score = row.date("date", required=True), _number(row, "score", required=True)
        scale_text = row.text("scale", required=True) or ""
        match = _RANGE.match(scale_text)
        if scale_text and match is None:
            row.error("scale", f"scale must be a range such as 1-4 or 0-100, not {scale_text!r}")
        if not row.ok:
            continue
        low, high = sorted((float(match.group(1)), float(match.group(2))))
        scale_id = f"range-{match.group(1)}-{match.group(2)}"
        # One line item per assessment, as in a gradebook export: a titled row's title names
        # its assessment (two quizzes on one standard stay two, each with its own title);
        # untitled rows of a standard and scale share one.
        title = row.text("title")
        item_id = f"std-{standard}-{scale_id}" + (f"-{_short_hash(title)}" if title else "")
        result_id = f"res-{student}-{item_id}-{day.isoformat()}"
        if result_id in first:
            row.error(None, f"a second score for {student!r} on {standard!r} on {day} (first on line "
                            f"{first[result_id]})")
            continue
        first[result_id] = line
        out.where[("gb_results", result_id)] = (name, line)
        out.where.setdefault(("gb_line_items", item_id), (name, line))
        out.records.scales.setdefault(scale_id, Scale(scale_id, scale_text, "range", (), low, high))
        out.records.line_items.setdefault(item_id, LineItem(item_id, title or standard, None, None,
                                                            scale_id=scale_id, objective_ids=(standard,)))
        out.records.results[result_id] = Result(result_id, item_id, student, score, day)
    return out


def check_references(loaded: Loaded, district_id: str, state: dict) -> None:
    """Errors for what the files point at but neither they nor the store hold: a
    result's student (an active student of the roster after this import), a line item's
    class, a result's line item, a line item's scale or category; and scores off their
    scale. A bad row is left out (a partial import skips it). `state`: the roster and
    stored gradebook as they will be after the import."""
    rec = loaded.records
    people, classes = state.get("people", {}), state.get("classes", {})

    def stored(kind: str, sid: str | None):
        doc = state.get(kind, {}).get(confer_id(district_id, sid)) if sid else None
        return doc if doc is not None and doc.get("active", True) else None

    for sid, item in list(rec.line_items.items()):
        bad = []
        if item.class_id and not (classes.get(confer_id(district_id, item.class_id)) or {}).get("active", False):
            bad.append(("classSourcedId", f"unknown class {item.class_id!r}"))
        if item.scale_id and item.scale_id not in rec.scales and not stored("gb_scales", item.scale_id):
            bad.append(("scoreScaleSourcedId", f"unknown score scale {item.scale_id!r}"))
        if item.category_id and item.category_id not in rec.categories and not stored("gb_categories",
                                                                                      item.category_id):
            bad.append(("categorySourcedId", f"unknown category {item.category_id!r}"))
        for column, reason in bad:
            loaded.error("gb_line_items", sid, column, reason)
        if bad:
            loaded.drop("gb_line_items", sid)
    for sid, result in list(rec.results.items()):
        bad = []
        student = people.get(confer_id(district_id, result.student_id))
        if student is None or student.get("kind") != "student" or not student.get("active", True):
            bad.append(("studentSourcedId" if not loaded.plain else "student",
                        f"{result.student_id!r} is not a student in the roster"))
        item = rec.line_items.get(result.line_item_id)
        item_doc = None if item else stored("gb_line_items", result.line_item_id)
        if item is None and item_doc is None:
            bad.append(("lineItemSourcedId", f"unknown line item {result.line_item_id!r}"))
        else:
            if item is None:  # a line item sent in an earlier import
                item = LineItem(result.line_item_id, item_doc.get("title", ""), None, None,
                                scale_id=_raw(item_doc.get("scale_id")), value_min=item_doc.get("value_min"),
                                value_max=item_doc.get("value_max"))
            scale = rec.scales.get(item.scale_id) if item.scale_id else None
            if scale is None and item.scale_id:
                doc = stored("gb_scales", item.scale_id) or {}
                scale = Scale(item.scale_id, doc.get("title", ""), values=tuple(
                    (v["value"], v["label"]) for v in doc.get("values", ())), minimum=doc.get("minimum"),
                    maximum=doc.get("maximum"))
            for score in (result.score, *(s for _, s in result.objective_scores)):
                problem = score_problem(score, item, scale)
                if problem:
                    bad.append(("score", problem))
                    break
        for column, reason in bad:
            loaded.error("gb_results", sid, column, reason)
        if bad:
            loaded.drop("gb_results", sid)


def _raw(confer: str | None) -> str | None:
    return confer.split("~", 1)[1] if confer and "~" in confer else confer


def scoped(records: GradebookRecords, district_id: str) -> GradebookRecords:
    """The records under Confer ids (the district's namespace, see ids.py)."""
    def c(sid):
        return confer_id(district_id, sid) if sid else sid

    return GradebookRecords(
        scales={c(k): replace(v, id=c(v.id)) for k, v in records.scales.items()},
        categories={c(k): replace(v, id=c(v.id)) for k, v in records.categories.items()},
        line_items={c(k): replace(v, id=c(v.id), class_id=c(v.class_id), school_id=c(v.school_id),
                                  category_id=c(v.category_id), scale_id=c(v.scale_id))
                    for k, v in records.line_items.items()},
        results={c(k): replace(v, id=c(v.id), line_item_id=c(v.line_item_id), student_id=c(v.student_id))
                 for k, v in records.results.items()},
        bulk=records.bulk)
