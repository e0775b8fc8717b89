"""The notifications service's repositories: the only code outside the delivery engine's
own adapters (outcomes.py, directory.py) that touches its collections. Each unit of work
gets them as `uow.<name>` (`attach`, declared in the service's definition); reads outside
a transaction (the API's lists) go through `reads(store)`, and the lanes through their
own queue (`lanes.LaneQueue`). Collection names, statuses and indexes are in
`adapters/repository.py`."""
from __future__ import annotations

from services.notifications.adapters.directory import Directory
from services.notifications.adapters.repositories.deliveries import Deliveries
from services.notifications.adapters.repositories.digest import DigestItems
from services.notifications.adapters.repositories.inbox import Inbox
from services.notifications.adapters.repositories.people import Preferences, Recipients
from services.notifications.adapters.repositories.projections import BookingChanges, GoalTitles, Windows
from services.notifications.adapters.repositories.reads import Reads
from services.notifications.adapters.repositories.webhooks import Webhooks


def attach(uow) -> None:
    uow.directory = Directory(uow)  # the projections' read side, remembered for the unit of work
    uow.deliveries = Deliveries(uow)
    uow.inbox = Inbox(uow)
    uow.recipients = Recipients(uow)
    uow.preferences = Preferences(uow)
    uow.webhooks = Webhooks(uow)
    uow.digest_items = DigestItems(uow)
    uow.windows = Windows(uow)
    uow.goal_titles = GoalTitles(uow)
    uow.booking_changes = BookingChanges(uow)


def reads(store) -> Reads:
    """Read-only queries outside a transaction (the API's lists and views)."""
    return Reads(store.db)
