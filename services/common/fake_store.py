"""An in-memory store and unit of work for unit tests of use cases (cosmicpython's
FakeUnitOfWork): the same interface as `store.Store` / `store.UnitOfWork` (`atomic`,
`emit`, `claim`, `now`, commit hooks) with no database. A service's tests attach
in-memory repositories with the same methods as its real ones, so a use case runs
unchanged and the test reads what it stored and the events it caused.

`session` is None: repositories take it and ignore it here."""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable, TypeVar

from services.common import logs
from services.common.catalogue import latest
from services.common.envelope import new_event
from services.common.store import utcnow

T = TypeVar("T")


class FakeStore:
    def __init__(self, service: str, *, repositories: Callable[["FakeUnitOfWork"], None] | None = None,
                 clock: Callable[[], datetime] = utcnow):
        self.service = service
        self.clock = clock
        self.repositories = repositories
        self.data: dict = {}            # what fake repositories keep, by their own keys
        self.published: list[dict] = []  # envelopes of committed units of work, in order
        self.ledger: set[str] = set()
        self.commits = 0
        self.outbox_wake = threading.Event()
        self._signals: dict[str, threading.Event] = {}

    def signal(self, name: str) -> threading.Event:
        return self._signals.setdefault(name, threading.Event())

    def unit_of_work(self, **context) -> "FakeUnitOfWork":
        return FakeUnitOfWork(self, **context)

    def atomic(self, work: Callable[["FakeUnitOfWork"], T], *, retries: int = 8, **context) -> T:
        with self.unit_of_work(**context) as uow:
            result = work(uow)
            if not uow.rolled_back:
                uow.commit()
            return result

    def events(self, name: str | None = None) -> list[dict]:
        """The data of committed events, optionally of one name."""
        return [env["data"] for env in self.published if name is None or env["type"].split(".")[-2] == name]


class FakeUnitOfWork:
    """One unit of work on a FakeStore. Writes go to the fake repositories at once; a
    rollback or an exception discards only the events (enough for a use case's tests:
    the real store's atomicity is tested against the real server)."""

    session = None

    def __init__(self, store: FakeStore, *, correlation_id: str | None = None, district_id: str | None = None,
                 school_id: str | None = None):
        self.store = store
        self.correlation_id = correlation_id or logs.current_correlation_id()
        self.district_id, self.school_id = district_id, school_id
        self.events: list[dict] = []
        self.rolled_back = False
        self.committed = False
        self._before: list[Callable[[], None]] = []
        self._after: list[Callable[[], None]] = []
        self._claims: list[str] = []
        if store.repositories:
            store.repositories(self)

    @property
    def now(self) -> datetime:
        return self.store.clock()

    def __enter__(self) -> "FakeUnitOfWork":
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def emit(self, name: str, data: dict, *, subject: str | None = None, district_id: str | None = None,
             school_id: str | None = None, version: int | None = None) -> dict:
        spec = latest(name)
        env = new_event(spec, data, subject=subject, district_id=district_id or self.district_id,
                        school_id=school_id or self.school_id or data.get("school_id"),
                        correlation_id=self.correlation_id, now=self.now)
        self.events.append({"env": env, "spec": spec})
        return env

    def continue_sequence(self, created_at: datetime, first_seq: int, **tags) -> None:
        pass  # order is the list's order here

    def claim(self, event_id: str, handler: str) -> bool:
        key = f"{event_id}:{handler}"
        if key in self.store.ledger or key in self._claims:
            self.rollback()
            return False
        self._claims.append(key)
        return True

    def before_commit(self, fn: Callable[[], None]) -> None:
        self._before.append(fn)

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after.append(fn)

    def rollback(self) -> None:
        self.rolled_back = True
        self.events.clear()
        self._before.clear()
        self._after.clear()

    def commit(self) -> None:
        for fn in self._before:
            fn()
        self.store.published += [item["env"] for item in self.events]
        self.store.ledger.update(self._claims)
        self.store.commits += 1
        self.committed = True
        for fn in self._after:
            fn()
