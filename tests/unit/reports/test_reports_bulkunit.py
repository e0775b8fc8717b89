"""The replay unit of work batches the projections' writes and flushes a collection
before anything reads it (pure; a fake database records the calls)."""
import pytest

from services.reports.adapters.eventlog import BulkUnit


class FakeCollection:
    def __init__(self, name, calls):
        self.name, self.calls = name, calls

    def bulk_write(self, ops, ordered=True):
        self.calls.append(("bulk", self.name, len(ops), ordered))

    def find_one(self, filter, session=None):
        self.calls.append(("find_one", self.name))
        return {"_id": filter["_id"]}


class FakeStore:
    def __init__(self):
        self.calls = []
        self.db = {n: FakeCollection(n, self.calls) for n in ("a", "b")}

    def clock(self):
        return None


def test_writes_are_batched_and_a_read_flushes_only_its_collection_first():
    store = FakeStore()
    unit = BulkUnit(store, batch=3)
    unit.db["a"].update_one({"_id": 1}, {"$set": {"x": 1}}, upsert=True, session=unit.session)
    unit.db["b"].update_many({"k": 1}, {"$pull": {"y": 2}})
    unit.db["a"].insert_one({"_id": 2})
    assert store.calls == []
    assert unit.db["a"].find_one({"_id": 1}) == {"_id": 1}
    assert store.calls == [("bulk", "a", 2, True), ("find_one", "a")]
    for i in range(3):
        unit.db["b"].update_one({"_id": i}, {"$inc": {"n": 1}})
    assert store.calls[-1] == ("bulk", "b", 3, True)  # the batch size was reached
    unit.db["b"].delete_one({"_id": 9})
    unit.flush()
    assert store.calls[-2:] == [("bulk", "b", 3, True), ("bulk", "b", 2, True)] and unit.writes == 7


def test_projections_may_not_emit():
    with pytest.raises(RuntimeError):
        BulkUnit(FakeStore()).emit("ReportReady", {})


def test_creating_a_document_twice_is_sent_once():
    store = FakeStore()
    unit = BulkUnit(store)
    for _ in range(3):
        unit.db["a"].update_one({"_id": 1}, {"$setOnInsert": {"school_id": "s"}}, upsert=True)
    unit.db["a"].update_one({"_id": 1, "at": {"$not": {"$gt": "t"}}}, {"$set": {"at": "t"}})
    unit.db["a"].delete_one({"_id": 1})
    unit.db["a"].update_one({"_id": 1}, {"$setOnInsert": {"school_id": "s"}}, upsert=True)
    unit.flush()
    assert store.calls == [("bulk", "a", 4, True)]
