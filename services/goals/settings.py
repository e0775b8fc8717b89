"""Goals settings: the school year and cycle a request is about, and upload limits.

School year and cycle (kept simple on purpose):

* A cycle is named ``<year>-<season>``: ``2026-fall``, ``2027-winter``, ``2027-spring``,
  ``2027-summer``. Endpoints take ``?cycle=`` (or ``cycle`` in the body); without one they
  use ``default_cycle`` (``2026-fall``).
* The school year of a cycle runs from ``year_start`` (month, day; default Aug 15) of its
  starting calendar year to ``year_end`` (default Jun 10) of the next: a fall cycle starts
  its school year, winter/spring/summer cycles belong to the year that began the previous
  August. So ``2026-fall`` and ``2027-spring`` both mean 2026-08-15..2027-06-10.

Override through ``Settings.extra`` (``create_app({"extra": {...}})``): ``default_cycle``,
``year_start`` / ``year_end`` as ``"MM-DD"``, ``evidence_max_bytes``, ``max_active_goals``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.common.errors import Invalid
from services.goals.domain import DEFAULT_MAX_BYTES, SchoolYear

SEASONS = ("winter", "spring", "summer", "fall")  # calendar order within a year
CYCLE_RE = re.compile(r"^(\d{4})-(winter|spring|summer|fall)$")


@dataclass(frozen=True)
class GoalsConfig:
    default_cycle: str = "2026-fall"
    year_start: tuple[int, int] = (8, 15)
    year_end: tuple[int, int] = (6, 10)
    evidence_max_bytes: int = DEFAULT_MAX_BYTES
    max_active_goals: int = 3

    @classmethod
    def from_settings(cls, settings) -> "GoalsConfig":
        extra = dict(getattr(settings, "extra", None) or {})
        kw = {k: extra[k] for k in ("default_cycle", "evidence_max_bytes", "max_active_goals") if k in extra}
        for key in ("year_start", "year_end"):
            if key in extra:
                month, day = str(extra[key]).split("-")
                kw[key] = (int(month), int(day))
        return cls(**kw)

    def cycle(self, value: str | None) -> str:
        """The requested cycle, or the default; 422 when it is not `<year>-<season>`."""
        value = (value or self.default_cycle).strip().lower()
        if not CYCLE_RE.match(value):
            raise Invalid("A cycle looks like 2026-fall or 2027-spring.", code="cycle_invalid",
                          errors={"cycle": ["Use <year>-<winter|spring|summer|fall>, e.g. 2026-fall."]})
        return value

    def school_year(self, cycle: str) -> SchoolYear:
        first = school_year_start(self.cycle(cycle))
        start = date(first, *self.year_start)
        end = date(first + 1, *self.year_end)
        return SchoolYear(start, end, f"{first}-{str(first + 1)[2:]}")


def cycle_key(cycle: str) -> tuple[int, int]:
    """Sort key: (calendar year, season index), so 2026-spring < 2026-fall < 2027-spring."""
    m = CYCLE_RE.match(cycle or "")
    if not m:
        return (0, 0)
    return int(m.group(1)), SEASONS.index(m.group(2))


def school_year_start(cycle: str) -> int:
    """The calendar year a cycle's school year starts in (fall starts it; winter, spring
    and summer belong to the year that began the August before)."""
    year, season = cycle_key(cycle)
    return year if season == SEASONS.index("fall") else year - 1


def goals_config() -> GoalsConfig:
    """The config of the running app (inside a request)."""
    from flask import current_app

    ext = current_app.extensions["confer"]
    if "goals_config" not in ext:
        ext["goals_config"] = GoalsConfig.from_settings(ext["settings"])
    return ext["goals_config"]
