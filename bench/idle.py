"""Idle CPU of a worker process (consumer + relay + timers + change-stream waker) with
nothing to do, against the same measurement of a bare `python -c sleep` baseline.

    .venv/bin/python bench/idle.py [--service goals] [--seconds 20]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Benchmarks run the services with dev secrets, like the tests.
os.environ.setdefault("CONFER_DEV_MODE", "1")

from services.common.testing import MongoDaemon, RabbitVhost, free_port  # noqa: E402


def cpu_percent(proc: psutil.Process, seconds: float) -> float:
    before = proc.cpu_times()
    time.sleep(seconds)
    after = proc.cpu_times()
    used = (after.user - before.user) + (after.system - before.system)
    return 100.0 * used / seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--service", default="goals")
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    vhost, daemon = RabbitVhost().create(), MongoDaemon().start()
    env = dict(os.environ, PYTHONPATH=str(ROOT), MONGO_URL=daemon.url, AMQP_URL=vhost.url,
               WORKER_METRICS_PORT=str(free_port()), LOG_LEVEL="WARNING")
    worker = subprocess.Popen([sys.executable, "-m", "services.cli", "worker", args.service], env=env, cwd=ROOT)
    base = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        time.sleep(8)  # start-up, index creation, queue declarations
        ours = cpu_percent(psutil.Process(worker.pid), args.seconds)
        baseline = cpu_percent(psutil.Process(base.pid), 2)
    finally:
        worker.terminate()
        base.terminate()
        worker.wait(10)
        daemon.cleanup()
        vhost.delete()
    print(f"idle worker ({args.service}) CPU over {args.seconds:.0f}s: {ours:.2f} % of one core "
          f"(target < 2 %); bare sleeping interpreter: {baseline:.2f} %")


if __name__ == "__main__":
    main()
