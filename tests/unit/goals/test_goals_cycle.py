"""Goals written without a cycle belong to the cycle of today's date, named as scheduling
names its windows, so a December student's goals meet the winter window they prepare for."""
from datetime import date, datetime, timezone

import pytest

from services.common.errors import Invalid
from services.common.events.cycles import cycle_for
from services.goals.config import GoalsConfig


def at(y, m, d):
    return lambda: datetime(y, m, d, 15, tzinfo=timezone.utc)


@pytest.mark.parametrize("today,cycle", [
    ((2026, 9, 20), "2026-fall"), ((2026, 12, 3), "2027-winter"), ((2027, 2, 28), "2027-winter"),
    ((2027, 4, 1), "2027-spring"), ((2027, 6, 30), "2027-summer")])
def test_the_default_cycle_follows_the_clock(today, cycle):
    cfg = GoalsConfig(clock=at(*today))
    assert cfg.cycle(None) == cycle == cycle_for(date(*today))
    assert cfg.school_year(cfg.cycle(None)).label in ("2026-27",)


def test_a_configured_default_or_a_requested_cycle_wins():
    cfg = GoalsConfig(default_cycle="2026-fall", clock=at(2026, 12, 3))
    assert cfg.cycle(None) == "2026-fall"
    assert cfg.cycle(" 2027-Spring ") == "2027-spring"
    with pytest.raises(Invalid):
        cfg.cycle("winter-2027")
