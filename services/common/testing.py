"""Test and dev helpers: a MongoDB-wire server process (SecantusDB), a RabbitMQ vhost per
test run, an outside subscriber that taps the bus, and running a handler without a broker
(nameko's worker_factory / entrypoint_waiter, in our shape)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from kombu import Connection, Queue, binding
from pymongo import MongoClient

from services.common.bus import Topology
from services.common.catalogue import latest
from services.common.consumer import Dispatcher
from services.common.envelope import new_event


def _project_root() -> str:
    return str(Path(__file__).resolve().parents[2])


def stop_process(proc: subprocess.Popen | None, timeout: float) -> None:
    """Terminate `proc` (if it still runs) and give it `timeout` seconds to finish its
    clean-up before it is killed."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MongoDaemon:
    """The MongoDB-wire server as a separate process: stop and restart it to test outages."""

    def __init__(self, storage_path: str | None = None, port: int | None = None, log_path: str | None = None,
                 transaction_lifetime: float = 5.0):
        self.transaction_lifetime = transaction_lifetime
        self._tmp = None
        if storage_path is None:
            self._tmp = tempfile.mkdtemp(prefix="confer-mongo-")
            storage_path = self._tmp
        self.storage_path = storage_path
        self.port = port or free_port()
        self.log_path = log_path or os.path.join(storage_path, "secantusd.log")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 30.0) -> "MongoDaemon":
        Path(self.storage_path).mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "services.common.devdb", "--port", str(self.port),
                                      "--storage-path", self.storage_path,
                                      "--transaction-lifetime", str(self.transaction_lifetime)],
                                     stdout=log, stderr=subprocess.STDOUT, cwd=_project_root())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"secantusd-py exited with {self.proc.returncode}; see {self.log_path}")
            try:
                MongoClient(self.url, serverSelectionTimeoutMS=300).admin.command("ping")
                return self
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        raise RuntimeError("secantusd-py did not start in time")

    def stop(self) -> None:
        stop_process(self.proc, 15)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)


def rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True).stdout


class RabbitVhost:
    """A fresh vhost on the local RabbitMQ so test runs never collide."""

    def __init__(self, base_url: str = "amqp://guest:guest@127.0.0.1:5672/"):
        self.name = f"confer-test-{uuid.uuid4().hex[:10]}"
        self.base_url = base_url.rstrip("/")

    @property
    def url(self) -> str:
        return f"{self.base_url}/{self.name}"

    def create(self) -> "RabbitVhost":
        # The broker may be busy (another test restarting it): try a few times.
        for attempt in range(10):
            try:
                rabbitmqctl("add_vhost", self.name)
                break
            except subprocess.CalledProcessError as exc:
                if "already exists" in (exc.stdout or "") + (exc.stderr or ""):
                    break
                time.sleep(1 + attempt)
        for attempt in range(10):
            try:
                rabbitmqctl("set_permissions", "-p", self.name, "guest", ".*", ".*", ".*")
                return self
            except subprocess.CalledProcessError:
                if attempt == 9:
                    raise
                time.sleep(1 + attempt)
        return self

    def delete(self) -> None:
        try:
            rabbitmqctl("delete_vhost", self.name)
        except subprocess.CalledProcessError:
            pass


def make_envelope(name: str, data: dict, *, subject: str | None = None, district_id: str = "d-1",
                  school_id: str | None = None, correlation_id: str | None = None, event_id: str | None = None) -> dict:
    return new_event(latest(name), data, subject=subject, district_id=district_id,
                     school_id=school_id or data.get("school_id"), correlation_id=correlation_id, event_id=event_id)


def run_handler(store, handlers: dict, env: dict) -> str:
    """Run a service's handlers for one event, without a broker (same ledger and
    transaction as the real consumer). Returns 'processed' or 'duplicate'."""
    return Dispatcher(store, handlers).dispatch(env)


