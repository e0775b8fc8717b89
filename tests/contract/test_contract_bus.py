"""An outside system's view: its own queue bound to '#' on the public exchange receives one
event of every public type, published by each producer's real outbox relay, and every one
validates against the published JSON Schema file with the standard jsonschema validator."""
import json

from services.common import contract
from services.common.catalogue import all_specs, latest
from services.common.envelope import new_event
from services.common.service import ServiceDefinition, Worker
from services.common.testing import wait_until


def relay_for(settings_for, service: str) -> Worker:
    """A service's worker running only its outbox relay (as in tests/integration/common/test_bus.py)."""
    return Worker(ServiceDefinition(name=service, blueprints=list), settings_for(service), consume=False,
                  run_timers=False)


def emit(store, spec, data=None, **kw):
    """Commit one event of exactly `spec` through a unit of work (the outbox path)."""
    data = data or contract.example_data(spec)

    def work(uow):
        if latest(spec.name) is spec:
            return uow.emit(spec.name, data, subject=kw.get("subject"))
        env = new_event(spec, data, subject=kw.get("subject"), district_id=uow.district_id,
                        school_id=data.get("school_id"), correlation_id=uow.correlation_id, now=uow.now)
        uow.events.append({"env": env, "spec": spec})  # an older version side by side (emit picks the newest)
        return env

    return store.atomic(work, district_id="district-1")


def test_every_public_event_reaches_an_outside_subscriber_and_matches_its_schema(settings_for, bus_tap,
                                                                                 json_validator):
    tap = bus_tap(keys=("#",))
    specs = all_specs()
    public = [s for s in specs if not s.private]
    workers = {svc: relay_for(settings_for, svc).start() for svc in sorted({s.producer for s in specs})}
    try:
        sent = {s.type: emit(workers[s.producer].store, s) for s in specs}  # private ones too
        wait_until(lambda: {m["type"] for m in tap.messages} >= {s.type for s in public}, timeout=30,
                   message="one event of every public type")
        for w in workers.values():
            wait_until(lambda w=w: w.store.db["outbox"].count_documents({"status": "pending"}) == 0)
    finally:
        for w in workers.values():
            w.stop()

    received = {m["type"]: m for m in tap.messages}
    assert set(received) == {s.type for s in public}, "private events must never reach the public exchange"
    for spec in public:
        schema = json.loads((contract.DOCS / "events" / f"{contract.stem(spec)}.json").read_text())
        event = received[spec.type]
        json_validator(schema).validate(event)
        assert event["id"] == sent[spec.type]["id"] and event["source"] == f"/confer/{spec.producer}"
        assert event["districtid"] == "district-1" and event["data"] == sent[spec.type]["data"]
    assert len(tap.raw) == len(tap.messages)  # every body parsed as one JSON envelope
