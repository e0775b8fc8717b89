"""The bus over the real RabbitMQ: outbox -> relay -> consumer of another service, once;
redelivery after a crash; dead-lettering of poison; duplicates; broker restarts."""
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from kombu import Connection

from services.common.bus import Publisher, Topology, Unroutable
from services.common.catalogue import latest
from services.common.envelope import encode
from services.common.service import ServiceDefinition, Worker, make_store
from services.common.testing import make_envelope, rabbitmqctl, run_handler, wait_until
from services.common.wiring import handler

SCHOOL = {"school_id": "s-1", "name": "Lovett", "time_zone": "America/Chicago", "languages": ["en"], "active": True}


def school_event(i=1, **kw):
    return make_envelope("SchoolUpdated", dict(SCHOOL, school_id=f"s-{i}"), school_id=f"s-{i}", **kw)


@handler("test.record_school")
def record_school(event, uow):
    uow.db["seen"].insert_one({"event_id": event.id, "school_id": event.data["school_id"]}, session=uow.session)


def producer(settings_for):
    settings = settings_for("roster")
    defn = ServiceDefinition(name="roster", blueprints=list)
    return Worker(defn, settings, consume=False, run_timers=False)


def consumer(settings_for, handlers, **kw):
    settings = settings_for("goals", **kw)
    defn = ServiceDefinition(name="goals", blueprints=list, handlers=lambda: handlers)
    return Worker(defn, settings, relay=False)


def emit_schools(store, n, start=1):
    for i in range(start, start + n):
        store.atomic(lambda uow, i=i: uow.emit("SchoolUpdated", dict(SCHOOL, school_id=f"s-{i}"), subject=f"s-{i}"),
                     district_id="d-1")


def dlq_messages(url, topology, service):
    from kombu import Queue

    with Connection(url) as conn:
        queue = Queue(topology.dlq_name(service), durable=True,
                      queue_arguments={"x-queue-type": "quorum"}).bind(conn.default_channel)
        out = []
        while (msg := queue.get(no_ack=False)) is not None:
            out.append(msg)
            msg.ack()
        return out


def test_outbox_to_other_service_once_with_valid_envelope(settings_for, bus_tap):
    tap = bus_tap()
    cons = consumer(settings_for, {"SchoolUpdated": [record_school]}).start()
    prod = producer(settings_for).start()
    try:
        emit_schools(prod.store, 3)
        wait_until(lambda: cons.store.db["seen"].count_documents({}) == 3, message="3 schools seen")
        time.sleep(0.5)
        assert cons.store.db["seen"].count_documents({}) == 3
        events = tap.wait_for("SchoolUpdated", 3)
        for env in events:
            assert env["specversion"] == "1.0" and env["source"] == "/confer/roster"
            assert env["type"] == "org.confer.roster.SchoolUpdated.v1" and env["districtid"] == "d-1"
        assert prod.store.db["outbox"].count_documents({"status": "sent"}) == 3
    finally:
        prod.stop()
        cons.stop()


def test_duplicate_delivery_has_no_second_effect(settings_for):
    cons = consumer(settings_for, {"SchoolUpdated": [record_school]}).start()
    try:
        env = school_event()
        pub = Publisher(cons.settings.amqp_url, cons.topology)
        for _ in range(3):
            pub.publish(env, spec=latest("SchoolUpdated"))
        wait_until(lambda: cons.store.db["processed_events"].count_documents({}) == 1)
        time.sleep(1.0)
        assert cons.store.db["seen"].count_documents({}) == 1
        # The handler helper (no broker) goes through the same ledger.
        assert run_handler(cons.store, {"SchoolUpdated": [record_school]}, env) == "duplicate"
    finally:
        cons.stop()


