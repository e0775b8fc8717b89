"""The whole system as separate processes, the way production runs it: a MongoDB-wire
server, and for each service its web app under gunicorn and its worker process, on a
fresh RabbitMQ vhost and exchange. Used by the end-to-end, contract and fault tests."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

from services.common.auth import mint
from services.common.config import DEV_JWT_SECRET, SERVICES
from services.common.testing import MongoDaemon, free_port

ROOT = Path(__file__).resolve().parents[2]


class System:
    def __init__(self, amqp_url: str, *, services=SERVICES, web_workers: int = 2, extra_env: dict | None = None,
                 mongo: MongoDaemon | None = None, log_dir: str | None = None):
        self.amqp_url = amqp_url
        self.services = list(services)
        self.web_workers = web_workers
        self.exchange = f"confer.e2e{uuid.uuid4().hex[:6]}"
        self.prefix = f"e2e{uuid.uuid4().hex[:6]}"
        self.mongo = mongo or MongoDaemon()
        self._own_mongo = mongo is None
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="confer-e2e-"))
        self.extra_env = extra_env or {}
        self.ports = {name: free_port() for name in self.services}
        self.webs: dict[str, subprocess.Popen] = {}
        self.workers: dict[str, subprocess.Popen] = {}

    # -- processes -------------------------------------------------------------
    def env(self, service: str) -> dict:
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": str(ROOT), "MONGO_URL": self.mongo.url, "MONGO_DB": f"{self.prefix}_{service}",
            "AMQP_URL": self.amqp_url, "CONFER_EXCHANGE": self.exchange, "JWT_SECRET": DEV_JWT_SECRET,
            "CONFER_DEV_MODE": "1",
            # An event that arrives before the one it needs (an invitation before its window,
            # reordered by a killed worker or a broker restart) is retried: the tries must
            # outlast those faults on a busy machine, or it is dead-lettered.
            "RELAY_POLL_SECONDS": "0.2", "CONFER_RETRY_DELAYS": "500,2000,5000", "CONFER_MAX_ATTEMPTS": "6",
            "WORKER_METRICS_PORT": str(free_port()), "LOG_LEVEL": "WARNING",
        })
        env.update(self.extra_env)
        return env

    def start_web(self, service: str) -> None:
        env = self.env(service)
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=f"prom-{service}-")
        log = open(self.log_dir / f"{service}-web.log", "ab")
        self.webs[service] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "-w", str(self.web_workers), "-b", f"127.0.0.1:{self.ports[service]}", self.web_app(service)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)

    def start_worker(self, service: str) -> None:
        log = open(self.log_dir / f"{service}-worker.log", "ab")
        self.workers[service] = subprocess.Popen(
            [sys.executable, "-m", *self.worker_module(), "worker", service], env=self.env(service),
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)

    # Overridable entry points (tests/e2e/season.py runs them under a test clock).
    def web_app(self, service: str) -> str:
        return f"services.{service}:create_app()"

    def worker_module(self) -> list[str]:
        return ["services.cli"]

    def kill_worker(self, service: str) -> None:
        proc = self.workers.pop(service)
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def start(self, timeout: float = 60.0) -> "System":
        if self._own_mongo:
            self.mongo.start()
        for name in self.services:
            self.start_worker(name)
            self.start_web(name)
        deadline = time.monotonic() + timeout
        for name in self.services:
            while True:
                try:
                    if requests.get(self.url(name, "/readyz"), timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not become ready; logs in {self.log_dir}")
                time.sleep(0.2)
        time.sleep(1.0)  # workers declare their queues
        return self

    def stop(self) -> None:
        for proc in [*self.webs.values(), *self.workers.values()]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [*self.webs.values(), *self.workers.values()]:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self._own_mongo:
            self.mongo.cleanup()

    # -- helpers ---------------------------------------------------------------
    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

    def client(self, role: str = "district_admin", sub: str = "admin-1", district_id: str = "org-district",
               school_ids=(), scopes=()) -> "Client":
        return Client(self, mint(DEV_JWT_SECRET, sub=sub, role=role, district_id=district_id,
                                 school_ids=school_ids, scopes=scopes))


class Client:
    """requests.Session with a bearer token, addressed by service name."""

    def __init__(self, system: System, token: str):
        self.system = system
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, service: str, path: str, **kw):
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.system.url(service, path), **kw)

    def get(self, service, path, **kw):
        return self.request("GET", service, path, **kw)

    def post(self, service, path, **kw):
        return self.request("POST", service, path, **kw)

    def put(self, service, path, **kw):
        return self.request("PUT", service, path, **kw)

    def patch(self, service, path, **kw):
        return self.request("PATCH", service, path, **kw)

    def delete(self, service, path, **kw):
        return self.request("DELETE", service, path, **kw)
