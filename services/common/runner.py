"""Process entrypoints: a worker process, and the signal handling around it."""
from __future__ import annotations

import os
import signal
import threading

from prometheus_client import start_http_server

from services.common import logs, production
from services.common.config import PORTS, Settings
from services.common.service import ServiceDefinition, Worker


def run_worker(defn: ServiceDefinition, settings: Settings | None = None) -> None:
    """Run a service's worker until SIGTERM/SIGINT. Exposes its own /metrics on
    WORKER_METRICS_PORT (default: the service port + 1000)."""
    logs.configure()
    settings = settings or Settings.from_env(defn.name)
    production.require_ready(settings, f"confer worker {defn.name}")
    port = int(os.environ.get("WORKER_METRICS_PORT", PORTS.get(defn.name, 8000) + 1000))
    if port:
        start_http_server(port)
    worker = Worker(defn, settings).start()
    done = threading.Event()

    def stop(signum, frame):
        done.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    done.wait()
    worker.stop()
