"""The in-memory store behaves like the real one where use cases can tell: events are
published only on commit, a rollback discards them, the ledger refuses a second claim,
and a service's repositories are attached to every unit of work."""
from datetime import datetime, timezone

import pytest

from services.common.fake_store import FakeStore

NOW = datetime(2026, 10, 1, 12, tzinfo=timezone.utc)


def goal(goal_id):
    return {"goal_id": goal_id, "student_id": "s1", "school_id": "sc1", "cycle": "2026-fall",
            "focus_kind": "academic", "term": "short", "status": "draft"}


class Notes:
    def __init__(self, uow):
        self.docs = uow.store.data.setdefault("notes", {})

    def add(self, note_id, text):
        self.docs[note_id] = text


def attach(uow):
    uow.notes = Notes(uow)


def test_events_of_a_committed_unit_of_work_are_published_with_its_clock():
    store = FakeStore("goals", repositories=attach, clock=lambda: NOW)

    def work(uow):
        uow.notes.add("n1", "hello")
        uow.emit("GoalCreated", goal("g1"), subject="g1", district_id="d1")
        return "done"

    assert store.atomic(work) == "done"
    assert store.data["notes"] == {"n1": "hello"}
    assert [e["subject"] for e in store.published] == ["g1"]
    assert store.published[0]["time"].startswith("2026-10-01T12:00")
    assert [e["goal_id"] for e in store.events("GoalCreated")] == ["g1"] and store.events("GoalUpdated") == []


def test_a_rollback_or_an_error_publishes_nothing():
    store = FakeStore("goals", repositories=attach)

    def rolled_back(uow):
        uow.emit("GoalCreated", goal("g1"), subject="g1", district_id="d1")
        uow.rollback()

    store.atomic(rolled_back)

    def failing(uow):
        uow.emit("GoalCreated", goal("g2"), subject="g2", district_id="d1")
        raise ValueError("refused")

    with pytest.raises(ValueError):
        store.atomic(failing)
    assert store.published == [] and store.commits == 0


def test_the_ledger_refuses_an_event_a_handler_already_processed():
    store = FakeStore("goals")
    assert store.atomic(lambda uow: uow.claim("e1", "goals.h")) is True
    assert store.atomic(lambda uow: uow.claim("e1", "goals.h")) is False
    assert store.atomic(lambda uow: uow.claim("e1", "goals.other")) is True
