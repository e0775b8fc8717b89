"""The roster web app under gunicorn with 4 workers, started the way the image starts it
(`confer web roster`, deploy/gunicorn.conf.py): /metrics adds up every worker's counts,
the access log is JSON, and SIGTERM stops it gracefully."""
import glob
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from services.common.testing import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 200


def healthz_counts(families) -> float:
    return sum(s.value for f in families for s in f.samples
               if s.name == "confer_http_request_duration_seconds_count" and s.labels.get("route") == "/healthz")


def test_gunicorn_four_workers_metrics_sum_over_all_workers(mongo_daemon, tmp_path):
    port = free_port()
    prom_dir = tmp_path / "prom"
    (prom_dir).mkdir()
    (prom_dir / "histogram_999999.db").write_bytes(b"stale")  # removed at start, else it would count
    log_path = tmp_path / "gunicorn.log"
    env = dict(os.environ, MONGO_URL=mongo_daemon.url, MONGO_DB="t_gunicorn_roster", AMQP_URL="memory://",
               PROMETHEUS_MULTIPROC_DIR=str(prom_dir), PYTHONPATH=str(ROOT))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "services.cli", "web", "roster", "--port", str(port),
                                 "--workers", "4"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        def up():
            try:
                return requests.get(f"{base}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, timeout=60, message="gunicorn up")
        # Wait until all four workers have booted, so the load can spread.
        wait_until(lambda: log_path.read_text().count("Booting worker") >= 4, timeout=60, message="4 workers")
        before = healthz_counts(text_string_to_metric_families(requests.get(f"{base}/metrics").text))

        def hit(_):
            # A new connection per request (no keep-alive), so any worker may accept it.
            return requests.get(f"{base}/healthz", headers={"Connection": "close"}, timeout=10).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(hit, range(REQUESTS)))
        assert statuses == [200] * REQUESTS
        assert requests.get(f"{base}/readyz", timeout=10).status_code == 200

        scrape = requests.get(f"{base}/metrics", timeout=10)
        assert scrape.status_code == 200 and scrape.headers["Content-Type"].startswith("text/plain")
        families = list(text_string_to_metric_families(scrape.text))
        assert healthz_counts(families) - before == REQUESTS

        # Per worker: each gunicorn worker writes its own histogram_<pid>.db file.
        per_pid = {}
        for path in glob.glob(str(prom_dir / "histogram_*.db")):
            pid = int(Path(path).stem.split("_")[1])
            per_pid[pid] = healthz_counts(MultiProcessCollector.merge([path], accumulate=True))
        served = {pid: n for pid, n in per_pid.items() if n > 0}
        assert 999999 not in per_pid, "stale multiprocess files must be removed at start"
        assert len(served) > 1, f"one worker served everything: {per_pid}"
        assert sum(served.values()) == REQUESTS + before
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, log_path.read_text()[-2000:]

    lines = log_path.read_text().splitlines()
    access = [json.loads(line) for line in lines if '"gunicorn.access"' in line]
    assert len([a for a in access if a["path"] == "/healthz"]) >= REQUESTS
    entry = next(a for a in access if a["path"] == "/healthz")
    assert entry["status"] == 200 and entry["method"] == "GET" and entry["correlation_id"]
    assert isinstance(entry["duration_ms"], float)
    errors = [json.loads(line) for line in lines if '"logger": "gunicorn.error"' in line]
    assert any("Booting worker" in e["event"] for e in errors)
