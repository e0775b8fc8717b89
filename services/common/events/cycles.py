"""Conference cycle names, shared by every event that carries a ``cycle``
(ConferenceWindowOpened, GoalCreated, ConferenceHeld, ...): a vocabulary of the
contract, so scheduling and goals name the same weeks the same way."""
from __future__ import annotations

from datetime import date


def cycle_for(day: date) -> str:
    """The conference cycle a window starting on ``day`` belongs to, named like the goals
    service's cycles (``<year>-<season>``, where winter, spring and summer carry the year
    they fall in and belong to the school year that began the August before): August to
    November is that year's fall, December to February the winter ending in the next
    (so a window on 16 December 2026 is ``2027-winter``, in school year 2026-27), March
    to May spring, June and July summer."""
    if day.month == 12:
        return f"{day.year + 1}-winter"
    if day.month <= 2:
        return f"{day.year}-winter"
    if day.month <= 5:
        return f"{day.year}-spring"
    if day.month <= 7:
        return f"{day.year}-summer"
    return f"{day.year}-fall"
