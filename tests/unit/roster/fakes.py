"""In-memory repositories of the roster's import bookkeeping (the methods of
`services.roster.adapters.repository` that the tested use cases call), for use cases
run on `services.common.fake_store.FakeStore`. Their dicts live in `store.data`."""
from __future__ import annotations

from services.roster.adapters.repository import UNFINISHED_STATUSES


class FakeImports:
    def __init__(self, uow):
        self.docs: dict = uow.store.data.setdefault("imports", {})

    def get(self, import_id):
        return self.docs.get(import_id)

    def of_district(self, import_id, district_id):
        doc = self.docs.get(import_id)
        return doc if doc and doc["district_id"] == district_id else None

    def unfinished_of(self, district_id):
        return sorted(i for i, d in self.docs.items()
                      if d["district_id"] == district_id and d["status"] in UNFINISHED_STATUSES)

    def districts_with_unfinished(self):
        return sorted({d["district_id"] for d in self.docs.values() if d["status"] in UNFINISHED_STATUSES})

    def abort_staging(self, import_id):
        doc = self.docs.get(import_id)
        if doc and doc["status"] == "staging":
            doc["status"] = "aborting"


class FakeImportLocks:
    def __init__(self, uow):
        self.docs: dict = uow.store.data.setdefault("import_locks", {})

    def get(self, district_id):
        return self.docs.get(district_id)

    def hold(self, district_id, import_id, until):
        self.docs[district_id] = {"_id": district_id, "import_id": import_id, "district_id": district_id,
                                  "school_id": None, "until": until}


class FakeTimers:
    """The platform's `timers` collection as `timers.schedule` writes it (by _id)."""

    def __init__(self, docs: dict):
        self.docs = docs

    def update_one(self, filter, update, upsert=False, session=None):
        doc = self.docs.setdefault(filter["_id"], {"_id": filter["_id"]})
        doc.update(update.get("$set", {}))


class FakeDb:
    def __init__(self, data: dict):
        self.data = data

    def __getitem__(self, name):
        assert name == "timers", f"the use case reached the collection {name} directly"
        return FakeTimers(self.data.setdefault(name, {}))


def attach_fakes(uow) -> None:
    uow.db = FakeDb(uow.store.data)
    uow.imports = FakeImports(uow)
    uow.import_locks = FakeImportLocks(uow)
