"""What every goals repository shares: its collection, and the session of the unit of
work it belongs to, read at each statement (the session starts when the unit of work is
entered, after the repositories were attached)."""
from __future__ import annotations


class Repository:
    collection: str

    def __init__(self, uow, collection: str | None = None):
        self._uow = uow
        self._docs = uow.db[collection or self.collection]

    @property
    def _session(self):
        return self._uow.session
