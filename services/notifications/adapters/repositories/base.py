"""What every repository of a unit of work shares."""
from __future__ import annotations


class Repository:
    """One collection, inside a unit of work. The unit of work's session starts with its
    transaction, after repositories are attached: read it when a statement runs."""
    collection = ""

    def __init__(self, uow):
        self.uow = uow

    @property
    def coll(self):
        return self.uow.db[self.collection]

    @property
    def session(self):
        return self.uow.session
