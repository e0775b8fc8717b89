"""The base of a service's repositories (`services/<svc>/adapters/repository.py`).

A repository is built on a unit of work and joins its transaction: it reads
`uow.session` at each call, because `Store.unit_of_work` attaches the repositories
before the unit of work opens its session. Built on a unit of work that is never
entered (`store.unit_of_work()` without `with` / `atomic`), or on anything else with a
`db` and no session (a replay's bulk unit), each statement runs on its own, outside a
transaction: what read-only views and a few bookkeeping steps want."""
from __future__ import annotations


class Repository:
    def __init__(self, owner):
        self._owner = owner

    @property
    def _session(self):
        return getattr(self._owner, "session", None)

    def _collection(self, name: str):
        return self._owner.db[name]