def test_poison_is_dead_lettered_after_tries_and_queue_keeps_flowing(settings_for):
    calls = []

    @handler("test.fussy")
    def fussy(event, uow):
        calls.append(event.data["school_id"])
        if event.data["school_id"] == "s-bad":
            raise RuntimeError("cannot handle this one")
        record_school(event, uow)

    cons = consumer(settings_for, {"SchoolUpdated": [fussy]}).start()
    try:
        pub = Publisher(cons.settings.amqp_url, cons.topology)
        spec = latest("SchoolUpdated")
        pub.publish(make_envelope("SchoolUpdated", dict(SCHOOL, school_id="s-bad")), spec=spec)
        pub.publish(school_event(2), spec=spec)
        pub.publish_raw(b"\xff not json", exchange=cons.topology.public, routing_key=spec.routing_key)
        wait_until(lambda: calls.count("s-bad") == 3, timeout=20, message="three tries")
        wait_until(lambda: cons.store.db["seen"].count_documents({"school_id": "s-2"}) == 1)
        time.sleep(0.5)
        dead = dlq_messages(cons.settings.amqp_url, cons.topology, "goals")
        assert len(dead) == 2
        bodies = [m.body if isinstance(m.body, bytes) else m.body.encode("utf-8", "surrogateescape") for m in dead]
        assert any(b"s-bad" in b for b in bodies) and any(b.startswith(b"\xff") for b in bodies)
        poison = next(m for m, b in zip(dead, bodies) if b"s-bad" in b)
        assert poison.headers["x-confer-attempts"] == 3 and "cannot handle" in poison.headers["x-confer-error"]
        assert calls.count("s-bad") == 3
    finally:
        cons.stop()


CRASHY = r'''
import sys, time
from services.common.config import Settings
from services.common.service import ServiceDefinition, Worker
from services.common.wiring import handler
@handler("test.slow")
def slow(event, uow):
    uow.store.db["started"].insert_one({"event_id": event.id})
    sys.stdout.write("handling\n"); sys.stdout.flush()
    time.sleep(60)
settings = Settings(service="goals", mongo_url=sys.argv[1], mongo_db=sys.argv[2], amqp_url=sys.argv[3],
                    exchange=sys.argv[4], max_attempts=3, retry_delays_ms=(100, 200))
w = Worker(ServiceDefinition(name="goals", blueprints=list, handlers=lambda: {"SchoolUpdated": [slow]}),
           settings, relay=False).start()
time.sleep(120)
'''


def test_event_not_lost_when_consumer_killed_before_ack(settings_for, tmp_path):
    settings = settings_for("goals")
    script = tmp_path / "crashy.py"
    script.write_text(CRASHY)
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, str(script), settings.mongo_url, settings.mongo_db, settings.amqp_url,
                             settings.exchange], stdout=subprocess.PIPE, env=env)
    try:
        store = make_store(ServiceDefinition(name="goals", blueprints=list), settings)
        topology = Topology(settings.exchange)
        wait_until(lambda: _queue_exists(settings.amqp_url, topology.queue_name("goals")), timeout=20)
        event = school_event(7)
        publisher = Publisher(settings.amqp_url, topology)
        # The queue is declared before its bindings: until they exist the broker returns the
        # event as unroutable (mandatory publish), so nothing is delivered twice by trying again.
        wait_until(lambda: _routed(publisher, event), timeout=20, message="the crashy worker's binding")
        assert proc.stdout.readline().strip() == b"handling"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert store.db["seen"].count_documents({}) == 0
        defn = ServiceDefinition(name="goals", blueprints=list, handlers=lambda: {"SchoolUpdated": [record_school]})
        worker = Worker(defn, settings, store=store, relay=False).start()
        try:
            wait_until(lambda: store.db["seen"].count_documents({}) == 1, timeout=20, message="redelivery")
            time.sleep(0.5)
            assert store.db["seen"].count_documents({"event_id": event["id"]}) == 1
        finally:
            worker.stop()
    finally:
        if proc.poll() is None:
            proc.kill()


def _routed(publisher, event) -> bool:
    try:
        publisher.publish(event, spec=latest("SchoolUpdated"))
        return True
    except Unroutable:
        return False


def _queue_exists(url, name):
    try:
        with Connection(url) as conn:
            conn.default_channel.queue_declare(name, passive=True)
            return True
    except Exception:  # noqa: BLE001
        return False