class EventReader:
    """Reading what a tap collected (`messages`, guarded by `_cond`): shared by BusTap and
    the end-to-end tests' durable tap."""

    messages: list[dict]
    _cond: threading.Condition

    def of_type(self, name: str) -> list[dict]:
        with self._cond:
            return [m for m in self.messages if m.get("type", "").split(".")[-2:-1] == [name]]

    def wait_for(self, name: str, count: int = 1, timeout: float = 15.0, where=None) -> list[dict]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [m for m in self.messages if m.get("type", "").split(".")[-2:-1] == [name]
                         and (where is None or where(m))]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} {name} event(s), saw {len(found)} "
                                         f"(all types: {sorted({m.get('type') for m in self.messages})})")
                self._cond.wait(min(remaining, 1.0))


class BusTap(EventReader):
    """An outside subscriber: an exclusive queue bound to routing keys on the public (and
    optionally internal) exchange, collecting every message it sees."""

    def __init__(self, url: str, exchange: str = "confer.events", keys=("#",), internal: bool = False):
        self.topology = Topology(exchange)
        self.conn = Connection(url)
        self.messages: list[dict] = []
        self.raw: list[bytes] = []
        self._cond = threading.Condition()
        self._stop = threading.Event()
        bindings = [binding(self.topology.public, routing_key=k) for k in keys]
        if internal:
            bindings += [binding(self.topology.internal, routing_key=k) for k in keys]
        self.queue = Queue(f"tap-{uuid.uuid4().hex[:8]}", bindings=bindings, exclusive=True, auto_delete=True)
        channel = self.conn.channel()
        self.topology.declare_exchanges(channel)
        self.queue.bind(channel).declare()
        self._consumer = self.conn.Consumer([self.queue], on_message=self._on_message, accept=[])
        self._consumer.consume()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _on_message(self, message):
        body = message.body
        with self._cond:
            self.raw.append(body)
            try:
                self.messages.append(json.loads(body))
            except ValueError:
                pass
            self._cond.notify_all()
        message.ack()

    def _drain(self):
        while not self._stop.is_set():
            try:
                self.conn.drain_events(timeout=0.2)
            except socket.timeout:
                continue
            except Exception:  # noqa: BLE001 - closed while stopping
                if self._stop.is_set():
                    return
                time.sleep(0.2)

    def close(self):
        self._stop.set()
        self._thread.join(2)
        try:
            self.conn.release()
        except Exception:  # noqa: BLE001
            pass


def wait_until(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def wait_for_queue(amqp_url: str, exchange: str, service: str, proc=None, timeout: float = 120.0) -> None:
    """Until `service`'s worker consumes its queue (declared with all its bindings: a
    publish before that is unroutable); fails at once if `proc` (its process) exited."""
    from amqp.exceptions import NotFound

    from services.common.bus import connect

    conn = connect(amqp_url)
    name = Topology(exchange).queue_name(service)
    try:
        deadline = time.monotonic() + timeout
        while True:
            channel = conn.channel()
            try:
                _, _, consumers = channel.queue_declare(queue=name, passive=True)
                if consumers:
                    return
            except NotFound:
                pass
            finally:
                try:
                    channel.close()
                except Exception:  # noqa: BLE001 - closed by the broker after NotFound
                    pass
            if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
                raise RuntimeError(f"the {service} worker did not start consuming its queue")
            time.sleep(0.3)
    finally:
        conn.release()


class WorkerProcess:
    """`confer worker SERVICE` as its own process (kill -9 it, start it again), logging
    to `log_path`, its /metrics on `metrics_port`."""

    def __init__(self, service: str, env: dict, log_path: str):
        self.service, self.log_path = service, log_path
        self.metrics_port = free_port()
        self.env = {**os.environ, "PYTHONPATH": _project_root(), "WORKER_METRICS_PORT": str(self.metrics_port),
                    **env}
        self.proc: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "services.cli", "worker", self.service], env=self.env,
                                     cwd=_project_root(), stdout=log, stderr=subprocess.STDOUT)
        wait_for_queue(self.env["AMQP_URL"], self.env.get("CONFER_EXCHANGE", "confer.events"), self.service,
                       self.proc)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        stop_process(self.proc, 30)

    def metric(self, name: str, **labels) -> float:
        """A sample from the worker's /metrics (0 if absent)."""
        import urllib.request

        from prometheus_client.parser import text_string_to_metric_families

        text = urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10).read().decode()
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    return sample.value
        return 0.0

    def log(self) -> str:
        with open(self.log_path, errors="replace") as f:
            return f.read()
