"""Chart geometry for the dashboard (inline SVG drawn by templates/admin/_charts.html).
Each chart also has a data table, so screen readers and keyboards get the numbers."""
from __future__ import annotations

from services.portal.i18n import _

BAR_HEIGHT, GAP, LABEL_WIDTH, PLOT_WIDTH = 22, 8, 110, 190
GOAL_PARTS = (("goals_on_track", "#1c6b3a"), ("goals_needs_support", "#8a4b00"), ("goals_achieved", "#174f8c"))


def _short(text: str, n: int = 15) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _label(row: dict) -> str:
    if row.get("teacher_name") or row.get("teacher_id"):
        return row.get("teacher_name") or row["teacher_id"]
    if row.get("grade"):
        return _("Grade %(grade)s", grade=row["grade"])
    return row.get("school_name") or row.get("school_id") or _("All")


def participation(data: dict) -> dict:
    rows = []
    for i, row in enumerate(data.get("rows") or []):
        rate = float(row.get("participation_rate") or 0.0)
        rate = rate / 100 if rate > 1 else rate
        rows.append({"label": _short(_label(row)), "full": _label(row), "rate": rate, "pct": round(rate * 100),
                     "width": round(PLOT_WIDTH * min(rate, 1.0)), "y": i * (BAR_HEIGHT + GAP)})
    return {"rows": rows, "height": max(1, len(rows)) * (BAR_HEIGHT + GAP), "label_width": LABEL_WIDTH,
            "plot_width": PLOT_WIDTH, "bar_height": BAR_HEIGHT}


def goal_progress(data: dict) -> dict:
    rows = []
    biggest = max([sum(int(r.get(k) or 0) for k, _c in GOAL_PARTS) for r in data.get("rows") or []] + [1])
    for i, row in enumerate(data.get("rows") or []):
        x, parts = 0, []
        for key, color in GOAL_PARTS:
            n = int(row.get(key) or 0)
            w = round(PLOT_WIDTH * n / biggest)
            parts.append({"key": key, "n": n, "x": x, "width": w, "color": color})
            x += w
        rows.append({"label": _short(_label(row)), "parts": parts, "y": i * (BAR_HEIGHT + GAP)})
    return {"rows": rows, "height": max(1, len(rows)) * (BAR_HEIGHT + GAP), "label_width": LABEL_WIDTH,
            "plot_width": PLOT_WIDTH, "bar_height": BAR_HEIGHT, "colors": dict(GOAL_PARTS)}
