"""The published contract (docs/asyncapi.yaml, docs/events/*.json, the lock, the catalogue
in docs/events.md) is what the code generates, and the JSON Schemas say what marshmallow
enforces: examples pass both, and typical mistakes fail both."""
import copy
import json
import re
import shutil

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from marshmallow import ValidationError

from services.common import contract
from services.common.catalogue import all_specs
from services.common.cli_events import cli
from services.common.envelope import new_event

PUBLIC = [s for s in all_specs() if not s.private]
IDS = [contract.stem(s) for s in all_specs()]


def test_committed_docs_match_the_code():
    problems, changed = contract.differences()
    assert not problems and not changed, (
        "docs/ differ from the catalogue; run `confer events docs`:\n" + "\n".join(problems + changed))


def test_docs_check_command_lists_differences_and_docs_writes_them(tmp_path):
    runner = CliRunner()
    docs = tmp_path / "docs"
    shutil.copytree(contract.DOCS, docs, ignore=shutil.ignore_patterns("asyncapi.yaml", "examples"))
    (docs / "events" / "ConferenceBooked.v1.json").write_text("{}")
    (docs / "events" / "Retired.v1.json").write_text("{}")
    result = runner.invoke(cli, ["docs", "--check", "--docs-dir", str(docs)])
    assert result.exit_code == 1
    assert "asyncapi.yaml: missing" in result.output and "Retired.v1.json: no longer generated" in result.output
    assert "events/ConferenceBooked.v1.json: out of date" in result.output and "breaking:" not in result.output
    result = runner.invoke(cli, ["docs", "--docs-dir", str(docs)])
    assert result.exit_code == 0, result.output
    assert "wrote asyncapi.yaml" in result.output and "removed events/Retired.v1.json" in result.output
    assert runner.invoke(cli, ["docs", "--check", "--docs-dir", str(docs)]).exit_code == 0
    assert (docs / "asyncapi.yaml").read_text() == (contract.DOCS / "asyncapi.yaml").read_text()


