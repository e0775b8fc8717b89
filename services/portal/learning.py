"""The roster's learning data as the pages show it: per standard a chart (geometry from
charts.py), its data table, its alt text, and short, kind sentences for strengths and
areas to grow. Written for the child on their own page ("you"), and about the child
(their name) on the teacher's data-talk page and the family's page.

Only the student's own results are ever shown: no ranking, no class average. The
service decides which standards are strengths and areas to grow; this module only
puts them into words."""
from __future__ import annotations

from services.portal import charts
from services.portal.i18n import _, f_date


def _n(value) -> str:
    return "" if value is None else f"{float(value):g}"


def _out_of(area: dict, score) -> str:
    if area.get("scale_max") is None:
        return _n(score)
    return _("%(score)s out of %(top)s", score=_n(score), top=_n(area["scale_max"]))


def alt_text(area: dict, name: str | None) -> str:
    """What the chart shows, in words (the chart's <desc>; the table has every number)."""
    points = area.get("points") or []
    first, last = points[0], points[-1]
    scale = (_("The scale goes from %(low)s to %(high)s.", low=_n(area["scale_min"]), high=_n(area["scale_max"]))
             if area.get("scale_min") is not None and area.get("scale_max") is not None else "")
    if len(points) == 1:
        text = (_("One result on %(date)s: %(score)s.", date=f_date(first["date"], "long"), score=_n(first["score"])))
    else:
        text = _("%(n)s results from %(first_date)s to %(last_date)s, from %(first)s to %(last)s.",
                 n=len(points), first_date=f_date(first["date"], "long"), last_date=f_date(last["date"], "long"),
                 first=_n(first["score"]), last=_n(last["score"]))
    whose = (_("Your results on %(title)s.", title=area["title"]) if name is None
             else _("Results of %(name)s on %(title)s.", name=name, title=area["title"]))
    return " ".join(t for t in (whose, text, scale) if t)


def strength_sentence(area: dict, name: str | None) -> str:
    points = area.get("points") or []
    grew = area.get("change") is not None and area["change"] > 0 and len(points) > 1
    if name is None:
        if grew:
            return _("You grew in %(title)s: from %(first)s to %(last)s. Great work!", title=area["title"],
                     first=_n(points[0]["score"]), last=_n(area["latest_score"]))
        return _("You are strong in %(title)s: %(score)s. Well done!", title=area["title"],
                 score=_out_of(area, area["latest_score"]))
    if grew:
        return _("%(name)s grew in %(title)s: from %(first)s to %(last)s.", name=name, title=area["title"],
                 first=_n(points[0]["score"]), last=_n(area["latest_score"]))
    return _("%(name)s is strong in %(title)s: %(score)s.", name=name, title=area["title"],
             score=_out_of(area, area["latest_score"]))


def grow_sentence(area: dict, name: str | None) -> str:
    if name is None:
        return _("%(title)s is a good place to grow next. You are at %(score)s now, and every try helps.",
                 title=area["title"], score=_out_of(area, area["latest_score"]))
    return _("%(title)s is a place for %(name)s to grow next (%(score)s now).", name=name, title=area["title"],
             score=_out_of(area, area["latest_score"]))


def page(data: dict, name: str | None = None) -> dict:
    """The learning data of one student for a template. `name`: None on the student's own
    page (the words say "you"), else the child's first name."""
    areas = []
    for i, area in enumerate(data.get("areas") or []):
        if not area.get("points"):
            continue
        areas.append({**area, "key": f"area-{i}", "chart": charts.learning(area, lambda d: f_date(d, "medium")),
                      "alt": alt_text(area, name)})
    starters = {s["objective_id"]: s for s in data.get("goal_starters") or []}
    return {"areas": areas,
            "strengths": [{**a, "text": strength_sentence(a, name)} for a in data.get("strengths") or []],
            "grow": [{**a, "text": grow_sentence(a, name), "starter": starters.get(a["objective_id"])}
                     for a in data.get("areas_to_grow") or []],
            "as_of": data.get("as_of")}


def starter(data: dict, objective_id: str | None) -> dict | None:
    """The goal starter the service offers for this area to grow, if it still is one."""
    for item in data.get("goal_starters") or []:
        if item["objective_id"] == objective_id:
            return item
    return None
