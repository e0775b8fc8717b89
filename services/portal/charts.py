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


# -- a student's results on one standard over time (the "my learning" page) ----------
LW, LH = 360, 190                      # the line chart's box (viewBox units)
L_LEFT, L_RIGHT, L_TOP, L_BOTTOM = 40, 18, 14, 34
L_PAD = 12                             # keeps the first and last point off the axes


def _num(value: float) -> str:
    return f"{value:g}"


def learning(area: dict, day_label) -> dict:
    """Geometry of one standard's line chart: the student's own results over time, on
    the standard's scale (its bottom to its top, so a 2 of 4 looks like one) when the
    gradebook names one, else from the lowest to the highest result. x is proportional
    to time. `day_label(date)` writes a date for the axis (the page's language).
    Nothing else is drawn: no class average, no one else's results."""
    points = area.get("points") or []
    scores = [float(p["score"]) for p in points]
    low = float(area["scale_min"]) if area.get("scale_min") is not None else min(scores, default=0.0)
    high = float(area["scale_max"]) if area.get("scale_max") is not None else max(scores, default=1.0)
    low, high = min([low, *scores]), max([high, *scores])  # a score off the scale still shows
    if high == low:
        high = low + 1
    plot_w, plot_h = LW - L_LEFT - L_RIGHT, LH - L_TOP - L_BOTTOM
    days = [_ordinal(p["date"]) for p in points]
    if days and max(days) > min(days):
        xs = [L_LEFT + L_PAD + (plot_w - 2 * L_PAD) * (d - min(days)) / (max(days) - min(days)) for d in days]
    else:  # one day (or one result): side by side in the middle
        xs = [L_LEFT + plot_w * (i + 0.5) / max(len(points), 1) for i in range(len(points))]
    ys = [L_TOP + plot_h * (1 - (s - low) / (high - low)) for s in scores]
    ticks = [{"y": round(L_TOP + plot_h * (1 - (t - low) / (high - low)), 1), "text": _num(t)}
             for t in sorted({low, (low + high) / 2, high})]
    dots = [{"x": round(x, 1), "y": round(y, 1), "score": _num(s), "date": p["date"]}
            for x, y, s, p in zip(xs, ys, scores, points)]
    # date labels under the first and the last result only: more would overlap on a phone
    labels = [{"x": dots[0]["x"], "text": day_label(points[0]["date"]), "anchor": "start"}] if dots else []
    if len(dots) > 1 and points[-1]["date"] != points[0]["date"]:
        labels.append({"x": dots[-1]["x"], "text": day_label(points[-1]["date"]), "anchor": "end"})
    return {"width": LW, "height": LH, "left": L_LEFT, "right": LW - L_RIGHT, "top": L_TOP,
            "bottom": L_TOP + plot_h, "ticks": ticks, "dots": dots, "labels": labels,
            "line": " ".join(f"{d['x']},{d['y']}" for d in dots) if len(dots) > 1 else "",
            "show_values": len(dots) <= 8}


def _ordinal(value) -> int:
    from datetime import date

    return (value if isinstance(value, date) else date.fromisoformat(str(value)[:10])).toordinal()
