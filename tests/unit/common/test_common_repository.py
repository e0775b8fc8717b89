"""A service's repositories attached to a unit of work from its table."""
from __future__ import annotations

from functools import partial
from types import SimpleNamespace

from services.common.repository import Repository, attach_all


class Goals(Repository):
    collection_name = "goals"


def test_attach_all_gives_the_unit_of_work_one_repository_per_entry():
    made = []

    def notes(uow):
        made.append("notes")
        return Repository(uow, "notes")

    uow = SimpleNamespace(db={"goals": "goals collection", "reflections": "reflections collection"})
    attach_all(uow, {"goals": Goals, "notes": notes, "reflections": partial(Repository, collection_name="reflections")})
    assert uow.goals.uow is uow and uow.goals.docs == "goals collection"
    assert uow.reflections.docs == "reflections collection" and made == ["notes"]
    assert uow.notes.collection_name == "notes"
    assert uow.goals.session is None  # a unit of work without a session: each statement on its own