@pytest.mark.slow
def test_relay_resumes_after_rabbitmq_restart(settings_for):
    cons = consumer(settings_for, {"SchoolUpdated": [record_school]}).start()
    prod = producer(settings_for).start()
    try:
        emit_schools(prod.store, 5)
        wait_until(lambda: cons.store.db["seen"].count_documents({}) == 5, timeout=20)
        rabbitmqctl("stop_app")
        try:
            emit_schools(prod.store, 20, start=100)  # accepted while the broker is down
            time.sleep(1.0)
        finally:
            rabbitmqctl("start_app")
            rabbitmqctl("await_startup")
        wait_until(lambda: cons.store.db["seen"].count_documents({}) == 25, timeout=90, message="all 25 after restart")
        time.sleep(1.0)
        assert cons.store.db["seen"].count_documents({}) == 25
        assert len(cons.store.db["seen"].distinct("school_id")) == 25
        wait_until(lambda: prod.store.db["outbox"].count_documents({"status": "pending"}) == 0, timeout=30,
                   message="every outbox entry marked")
    finally:
        prod.stop()
        cons.stop()


@pytest.mark.slow
def test_a_failure_while_the_broker_is_down_does_not_stop_the_consumer(settings_for):
    """A handler fails just as RabbitMQ goes away, so its retry copy cannot be published:
    the message is not acked, the consumer reconnects when the broker is back, and the
    message is handled then (the consumer thread does not die)."""
    state = {"broken": True, "calls": 0}
    stopped = {"broker": False}

    @handler("test.fragile")
    def fragile(event, uow):
        state["calls"] += 1
        if state["broken"]:
            if not stopped["broker"]:
                stopped["broker"] = True
                rabbitmqctl("stop_app")  # its retry copy now has nowhere to go
            raise RuntimeError("downstream is broken")
        record_school(event, uow)

    cons = consumer(settings_for, {"SchoolUpdated": [fragile]}).start()
    try:
        Publisher(cons.settings.amqp_url, cons.topology).publish(school_event(3), spec=latest("SchoolUpdated"))
        wait_until(lambda: stopped["broker"], timeout=30, message="the broker stopped mid-failure")
        time.sleep(2.0)
        state["broken"] = False
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
    try:
        wait_until(lambda: cons.store.db["seen"].count_documents({}) == 1, timeout=120,
                   message="handled after the broker came back")
        assert all(t.is_alive() for t in cons.threads), "a worker thread died"
    finally:
        cons.stop()


def test_batch_publisher_collects_confirms_keeps_order_and_reports_unroutable(settings_for):
    """Many publishes in flight on one channel, confirms collected together: what a
    queue is bound for is confirmed, in order; what no queue is bound for comes back
    as unroutable (not counted as sent)."""
    from kombu import Queue, binding

    from services.common.bus import BatchPublisher, resolve

    settings = settings_for("roster")
    topology = Topology(settings.exchange)
    spec = latest("SchoolUpdated")
    with Connection(settings.amqp_url) as conn:
        channel = conn.channel()
        topology.declare_exchanges(channel)
        queue = Queue(f"batch-{settings.exchange}", bindings=[binding(topology.public, routing_key=spec.routing_key)],
                      durable=True, queue_arguments={"x-queue-type": "quorum"}).bind(channel)
        queue.declare()
        publisher = BatchPublisher(settings.amqp_url, topology, service="test")
        try:
            bound = [school_event(i) for i in range(300)]
            orphan = make_envelope("GoalAchieved", {"goal_id": "g-1", "student_id": "st-1", "school_id": "s-1",
                                                    "achieved_on": "2026-11-02"})
            items = [(env, spec) for env in bound[:150]] + [(orphan, resolve(orphan["type"]))] + \
                [(env, spec) for env in bound[150:]]
            done = publisher.publish_many(items)
            assert done.error is None
            assert done.unroutable == [orphan["id"]]
            assert done.sent == [env["id"] for env in bound]
            got = []
            while (message := queue.get(no_ack=False)) is not None:
                got.append(json.loads(message.body)["id"])
                message.ack()
            assert got == [env["id"] for env in bound]  # every one, in the order published
        finally:
            publisher.close()
            queue.delete()
