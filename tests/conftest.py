"""Shared fixtures. Servers start only when a test asks for them, so unit tests need none:
a MongoDB-wire server (SecantusDB in its own process) once per session with a fresh
database per test, and a RabbitMQ vhost per run with a fresh exchange per test."""
from __future__ import annotations

import os
import subprocess
import time
import uuid

import pytest

from services.common.config import DEV_JWT_SECRET, DEV_MODE_ENV, Settings
from services.common.auth import mint
from services.common.store import Store
from services.common.testing import BusTap, MongoDaemon, RabbitVhost

# The test fixtures run in dev mode (dev secrets, the dev sign-in); tests of the
# production defaults start their processes with it removed.
os.environ[DEV_MODE_ENV] = "1"
AMQP_BASE = os.environ.get("CONFER_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")


@pytest.fixture(scope="session")
def mongo_daemon():
    daemon = MongoDaemon().start()
    yield daemon
    daemon.cleanup()


@pytest.fixture
def mongo_url(mongo_daemon):
    return mongo_daemon.url


@pytest.fixture
def db_name():
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_store(mongo_daemon):
    """Factory: a Store on a fresh database of the session server."""
    made = []

    def factory(service: str = "test", **kw) -> Store:
        store = Store(mongo_daemon.url, f"t_{service}_{uuid.uuid4().hex[:10]}", service=service, **kw)
        made.append(store)
        return store

    yield factory
    for store in made:
        try:
            store.client.drop_database(store.db.name)
        finally:
            store.client.close()


def _rabbit_running() -> bool:
    return subprocess.run(["rabbitmqctl", "-q", "status"], capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def rabbit_vhost():
    if not _rabbit_running():
        subprocess.run(["rabbitmq-server", "-detached"], check=False)
        subprocess.run(["rabbitmqctl", "wait", "--timeout", "60", "/var/lib/rabbitmq/mnesia/rabbit@localhost.pid"],
                       capture_output=True)
        deadline = time.monotonic() + 60
        while not _rabbit_running() and time.monotonic() < deadline:
            time.sleep(1)
    vhost = RabbitVhost(AMQP_BASE).create()
    yield vhost
    vhost.delete()


@pytest.fixture
def amqp_url(rabbit_vhost):
    # A fault test may have just restarted the broker: wait until it accepts connections.
    from kombu import Connection

    deadline = time.monotonic() + 90
    while True:
        try:
            with Connection(rabbit_vhost.url, connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1)
            break
        except Exception:  # noqa: BLE001
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    return rabbit_vhost.url


@pytest.fixture
def exchange():
    """A fresh exchange namespace per test, so queues and bindings never leak between tests."""
    return f"confer.t{uuid.uuid4().hex[:8]}"


@pytest.fixture
def settings_for(mongo_daemon, amqp_url, exchange):
    def factory(service: str, **overrides) -> Settings:
        values = dict(service=service, mongo_url=mongo_daemon.url,
                      mongo_db=f"t_{service}_{uuid.uuid4().hex[:10]}", amqp_url=amqp_url, exchange=exchange,
                      retry_delays_ms=(100, 200), max_attempts=3, relay_poll_seconds=0.2)
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture
def bus_tap(amqp_url, exchange):
    taps = []

    def factory(keys=("#",), internal=False) -> BusTap:
        tap = BusTap(amqp_url, exchange, keys=keys, internal=internal)
        taps.append(tap)
        return tap

    yield factory
    for tap in taps:
        tap.close()


@pytest.fixture
def token():
    def factory(role: str = "district_admin", sub: str = "u-1", district_id: str = "d-1", school_ids=(), scopes=()):
        return mint(DEV_JWT_SECRET, sub=sub, role=role, district_id=district_id, school_ids=school_ids, scopes=scopes)

    return factory
