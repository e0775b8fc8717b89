"""Chart geometry for the dashboard (inline SVG drawn by templates/admin/_charts.html).
Each chart also has a data table, so screen readers and keyboards get the numbers.

Labels are never cut: the label column is as wide as the longest label needs (a
school's full name, "Grado 10", a teacher's name), up to a limit past which the label
wraps onto a second line."""
from __future__ import annotations

from services.portal.i18n import _, f_grade

BAR_HEIGHT, GAP, PLOT_WIDTH = 22, 10, 220
CHAR_WIDTH, MIN_LABEL, MAX_LABEL = 7.4, 90, 240  # px per character at 13px, label column bounds
GOAL_PARTS = (("goals_on_track", "#1c6b3a"), ("goals_needs_support", "#8a4b00"), ("goals_achieved", "#174f8c"))


def _label(row: dict) -> str:
    if row.get("teacher_name") or row.get("teacher_id"):
        return row.get("teacher_name") or row["teacher_id"]
    if row.get("grade"):
        return f_grade(row["grade"])
    return row.get("school_name") or row.get("school_id") or _("All")


def _lines(text: str, width: int) -> list[str]:
    """One line, or two split at a space when the label does not fit `width`."""
    if len(text) * CHAR_WIDTH <= width or " " not in text:
        return [text]
    words, first = text.split(), ""
    while words and len((first + " " + words[0]).strip()) * CHAR_WIDTH <= width:
        first = (first + " " + words.pop(0)).strip()
    return [first or words.pop(0), " ".join(words)] if words else [first]


def _layout(labels: list[str]) -> tuple[int, list[list[str]], int]:
    width = int(min(MAX_LABEL, max(MIN_LABEL, max((len(t) for t in labels), default=0) * CHAR_WIDTH + 12)))
    lines = [_lines(t, width - 12) for t in labels]
    bar = BAR_HEIGHT + (14 if any(len(ls) > 1 for ls in lines) else 0)
    return width, lines, bar


def _chart(data: dict, bar_of) -> dict:
    """What both charts share: a row per group with its label (wrapped as needed) and its
    place, the label column's width and the chart's height; `bar_of(row)` adds what the
    row's bar shows."""
    groups = data.get("rows") or []
    labels = [_label(row) for row in groups]
    width, lines, bar = _layout(labels)
    rows = [{"label": lines[i], "full": labels[i], **bar_of(row), "y": i * (bar + GAP)} for i, row in enumerate(groups)]
    return {"rows": rows, "height": max(1, len(rows)) * (bar + GAP), "label_width": width,
            "plot_width": PLOT_WIDTH, "bar_height": bar}


def participation(data: dict) -> dict:
    """Bars of the share of invited households that booked (what the caption says)."""
    def bar_of(row: dict) -> dict:
        rate = float(row.get("booking_rate") or 0.0)
        return {"rate": rate, "pct": round(rate * 100), "booked": int(row.get("households_booked") or 0),
                "invited": int(row.get("households_invited") or 0), "width": round(PLOT_WIDTH * min(rate, 1.0))}

    return _chart(data, bar_of)


def goal_progress(data: dict) -> dict:
    """Stacked bars of the goals by their latest check-in, scaled to the group with most."""
    biggest = max([sum(int(r.get(k) or 0) for k, _c in GOAL_PARTS) for r in data.get("rows") or []] + [1])

    def bar_of(row: dict) -> dict:
        x, parts = 0, []
        for key, color in GOAL_PARTS:
            n = int(row.get(key) or 0)
            w = round(PLOT_WIDTH * n / biggest)
            parts.append({"key": key, "n": n, "x": x, "width": w, "color": color})
            x += w
        return {"parts": parts}

    return {**_chart(data, bar_of), "colors": dict(GOAL_PARTS)}
