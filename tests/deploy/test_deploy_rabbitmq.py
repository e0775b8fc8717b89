"""deploy/rabbitmq/definitions.json on the real RabbitMQ: it imports, it carries no user (it
is published: rabbitmq-init creates the services' user with a password from the
environment, done here the same way), the services' own topology declarations agree with its
exchanges (no PRECONDITION_FAILED), and its delivery-limit policy lands on the services'
quorum queues. Imported under a throw-away vhost and user names, removed afterwards."""
from pathlib import Path
import json
import subprocess
import uuid

import pytest
from kombu import Connection

from services.common.bus import Topology
from services.common.queues import queue_depth
from services.common.testing import rabbitmqctl, wait_until

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture
def imported(rabbit_vhost):  # rabbit_vhost: makes sure the local broker runs
    definitions = json.loads((DEPLOY / "rabbitmq" / "definitions.json").read_text())
    tag = uuid.uuid4().hex[:8]
    vhost = f"confer-defs-{tag}"
    for section in ("vhosts",):
        for item in definitions[section]:
            item["name"] = vhost
    for section in ("permissions", "policies", "exchanges", "queues", "bindings"):
        for item in definitions[section]:
            item["vhost"] = vhost
    assert definitions["users"] == [] and definitions["permissions"] == []
    users, password = {"confer": f"confer-{tag}"}, uuid.uuid4().hex
    subprocess.run(["rabbitmqctl", "-q", "import_definitions", "--format", "json"], input=json.dumps(definitions),
                   text=True, check=True, capture_output=True)
    # What deploy/rabbitmq/init.py does over the management API.
    rabbitmqctl("add_user", users["confer"], password)
    rabbitmqctl("set_permissions", "-p", vhost, users["confer"], ".*", ".*", ".*")
    try:
        wait_until(lambda: "confer.events.dlx" in rabbitmqctl("list_exchanges", "-p", vhost, "name"),
                   timeout=30, message="definitions imported")
        yield vhost, users, password
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True)
        for name in users.values():
            subprocess.run(["rabbitmqctl", "-q", "delete_user", name], capture_output=True)


def test_definitions_import_and_agree_with_the_services_topology(imported):
    vhost, users, password = imported
    url = f"amqp://{users['confer']}:{password}@127.0.0.1:5672/{vhost}"
    topology = Topology("confer.events")
    with Connection(url, connect_timeout=5) as conn:
        channel = conn.channel()
        topology.declare_exchanges(channel)  # raises PRECONDITION_FAILED if type/durability differ
        queues = topology.service_queues("goals", ["SchoolUpdated"], max_attempts=5, delays_ms=(1000, 5000))
        for q in [queues["dlq"], *queues["retries"], queues["main"]]:
            q.bind(channel).declare()
        assert queue_depth(conn, topology.queue_name("goals")) == 0
    listing = rabbitmqctl("list_queues", "-p", vhost, "name", "type", "policy")
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in listing.splitlines() if "\t" in line}
    assert rows["confer.events.goals"] == ["quorum", "confer-service-queues"]
    assert rows["confer.events.goals.dlq"][0] == "quorum"
    assert rows["confer.events.goals.retry.1000"][1] == ""  # the policy is for main queues only
