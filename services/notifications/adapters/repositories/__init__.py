"""The notifications service's repositories: the only code outside the delivery engine's
own adapters (outcomes.py, directory.py) that touches its collections. Each unit of work
gets them as `uow.<name>` (`attach`, declared in the service's definition); reads outside
a transaction (the API's lists) go through `reads(store)`, and the lanes through their
own queue (`lanes.LaneQueue`). Collection names, statuses and indexes are in
`adapters/repository.py`."""
from __future__ import annotations

from services.common.repository import attach_all
from services.notifications.adapters.directory import Directory
from services.notifications.adapters.repositories.deliveries import Deliveries
from services.notifications.adapters.repositories.digest import DigestItems
from services.notifications.adapters.repositories.inbox import Inbox
from services.notifications.adapters.repositories.people import Preferences, Recipients
from services.notifications.adapters.repositories.projections import BookingChanges, GoalTitles, Windows
from services.notifications.adapters.repositories.reads import Reads
from services.notifications.adapters.repositories.webhooks import Webhooks


# uow.<name> -> its repository; the directory is the projections' read side, remembered
# for the unit of work.
REPOSITORIES = {"directory": Directory, "deliveries": Deliveries, "inbox": Inbox, "recipients": Recipients,
                "preferences": Preferences, "webhooks": Webhooks, "digest_items": DigestItems, "windows": Windows,
                "goal_titles": GoalTitles, "booking_changes": BookingChanges}


def attach(uow) -> None:
    attach_all(uow, REPOSITORIES)


def reads(store) -> Reads:
    """Read-only queries outside a transaction (the API's lists and views)."""
    return Reads(store.db)