@pytest.mark.parametrize("spec", all_specs(), ids=IDS)
def test_schema_is_valid_2020_12_and_matches_the_envelope(spec, json_validator):
    schema = json.loads((contract.DOCS / "events" / f"{contract.stem(spec)}.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["data"]["additionalProperties"] is False
    event = contract.example_event(spec)
    assert event["dataschema"] == schema["$id"]  # envelope.new_event and the docs agree on the URL
    assert schema["x-confer-exchange"] == ("confer.events.internal" if spec.private else "confer.events")
    json_validator(schema).validate(event)


@pytest.mark.parametrize("spec", all_specs(), ids=IDS)
def test_json_schema_and_marshmallow_reject_the_same_mistakes(spec, json_validator):
    schema = contract.event_schema(spec)
    data_schema = schema["properties"]["data"]
    good = contract.example_event(spec)
    mutants = {"unknown field": dict(good["data"], nickname="x")}
    for key in data_schema["required"]:
        mutants[f"no {key}"] = {k: v for k, v in good["data"].items() if k != key}
    for key, prop in data_schema["properties"].items():
        if "enum" in prop:
            mutants[f"{key} not in enum"] = dict(good["data"], **{key: "not-a-choice"})
        if prop.get("type") in ("integer", ["integer", "null"]):
            mutants[f"{key} not a number"] = dict(good["data"], **{key: "many"})
        if prop.get("format") in ("date", "date-time"):
            mutants[f"{key} not a date"] = dict(good["data"], **{key: "soon"})
    for what, data in mutants.items():
        with pytest.raises(ValidationError):
            spec.validate(data)
        bad = copy.deepcopy(good)
        bad["data"] = data
        assert not json_validator(schema).is_valid(bad), f"JSON Schema accepts {what}"
    assert not json_validator(schema).is_valid(dict(good, extra="x")), "unknown envelope attribute"
    assert not json_validator(schema).is_valid(dict(good, type="org.confer.other.Thing.v1"))


def test_asyncapi_lists_every_public_event_and_only_those(json_validator):
    doc = yaml.safe_load((contract.DOCS / "asyncapi.yaml").read_text())
    assert doc["asyncapi"] == "3.0.0" and doc["info"]["title"] and doc["info"]["version"]
    assert set(doc["channels"]) == {s.routing_key for s in PUBLIC}
    for spec in PUBLIC:
        channel = doc["channels"][spec.routing_key]
        assert channel["address"] == spec.routing_key
        amqp = channel["bindings"]["amqp"]
        assert amqp["is"] == "routingKey" and amqp["exchange"] == {
            "name": "confer.events", "type": "topic", "durable": True, "autoDelete": False, "vhost": "/"}
        message = doc["components"]["messages"][contract.stem(spec)]
        assert message["payload"] == {"$ref": f"./events/{contract.stem(spec)}.json"}
        schema = json.loads((contract.DOCS / "events" / f"{contract.stem(spec)}.json").read_text())
        json_validator(schema).validate(message["examples"][0]["payload"])
    for op in doc["operations"].values():
        assert op["action"] == "send"
        assert resolve(doc, op["channel"]["$ref"]) and all(resolve(doc, m["$ref"]) for m in op["messages"])
    for channel in doc["channels"].values():
        assert all(resolve(doc, m["$ref"]) for m in channel["messages"].values())
    names = r"^[\w\d.\-_]+$"
    for section in (doc["channels"], doc["operations"], doc["components"]["messages"]):
        assert all(re.match(names, key) for key in section)


def resolve(doc, ref):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


CONTACT_OR_FREE_TEXT = re.compile(
    r"(^|_)(e?mail|phone|sms|address|street|given_name|family_name|preferred_name|first_name|last_name|"
    r"birth|statement|note|notes|comment|text|body|message|hopes|concerns|answer|reflection)(_|$)")


@pytest.mark.parametrize("spec", PUBLIC, ids=[contract.stem(s) for s in PUBLIC])
def test_public_events_carry_no_contact_details_or_free_text(spec):
    def names(schema, path=""):
        for key, sub in schema.get("properties", {}).items():
            yield f"{path}{key}"
            yield from names(sub, f"{path}{key}.")
            yield from names(sub.get("items", {}), f"{path}{key}[].")

    found = [n for n in names(contract.event_schema(spec)["properties"]["data"])
             if CONTACT_OR_FREE_TEXT.search(n.rsplit(".", 1)[-1])]
    assert not found, f"{spec.type} is public but has {found}: mark the event private=True or drop the field"


def test_events_md_explains_the_contract():
    text = " ".join((contract.DOCS / "events.md").read_text().split())
    for phrase in ("confer.events", "<producer>.<Name>.v<N>", "correlationid", "districtid", "schoolid",
                   "At least once", "(source, id)", "Do not rely on order", "side by side", "rabbitmqctl",
                   "set_permissions", "--role service --sub warehouse --scope students:read"):
        assert phrase in text, phrase
    for spec in PUBLIC:
        assert f"`{spec.routing_key}`" in text


def test_schema_check_finds_what_an_outside_validator_would():
    """The season test's check (tests/schema_check.py) accepts a real envelope and names
    each violation of the published schema."""
    from services.common.catalogue import latest
    from tests.schema_check import schema_errors

    spec = latest("ConferenceBooked")
    good = new_event(spec, contract.example_data(spec), subject="b-1", district_id="d-1", school_id="s-1")
    assert schema_errors(good) == []
    bad = {**good, "time": "yesterday", "data": {**good["data"], "student_id": 7}}
    bad["data"].pop("teacher_id")
    errors = schema_errors(bad)
    assert len(errors) == 3 and any("time" in e for e in errors) and any("student_id" in e for e in errors)
    assert schema_errors({**good, "type": "org.confer.scheduling.Nope.v1"}) == [
        "org.confer.scheduling.Nope.v1: no published schema"]
