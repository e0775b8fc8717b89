"""The subscriber kit against the real broker: `confer events tail`, `subscribe`, `replay`."""
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from kombu import Connection, Queue

from services.common import contract
from services.common.bus import Topology
from services.common.catalogue import latest
from services.common.cli_events import cli, topic_matches
from services.common.config import Settings
from services.common.service import ServiceDefinition, Worker
from services.common.store import Store
from services.common.testing import MongoDaemon, rabbitmqctl, wait_until

ROOT = Path(__file__).resolve().parents[2]


def declare_confer_exchanges(url, exchange):
    with Connection(url) as conn:
        Topology(exchange).declare_exchanges(conn.default_channel)


def relay(settings, store=None) -> Worker:
    return Worker(ServiceDefinition(name=settings.service, blueprints=list), settings, store=store, consume=False,
                  run_timers=False).start()


def emit(worker, name, **data):
    data = dict(contract.example_data(latest(name)), **data)
    return worker.store.atomic(lambda uow: uow.emit(name, data), district_id="district-1")


def drained(worker):
    wait_until(lambda: worker.store.db["outbox"].count_documents({"status": "pending"}) == 0)
    worker.relay.flush_marks()


def get_all(url, queue_name):
    out = []
    with Connection(url) as conn:
        queue = Queue(queue_name, durable=True, no_declare=True).bind(conn.default_channel)
        while (msg := queue.get(no_ack=False)) is not None:
            out.append(msg)
            msg.ack()
    return out


def test_topic_matching():
    assert topic_matches("scheduling.#", "scheduling.ConferenceBooked.v1")
    assert topic_matches("*.ConferenceBooked.*", "scheduling.ConferenceBooked.v1")
    assert topic_matches("#", "roster.SchoolUpdated.v1") and topic_matches("a.#.b", "a.b")
    assert not topic_matches("scheduling.*", "scheduling.ConferenceBooked.v1")
    assert not topic_matches("goals.#", "scheduling.ConferenceBooked.v1")


def test_tail_prints_live_events_as_json_lines(amqp_url, exchange, settings_for):
    declare_confer_exchanges(amqp_url, exchange)
    env = dict(os.environ, AMQP_URL=amqp_url, CONFER_EXCHANGE=exchange)
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "events", "tail", "--routing-key", "scheduling.#",
                             "--count", "2", "--timeout", "30"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = proc.stderr.readline()
        assert line.startswith(f"listening on {exchange} for scheduling.#"), line + proc.stderr.read()
        worker = relay(settings_for("scheduling"))
        goals = relay(settings_for("goals"))
        try:
            booked = emit(worker, "ConferenceBooked")
            emit(goals, "GoalCreated")  # not bound by the tail
            held = emit(worker, "ConferenceHeld")
            out, err = proc.communicate(timeout=30)
        finally:
            worker.stop()
            goals.stop()
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert [json.loads(x)["id"] for x in lines] == [booked["id"], held["id"]]
    assert json.loads(lines[0]) == booked


def test_tail_explains_a_missing_exchange(amqp_url, exchange, monkeypatch):
    monkeypatch.setenv("AMQP_URL", amqp_url)
    monkeypatch.setenv("CONFER_EXCHANGE", exchange)  # never declared
    result = CliRunner().invoke(cli, ["tail", "--count", "1"])
    assert result.exit_code == 1 and "broker:" in result.output and "NOT_FOUND" in result.output


def test_subscribe_declares_a_durable_quorum_queue_on_the_public_exchange(amqp_url, exchange, settings_for,
                                                                          rabbit_vhost):
    declare_confer_exchanges(amqp_url, exchange)
    queue = f"warehouse.{exchange}.conferences"
    env = {"AMQP_URL": amqp_url, "CONFER_EXCHANGE": exchange}
    args = ["subscribe", "--queue", queue, "--bind", "scheduling.#", "--bind", "roster.SchoolUpdated.v1"]
    runner = CliRunner()
    result = runner.invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert f"queue {queue} (quorum, durable) bound to {exchange}" in result.output
    assert "scheduling.ConferenceBooked.v1" in result.output and "goals." not in result.output
    assert runner.invoke(cli, args, env=env).exit_code == 0  # idempotent
    typo = runner.invoke(cli, ["subscribe", "--queue", queue, "--bind", "schedulng.#"], env=env)
    assert "'schedulng.#' matches no public event today" in typo.output
    listed = rabbitmqctl("list_queues", "-p", rabbit_vhost.name, "name", "type", "durable")
    assert any(line.split() == [queue, "quorum", "true"] for line in listed.splitlines())

    worker, roster = relay(settings_for("scheduling")), relay(settings_for("roster"))
    try:
        booked = emit(worker, "ConferenceBooked")
        emit(roster, "StudentEnrolled")  # not bound
        school = emit(roster, "SchoolUpdated")
        drained(worker), drained(roster)
    finally:
        worker.stop()
        roster.stop()
    got = []
    wait_until(lambda: got.extend(get_all(amqp_url, queue)) or len(got) >= 2, message="2 events in the queue")
    assert sorted(json.loads(m.body)["id"] for m in got) == sorted([booked["id"], school["id"]])


