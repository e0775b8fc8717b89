"""Check-in and dashboard charts as inline SVG, written by hand (no matplotlib).

Why not matplotlib: measured on the 2-core dev box, ``Figure.savefig(format="svg")``
for one small line chart takes ~31 ms; 5,000 students x 2 goals = 10,000 charts is
~300 s of CPU, five times the 60 s budget for the whole HTML run. The string
builder below takes ~0.04 ms per chart. Matplotlib is not used by the reports service.

Two chart kinds for a goal's check-ins (``checkin_chart_svg``):

* **measure** - when every check-in carries a numeric ``value``: a line of values
  over dates, y axis from 0 (or the minimum, if negative) to the maximum;
* **status steps** - otherwise: a step line over three levels
  (needs support < on track < achieved).

Points are placed on a time axis (proportional to days between check-ins) and
coloured by status; colour is never the only cue (status steps are labelled on the
y axis, and the report prints a data table next to every chart). Styling uses SVG
presentation attributes, not CSS classes, so a chart still draws when copied out
of the page or when an e-mail client strips <style>. The caller passes translated
words (title, description, status labels, date labels); this module has no i18n.
"""
from __future__ import annotations

from markupsafe import Markup, escape

STATUS_LEVEL = {"needs_support": 0, "on_track": 1, "achieved": 2}
STATUS_COLOUR = {"needs_support": "#b45309", "on_track": "#1d4ed8", "achieved": "#15803d"}

W, H = 480, 200
LEFT, RIGHT, TOP, BOTTOM = 100, 24, 30, 36
PAD = 14  # keeps the first and last point off the axes
PLOT_W, PLOT_H = W - LEFT - RIGHT, H - TOP - BOTTOM
FONT_ATTRS = 'font-family="DejaVu Sans, Verdana, Arial, sans-serif" font-size="11" fill="#111827"'


def _xs(ordinals: list[int]) -> list[float]:
    """x position per point, proportional to time; evenly spaced if all on one day."""
    lo, hi = min(ordinals), max(ordinals)
    n = len(ordinals)
    if hi == lo:
        return [LEFT + PLOT_W * (i + 0.5) / n for i in range(n)]
    span = PLOT_W - 2 * PAD
    return [LEFT + PAD + span * (o - lo) / (hi - lo) for o in ordinals]


def _fmt_num(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:.3g}"


def checkin_geometry(points: list[dict], status_labels: dict[str, str]) -> dict:
    """Positions in a W x H box (SVG orientation: y grows downwards).

    ``points``: [{"ordinal": date.toordinal(), "label": "Oct 5", "status": str,
    "value": float | None}] in date order, at least one. Returns xs, ys, the
    polyline vertices, the y-axis ticks [(y, text)] and whether values were plotted.
    Shared by the SVG writer here and the reportlab drawing in ``pdf.py``.
    """
    xs = _xs([p["ordinal"] for p in points])
    values = [p.get("value") for p in points]
    measure = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if measure:
        lo, hi = min(0.0, *values), max(values)
        if hi == lo:
            hi = lo + 1
        ys = [TOP + PLOT_H * (1 - (v - lo) / (hi - lo)) for v in values]
        ticks = [(TOP + PLOT_H * (1 - (t - lo) / (hi - lo)), _fmt_num(t))
                 for t in (lo, (lo + hi) / 2, hi)]
        line = list(zip(xs, ys))
    else:
        level_y = {lvl: TOP + PLOT_H * (1 - (lvl + 0.5) / 3) for lvl in range(3)}
        ticks = [(level_y[lvl], status_labels.get(s, s)) for s, lvl in STATUS_LEVEL.items()]
        ys = [level_y[STATUS_LEVEL.get(p["status"], 1)] for p in points]
        line = []
        for i, (x, y) in enumerate(zip(xs, ys)):
            if i:
                line.append((x, ys[i - 1]))
            line.append((x, y))
    return {"xs": xs, "ys": ys, "line": line, "ticks": ticks, "measure": measure}


def checkin_chart_svg(
    points: list[dict],
    *,
    chart_id: str,
    title: str,
    description: str,
    status_labels: dict[str, str],
    y_label: str = "",
) -> Markup:
    """Return an inline ``<svg role="img">`` for one goal (see ``checkin_geometry``).

    ``title`` / ``description`` become ``<title>`` / ``<desc>``, referenced by
    ``aria-labelledby`` so screen readers announce the chart in words.
    """
    g = checkin_geometry(points, status_labels)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {H}" '
        f'width="{W}" height="{H}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" {FONT_ATTRS}>'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
        f'<text x="{W / 2:.0f}" y="18" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>'
        f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}" stroke="#111827"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}" stroke="#111827"/>'
    ]
    for ty, text in g["ticks"]:
        out.append(
            f'<line x1="{LEFT}" y1="{ty:.1f}" x2="{LEFT + PLOT_W}" y2="{ty:.1f}" stroke="#d1d5db"/>'
            f'<text x="{LEFT - 6}" y="{ty + 4:.1f}" text-anchor="end">{escape(text)}</text>'
        )
    if g["measure"] and y_label:
        mid = TOP + PLOT_H / 2
        out.append(f'<text x="14" y="{mid:.0f}" text-anchor="middle" '
                   f'transform="rotate(-90 14 {mid:.0f})">{escape(y_label)}</text>')
    if len(points) > 1:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in g["line"])
        out.append(f'<polyline points="{pts}" fill="none" stroke="#1d4ed8" stroke-width="2"/>')
    for x, y, p in zip(g["xs"], g["ys"], points):
        colour = STATUS_COLOUR.get(p["status"], "#374151")
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>'
            f'<text x="{x:.1f}" y="{TOP + PLOT_H + 16}" text-anchor="middle">{escape(p["label"])}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def bar_chart_svg(
    bars: list[tuple[str, float]], *, chart_id: str, title: str, description: str
) -> Markup:
    """Horizontal bars of rates in [0, 1]: [(label, rate)]. Labels printed as text."""
    row_h, left, width = 22, 200, 520
    height = TOP + row_h * max(1, len(bars)) + 10
    plot_w = width - left - 60
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" {FONT_ATTRS}>'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(description)}</desc>'
        f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" font-size="13" font-weight="bold">{escape(title)}</text>'
    ]
    for i, (label, rate) in enumerate(bars):
        y = TOP + i * row_h
        rate = max(0.0, min(1.0, rate))
        label = label if len(label) <= 32 else label[:31] + "…"  # full name is in the table
        out.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{plot_w * rate:.1f}" height="{row_h - 6}" fill="#1d4ed8"/>'
            f'<text x="{left + plot_w * rate + 4:.1f}" y="{y + 15}">{rate * 100:.0f}%</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
