"""`confer dlq list|replay` against the real RabbitMQ: poison is dead-lettered, listed
without being taken, replayed with its attempts reset, and then processed; `replay` says
what became of each message (processed, or dead again and why); the queue depth gauges
follow."""
from click.testing import CliRunner
from prometheus_client import REGISTRY

from services.cli import main
from services.common.bus import Publisher, connect
from services.common.catalogue import latest
from services.common.queues import queue_depth, refresh_depths
from services.common.service import ServiceDefinition, Worker
from services.common.wiring import handler
from services.common.testing import make_envelope, wait_until

SCHOOL = {"name": "Lovett", "time_zone": "America/Chicago", "languages": ["en"], "active": True}


def gauge(name, service="goals"):
    return REGISTRY.get_sample_value(name, {"service": service})


def test_dlq_list_and_replay_moves_messages_back_and_they_are_processed(settings_for):
    settings = settings_for("goals")  # max_attempts=3, retry delays 100 and 200 ms
    state = {"healthy": False}
    calls: dict[str, int] = {}
    failed_after_fix: set[str] = set()

    @handler("test.fragile")
    def fragile(event, uow):
        school = event.data["school_id"]
        calls[school] = calls.get(school, 0) + 1
        if not state["healthy"]:
            raise RuntimeError("downstream is broken")
        if school not in failed_after_fix:  # one more failure after the fix: needs a retry to remain
            failed_after_fix.add(school)
            raise RuntimeError("flaky once more")
        uow.db["seen"].insert_one({"event_id": event.id, "school_id": school}, session=uow.session)

    defn = ServiceDefinition(name="goals", blueprints=list, handlers=lambda: {"SchoolUpdated": [fragile]})
    worker = Worker(defn, settings, relay=False).start()
    conn = connect(settings.amqp_url)
    env = {"AMQP_URL": settings.amqp_url, "CONFER_EXCHANGE": settings.exchange, "MONGO_URL": settings.mongo_url,
           "MONGO_DB": settings.mongo_db}
    runner = CliRunner()
    try:
        publisher = Publisher(settings.amqp_url, worker.topology)
        events = [make_envelope("SchoolUpdated", dict(SCHOOL, school_id=f"s-{i}")) for i in (1, 2, 3)]
        for e in events:
            publisher.publish(e, spec=latest("SchoolUpdated"))
        publisher.close()
        dlq = worker.topology.dlq_name("goals")
        wait_until(lambda: queue_depth(conn, dlq) == 3, timeout=30, message="3 dead letters")
        assert calls == {"s-1": 3, "s-2": 3, "s-3": 3}

        assert refresh_depths(conn, worker.topology, "goals") == {"main": 0, "dlq": 3}
        assert gauge("confer_dead_letter_messages") == 3 and gauge("confer_queue_messages") == 0

        listed = runner.invoke(main, ["dlq", "list", "goals"], env=env)
        assert listed.exit_code == 0, listed.output
        assert f"{dlq}: 3 message(s)" in listed.output
        for e in events:
            assert e["id"] in listed.output
        assert listed.output.count("org.confer.roster.SchoolUpdated.v1") == 3
        assert listed.output.count("attempts=3") == 3 and "downstream is broken" in listed.output
        assert "dead_at=20" in listed.output
        # Listing takes nothing (returned messages are counted again once the broker has them back).
        wait_until(lambda: queue_depth(conn, dlq) == 3, timeout=10, message="listed messages returned")

        state["healthy"] = True
        first = runner.invoke(main, ["dlq", "replay", "goals", "--limit", "1"], env=env)
        assert first.exit_code == 0, first.output
        assert "replayed 1 message(s)" in first.output
        # one of the three (a listed message the broker took back may come back behind the others)
        replayed = [e["id"] for e in events if f"id={e['id']}: processed" in first.output]
        assert len(replayed) == 1 and "outcome: 1 processed" in first.output, first.output
        wait_until(lambda: worker.store.db["seen"].count_documents({}) == 1, timeout=20, message="first replayed")
        wait_until(lambda: queue_depth(conn, dlq) == 2, timeout=10, message="two left")

        rest = runner.invoke(main, ["dlq", "replay", "goals"], env=env)
        assert rest.exit_code == 0, rest.output
        assert "replayed 2 message(s)" in rest.output and "outcome: 2 processed" in rest.output
        wait_until(lambda: worker.store.db["seen"].count_documents({}) == 3, timeout=20, message="all processed")
        # Attempts were reset: each replayed message failed once more and was retried, not re-dead-lettered.
        assert calls == {"s-1": 5, "s-2": 5, "s-3": 5}
        assert sorted(d["event_id"] for d in worker.store.db["seen"].find()) == sorted(e["id"] for e in events)
        wait_until(lambda: queue_depth(conn, dlq) == 0, timeout=10, message="dead-letter queue empty")
        refresh_depths(conn, worker.topology, "goals")
        assert gauge("confer_dead_letter_messages") == 0

        empty = runner.invoke(main, ["dlq", "list", "goals"], env=env)
        assert empty.exit_code == 0 and f"{dlq}: 0 message(s)" in empty.output
    finally:
        conn.release()
        worker.stop()


def test_dlq_replay_says_which_messages_died_again_and_why(settings_for):
    """Replayed before the cause was fixed: each comes back to the dead-letter queue, and
    replay says so with the error, not just how many it moved."""
    settings = settings_for("goals")

    @handler("test.broken")
    def broken(event, uow):
        raise RuntimeError(f"still broken for {event.data['school_id']}")

    defn = ServiceDefinition(name="goals", blueprints=list, handlers=lambda: {"SchoolUpdated": [broken]})
    worker = Worker(defn, settings, relay=False).start()
    conn = connect(settings.amqp_url)
    env = {"AMQP_URL": settings.amqp_url, "CONFER_EXCHANGE": settings.exchange, "MONGO_URL": settings.mongo_url,
           "MONGO_DB": settings.mongo_db}
    try:
        publisher = Publisher(settings.amqp_url, worker.topology)
        events = [make_envelope("SchoolUpdated", dict(SCHOOL, school_id=f"s-{i}")) for i in range(4)]
        for e in events:
            publisher.publish(e, spec=latest("SchoolUpdated"))
        publisher.close()
        dlq = worker.topology.dlq_name("goals")
        wait_until(lambda: queue_depth(conn, dlq) == 4, timeout=30, message="4 dead letters")
        result = CliRunner().invoke(main, ["dlq", "replay", "goals", "--wait", "60"], env=env)
        assert result.exit_code == 0, result.output
        assert "replayed 4 message(s)" in result.output
        for i, e in enumerate(events):
            assert (f"id={e['id']}: dead again after 3 attempt(s): RuntimeError('still broken for s-{i}')"
                    in result.output), result.output
        assert "outcome: 4 dead again" in result.output
        wait_until(lambda: queue_depth(conn, dlq) == 4, timeout=10, message="back in the dead-letter queue")
    finally:
        conn.release()
        worker.stop()


def test_dlq_commands_need_a_broker_and_an_existing_queue(settings_for):
    settings = settings_for("reports")
    runner = CliRunner()
    memory = runner.invoke(main, ["dlq", "list", "reports"], env={"AMQP_URL": "memory://"})
    assert memory.exit_code != 0 and "RabbitMQ" in memory.output
    env = {"AMQP_URL": settings.amqp_url, "CONFER_EXCHANGE": settings.exchange}
    missing = runner.invoke(main, ["dlq", "replay", "reports"], env=env)
    assert missing.exit_code != 0 and "does not exist" in missing.output
