"""The documented subscriber (docs/examples/subscriber.py) runs as its own process and gets a
ConferenceBooked published through the outbox; and the documented service account
(docs/examples/rabbitmq-subscriber-definitions.json) can do exactly what a subscriber
needs and nothing more."""
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Exchange, Producer, Queue

from services.common import contract
from services.common.bus import Topology
from services.common.catalogue import latest
from services.common.testing import rabbitmqctl, wait_until

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "subscriber.py"


def relay_for(settings_for, service):
    from services.common.service import ServiceDefinition, Worker

    return Worker(ServiceDefinition(name=service, blueprints=list), settings_for(service), consume=False,
                  run_timers=False)


def start_example(url, exchange, queue, stop_after):
    proc = subprocess.Popen([sys.executable, str(EXAMPLE), url, exchange, queue, str(stop_after)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(EXAMPLE.parent),
                            env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    line = proc.stderr.readline()
    assert line.strip() == "listening", line + proc.stderr.read()
    return proc


def publish_bookings(settings_for, count=1):
    """ConferenceBooked through the scheduling outbox relay, plus one event the example does not bind."""
    spec = latest("ConferenceBooked")
    worker = relay_for(settings_for, "scheduling").start()
    try:
        sent = []
        for i in range(count):
            data = dict(contract.example_data(spec), booking_id=f"booking-{i}")
            work = lambda uow, d=data: uow.emit("ConferenceBooked", d, subject=d["booking_id"])  # noqa: E731
            sent.append(worker.store.atomic(work, district_id="district-1"))
        cancelled = contract.example_data(latest("ConferenceCancelled"))
        worker.store.atomic(lambda uow: uow.emit("ConferenceCancelled", cancelled), district_id="district-1")
        wait_until(lambda: worker.store.db["outbox"].count_documents({"status": "pending"}) == 0)
        worker.relay.flush_marks()
        return sent
    finally:
        worker.stop()


def test_documented_subscriber_receives_conference_booked(amqp_url, exchange, settings_for):
    with Connection(amqp_url) as conn:
        Topology(exchange).declare_exchanges(conn.default_channel)  # Confer's side exists first
    proc = start_example(amqp_url, exchange, f"district.bookings.{uuid.uuid4().hex[:6]}", stop_after=2)
    try:
        sent = publish_bookings(settings_for, count=2)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == [env["id"] for env in sent]
    assert lines[0] == {"id": sent[0]["id"], "booking": "booking-0", "start": sent[0]["data"]["start"]}
    assert "invalid event" not in err


@pytest.fixture
def subscriber_account(rabbit_vhost, exchange):
    """The documented definitions, imported for a fresh user on the test vhost and exchange."""
    definitions = json.loads((ROOT / "docs" / "examples" / "rabbitmq-subscriber-definitions.json").read_text())
    user, password = f"warehouse-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    for entry in [*definitions["users"], *definitions["permissions"], *definitions["topic_permissions"]]:
        entry["name" if "name" in entry else "user"] = user
        if "vhost" in entry:
            entry["vhost"] = rabbit_vhost.name
        if entry.get("exchange") == "confer.events":
            entry["exchange"] = exchange
        if "read" in entry:
            entry["read"] = entry["read"].replace(re.escape("confer.events"), re.escape(exchange))
    path = Path(f"/tmp/{user}.json")
    path.write_text(json.dumps(definitions))
    try:
        rabbitmqctl("import_definitions", str(path))
        wait_until(lambda: user in rabbitmqctl("list_topic_permissions", "-p", rabbit_vhost.name), timeout=20,
                   message="definitions imported")
        rabbitmqctl("change_password", user, password)
        yield f"amqp://{quote(user)}:{password}@127.0.0.1:5672/{rabbit_vhost.name}"
    finally:
        path.unlink(missing_ok=True)
        try:
            rabbitmqctl("delete_user", user)
        except subprocess.CalledProcessError:
            pass


def test_service_account_can_subscribe_and_nothing_more(subscriber_account, amqp_url, exchange, settings_for):
    with Connection(amqp_url) as conn:
        Topology(exchange).declare_exchanges(conn.default_channel)
    proc = start_example(subscriber_account, exchange, f"warehouse.bookings.{uuid.uuid4().hex[:6]}", stop_after=1)
    try:
        [sent] = publish_bookings(settings_for)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert json.loads(out.splitlines()[0])["id"] == sent["id"]

    topology = Topology(exchange)
    public = Exchange(exchange, "topic", durable=True, passive=True)
    internal = Exchange(topology.internal.name, "topic", durable=True, passive=True)
    forbidden = {
        "bind the internal exchange": lambda ch: Queue(
            "warehouse.private", internal, routing_key="#").bind(ch).declare(),
        "bind a routing key outside its topic permission": lambda ch: Queue(
            "warehouse.all", public, routing_key="goals.#").bind(ch).declare(),
        "declare another system's queue": lambda ch: Queue(topology.queue_name("goals")).bind(ch).declare(),
        "publish to the public exchange": lambda ch: Producer(ch).publish(b"{}", exchange=exchange, routing_key="x"),
        "(re)declare Confer's exchange": lambda ch: Exchange(exchange, "topic", durable=True).bind(ch).declare(),
    }
    for what, action in forbidden.items():
        with Connection(subscriber_account, transport_options={"confirm_publish": True}) as conn:
            try:
                action(conn.channel())
                conn.drain_events(timeout=1)  # an asynchronous refusal arrives here
            except AccessRefused:
                continue
            except TimeoutError:
                pass
            pytest.fail(f"the subscriber account may {what}")