@pytest.fixture(scope="module")
def outbox_server():
    """A MongoDB-wire server of its own, so the services' real database names (confer_<svc>) are free."""
    daemon = MongoDaemon().start()
    yield daemon
    daemon.cleanup()


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def test_replay_republishes_outbox_history_in_order_to_one_queue(outbox_server, amqp_url, exchange):
    declare_confer_exchanges(amqp_url, exchange)
    t0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=3)
    clocks, workers = {}, {}
    for service in ("roster", "scheduling"):
        settings = Settings(service=service, mongo_url=outbox_server.url, amqp_url=amqp_url, exchange=exchange,
                            relay_poll_seconds=0.1)
        assert settings.mongo_db == f"confer_{service}"
        clocks[service] = Clock(t0 - timedelta(days=10))
        workers[service] = relay(settings, Store.from_settings(settings, clock=clocks[service]))
    try:
        def at(service, minutes, name, **data):
            clocks[service].now = t0 + timedelta(minutes=minutes)
            return emit(workers[service], name, **data)

        at("roster", -10 * 24 * 60, "SchoolUpdated", school_id="old")  # before --since
        history = [at("roster", 0, "SchoolUpdated"), at("scheduling", 1, "ConferenceBooked"),
                   at("roster", 2, "StudentEnrolled"), at("scheduling", 3, "ConferenceHeld")]
        at("roster", 4, "PersonProfileChanged", person_id="p-1", role="guardian", given_name="Ana",
           family_name="Diaz", email="ana@example.org", school_ids=["school-1"])  # private: never replayed
        for w in workers.values():
            drained(w)
        assert workers["roster"].store.db["outbox"].count_documents({"status": "unroutable"}) == 4
    finally:
        for w in workers.values():
            w.stop()

    queue = f"warehouse.{exchange}.replay"
    with Connection(amqp_url) as conn:
        Queue(queue, durable=True, queue_arguments={"x-queue-type": "quorum"}).bind(conn.default_channel).declare()
    env = {"AMQP_URL": amqp_url, "CONFER_EXCHANGE": exchange, "MONGO_URL": outbox_server.url}
    since = (t0 - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    runner = CliRunner()
    result = runner.invoke(cli, ["replay", "--since", since, "--to", queue], env=env)
    assert result.exit_code == 0, result.output
    assert f"replayed 4 event(s) to {queue}" in result.output and "roster 2, scheduling 2" in result.output
    got = get_all(amqp_url, queue)
    assert [json.loads(m.body) for m in got] == history  # oldest first, across services, byte-for-byte envelopes
    assert all(m.headers["x-confer-replay"] is True and m.properties["delivery_mode"] == 2 for m in got)

    only = runner.invoke(cli, ["replay", "--since", since[:10], "--to", queue, "--service", "scheduling",
                               "--routing-key", "*.ConferenceHeld.*"], env=env)
    assert only.exit_code == 0 and "replayed 1 event(s)" in only.output
    assert [json.loads(m.body)["id"] for m in get_all(amqp_url, queue)] == [history[3]["id"]]

    old = runner.invoke(cli, ["replay", "--since", "2020-01-01", "--to", queue, "--service", "roster"], env=env)
    assert "history is kept 30 days" in old.output and "replayed 3 event(s)" in old.output
    get_all(amqp_url, queue)

    missing = runner.invoke(cli, ["replay", "--since", since, "--to", f"nope.{uuid.uuid4().hex}"], env=env)
    assert missing.exit_code == 1 and "does not exist" in missing.output
