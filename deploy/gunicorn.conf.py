"""Gunicorn settings for every Confer web process (`confer web SERVICE` uses this file).

* Workers from the CPUs this container may use (cgroup quota, then CPU affinity), or
  WEB_CONCURRENCY; gthread workers with WEB_THREADS threads each.
* Graceful shutdown: on SIGTERM a worker gets WEB_GRACEFUL_TIMEOUT seconds to finish.
* Logs are JSON, one object per line: access log (with the correlation id) and error log.
* prometheus-client multiprocess mode: each worker writes its metrics under
  PROMETHEUS_MULTIPROC_DIR and /metrics aggregates them; stale files are removed at start
  and `child_exit` marks a dead worker so its live gauges stop counting.
"""
import json
import logging
import math
import os
import tempfile
import time

from gunicorn.glogging import Logger


def _cpus() -> int:
    """CPUs this process may use: the cgroup v2 (or v1) CPU quota if one is set, else
    the CPU affinity mask. os.cpu_count() would report the whole node in a container."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as q, open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as p:
            quota, period = int(q.read()), int(p.read())
        if quota > 0:
            return max(1, math.ceil(quota / period))
    except (OSError, ValueError):
        pass
    return len(os.sched_getaffinity(0))


bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or _cpus() * 2 + 1)
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "0"))
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0
# Heartbeat files on a tmpfs: a container's overlay filesystem can stall on fsync.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Gunicorn >= 23 opens a control socket under $HOME by default: read-only in the image, and
# shared by every gunicorn on one host. Not used here (older versions ignore this name).
control_socket_disable = True

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="confer-prom-")


class _JsonErrorFormatter(logging.Formatter):
    def format(self, record):
        entry = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
                 "level": record.levelname.lower(), "logger": record.name, "pid": record.process,
                 "event": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class JsonLogger(Logger):
    """Gunicorn's logger with one JSON object per line (values escaped properly, which a
    JSON-looking access_log_format string would not do)."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(_JsonErrorFormatter())
        for handler in self.access_log.handlers:
            handler.setFormatter(logging.Formatter("%(message)s"))

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        status = str(getattr(resp, "status", "") or "").split(" ")[0]
        entry = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "level": "info", "logger": "gunicorn.access", "pid": os.getpid(),
            "remote": environ.get("REMOTE_ADDR", "-"), "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"), "query": environ.get("QUERY_STRING") or None,
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "correlation_id": headers.get("x-correlation-id"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }
        try:
            self.access_log.info(json.dumps(entry, default=str))
        except Exception:  # noqa: BLE001 - a log line must never fail a request
            self.exception("could not write the access log")


logger_class = JsonLogger


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
