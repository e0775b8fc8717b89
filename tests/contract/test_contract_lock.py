"""The versioning guard: a published (locked) version's schema may only change by adding
optional fields; anything else needs a new version. The guard is tested on modified
copies of the real schemas, and through `confer events docs` on a copy of docs/."""
import copy
import json
import shutil

import pytest
from click.testing import CliRunner

from services.common import contract
from services.common.catalogue import all_specs
from services.common.cli_events import cli


@pytest.fixture
def current():
    return contract.schemas_for()


@pytest.fixture
def lock():
    return contract.load_lock()


@pytest.fixture
def committed():
    return contract.committed_schemas()


def test_the_code_matches_the_lock(current, lock, committed):
    assert contract.check_lock(current, lock, committed) == []
    assert set(lock["events"]) == set(current), "run `confer events docs` to lock new events"


def data(schema):
    return schema["properties"]["data"]


BREAKING = {
    "a field removed": lambda s: data(s)["properties"].pop("modality"),
    "a field's type changed": lambda s: data(s)["properties"]["start"].update(format="date"),
    "an enum narrowed": lambda s: data(s)["properties"]["modality"]["enum"].pop(),
    "an enum widened": lambda s: data(s)["properties"]["modality"]["enum"].append("carrier_pigeon"),
    "an optional field made required": lambda s: data(s)["required"].append("room"),
    "a required field made optional": lambda s: data(s)["required"].remove("start"),
    "a new required field": lambda s: (data(s)["properties"].update(slot_id={"type": "string"}),
                                       data(s)["required"].append("slot_id")),
    "a constraint changed": lambda s: data(s)["properties"]["booking_id"].update(maxLength=64),
    "unknown fields allowed": lambda s: data(s).update(additionalProperties=True),
    "moved to the internal exchange": lambda s: s.update({"x-confer-visibility": "internal"}),
    "an envelope attribute removed": lambda s: s["properties"].pop("schoolid"),
}


@pytest.mark.parametrize("change", BREAKING)
def test_a_breaking_change_without_a_new_version_is_reported(change, current, lock, committed):
    changed = copy.deepcopy(current)
    BREAKING[change](changed["ConferenceBooked.v1"])
    problems = contract.check_lock(changed, lock, committed)
    assert problems and all(p.startswith("ConferenceBooked.v1: ") for p in problems), problems
    assert "needs a new version: register v2" in problems[0]


def test_additive_optional_changes_and_wording_pass(current, lock, committed):
    changed = copy.deepcopy(current)
    booked = changed["ConferenceBooked.v1"]
    data(booked)["properties"]["video_link_kind"] = {"type": ["string", "null"]}
    data(booked)["description"] = "A slot was booked (new wording)."
    booked["properties"]["traceparent"] = {"type": "string"}  # a new optional envelope extension
    assert contract.check_lock(changed, lock, committed) == []


def test_new_event_or_new_version_only_needs_the_docs(current, lock, committed):
    changed = copy.deepcopy(current)
    v2 = copy.deepcopy(changed["ConferenceBooked.v1"])
    data(v2)["properties"].pop("room")
    changed["ConferenceBooked.v2"] = v2
    assert contract.check_lock(changed, lock, committed) == []


def test_a_published_version_cannot_silently_disappear(current, lock, committed):
    changed = {k: v for k, v in current.items() if k != "ConferenceHeld.v1"}
    [problem] = contract.check_lock(changed, lock, committed)
    assert problem.startswith("ConferenceHeld.v1: published (in the lock) but no longer in the catalogue")


def test_breaking_changes_names_each_difference():
    old = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}
    new = {"type": "object", "properties": {"a": {"type": "integer"}, "c": {"type": "string"}},
           "required": ["a", "c"]}
    assert contract.breaking_changes(old, new) == [
        "/a: 'type' changed from 'string' to 'integer'", "/b: removed", "/c: new property is required"]


def test_docs_command_refuses_a_breaking_change(tmp_path):
    """The code "removed" a field: pretend the published v1 had one more (file and lock agree)."""
    docs = tmp_path / "docs"
    shutil.copytree(contract.DOCS, docs)
    path = docs / "events" / "ConferenceBooked.v1.json"
    published = json.loads(path.read_text())
    data(published)["properties"]["slot_code"] = {"type": "string"}
    path.write_text(json.dumps(published))
    lock_path = docs / contract.LOCK
    lock = json.loads(lock_path.read_text())
    lock["events"]["ConferenceBooked.v1"]["fingerprint"] = contract.fingerprint(published)
    lock_path.write_text(json.dumps(lock))
    before = {p.name: p.read_text() for p in (docs / "events").iterdir()}

    result = CliRunner().invoke(cli, ["docs", "--docs-dir", str(docs)])
    assert result.exit_code == 1
    assert "breaking: ConferenceBooked.v1: /data/slot_code: removed" in result.output
    assert {p.name: p.read_text() for p in (docs / "events").iterdir()} == before  # nothing written


def test_every_locked_event_is_still_registered():
    registered = {contract.stem(s) for s in all_specs()}
    assert set(contract.load_lock()["events"]) <= registered
