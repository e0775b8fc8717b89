"""The scheduling service's repositories: the only code that touches its collections.
`attach(uow)` gives each unit of work its repositories (`uow.bookings`, `uow.slots`,
...); the service's definition names it, so the platform's `Store` calls it for every
unit of work. Reads outside a transaction (listings, the checks before a booking's
transaction) use `reads(store)`."""
from __future__ import annotations

from services.scheduling.adapters.repositories.bookings import Bookings, FamilyLocks
from services.scheduling.adapters.repositories.families import Invitations, Waitlist
from services.scheduling.adapters.repositories.people import Feeds, People, Roster, Timers
from services.scheduling.adapters.repositories.slots import Slots
from services.scheduling.adapters.repositories.windows import Availability, Windows

__all__ = ["attach", "reads"]


def attach(uow) -> None:
    uow.windows = Windows(uow)
    uow.availability = Availability(uow)
    uow.slots = Slots(uow)
    uow.bookings = Bookings(uow)
    uow.family_locks = FamilyLocks(uow)
    uow.invitations = Invitations(uow)
    uow.waitlist = Waitlist(uow)
    uow.people = People(uow)
    uow.roster = Roster(uow)
    uow.feeds = Feeds(uow)
    uow.timers = Timers(uow)


def reads(store):
    """The repositories for reads outside a transaction: a unit of work that is never
    entered (no session, so each statement stands alone, as before a booking's
    transaction) and never commits."""
    return store.unit_of_work()
