"""The base of every service's repositories (`services/<svc>/adapters/`).

A repository is built on a unit of work and joins its transaction: it reads
`uow.session` at each statement, because `Store.unit_of_work` attaches the
repositories before the unit of work opens its session. Built on a unit of work that
is never entered (`reads(store)`: `store.unit_of_work()` without `with` / `atomic`), or
on anything else with a `db` and no session (a replay's bulk unit), each statement runs
on its own, outside a transaction: what read-only views and a few bookkeeping steps
want. A repository of one collection names it in `collection_name` and reaches it as
`self.docs`.

A service lists its repositories in one table, `uow.<name>` -> a factory taking the
unit of work (the class, or a class bound to its collection), and its `attach(uow)`,
which the service's definition names, is `attach_all(uow, table)`."""
from __future__ import annotations


class Repository:
    collection_name = ""

    def __init__(self, uow, collection_name: str | None = None):
        self.uow = uow
        if collection_name:
            self.collection_name = collection_name

    @property
    def session(self):
        return getattr(self.uow, "session", None)

    def collection(self, name: str):
        return self.uow.db[name]

    @property
    def docs(self):
        """The repository's own collection (`collection_name`)."""
        return self.uow.db[self.collection_name]


def attach_all(uow, table: dict) -> None:
    """Give `uow` one repository per entry of `table`: `uow.<name> = factory(uow)`, in
    the table's order."""
    for name, factory in table.items():
        setattr(uow, name, factory(uow))
