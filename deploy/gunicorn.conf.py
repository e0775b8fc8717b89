"""Gunicorn settings for every Confer web process.

Workers from the CPU count (override with WEB_CONCURRENCY), graceful shutdown, JSON access
log, and prometheus-client multiprocess mode: each worker writes its metrics to
PROMETHEUS_MULTIPROC_DIR and /metrics aggregates them; `child_exit` marks a dead
worker's live gauges so they stop counting."""
import multiprocessing
import os
import tempfile

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "0"))
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"ts":"%(t)s","remote":"%(h)s","method":"%(m)s","path":"%(U)s","query":"%(q)s","status":%(s)s,'
    '"bytes":"%(B)s","duration_us":%(D)s,"correlation_id":"%({x-correlation-id}o)s","agent":"%(a)s"}'
)

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="confer-prom-")


def on_starting(server):
    # Stale files from an earlier run would be counted again.
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
