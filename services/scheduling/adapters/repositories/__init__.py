"""The scheduling service's repositories: the only code that touches its collections.
`attach(uow)` gives each unit of work its repositories (`uow.bookings`, `uow.slots`,
...); the service's definition names it, so the platform's `Store` calls it for every
unit of work. Reads outside a transaction (listings, the checks before a booking's
transaction) use `reads(store)`."""
from __future__ import annotations

from services.common.repository import attach_all
from services.scheduling.adapters.repositories.bookings import Bookings, FamilyLocks
from services.scheduling.adapters.repositories.families import Invitations, Waitlist
from services.scheduling.adapters.repositories.people import Feeds, People, Roster, Timers
from services.scheduling.adapters.repositories.requests import Requests
from services.scheduling.adapters.repositories.slots import Slots
from services.scheduling.adapters.repositories.windows import Availability, Windows

__all__ = ["REPOSITORIES", "attach", "reads"]


# uow.<name> -> its repository class.
REPOSITORIES = {"windows": Windows, "availability": Availability, "slots": Slots, "bookings": Bookings,
                "family_locks": FamilyLocks, "invitations": Invitations, "waitlist": Waitlist, "people": People,
                "roster": Roster, "feeds": Feeds, "timers": Timers, "requests": Requests}


def attach(uow, repositories: dict | None = None) -> None:
    """Give `uow` one instance of each repository (`repositories`: other classes under
    the same names, such as a test's in-memory ones)."""
    attach_all(uow, repositories or REPOSITORIES)


def reads(store):
    """The repositories for reads outside a transaction: a unit of work that is never
    entered (no session, so each statement stands alone, as before a booking's
    transaction) and never commits."""
    return store.unit_of_work()
