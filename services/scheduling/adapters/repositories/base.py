"""What every repository of the service shares: it works inside the unit of work it
is attached to, so its statements join that unit's transaction (or run alone when the
unit of work is only used for reads and never entered: its session is then None)."""
from __future__ import annotations


class Repository:
    def __init__(self, uow):
        self.uow = uow

    @property
    def session(self):
        # Read at each call: the session starts when the unit of work is entered, after
        # the repositories were attached.
        return self.uow.session

    def collection(self, name: str):
        return self.uow.db[name]
