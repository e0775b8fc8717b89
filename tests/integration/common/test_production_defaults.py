"""Production is the default: `confer web`, the app gunicorn loads, `confer worker` and the
portal, started without CONFER_DEV_MODE and without secrets (or with a secret published in
this repository), refuse to start and say what to set; started with a real key, a service
answers, and a token signed with the published dev secret gets 401."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from services.common.auth import mint
from services.common.config import DEV_JWT_SECRET
from services.common.testing import free_port

ROOT = Path(__file__).resolve().parents[3]
STRIP = ("CONFER_DEV_MODE", "JWT_SECRET", "JWT_JWKS_URL", "PORTAL_SECRET_KEY", "PORTAL_DEV_LOGIN",
         "PORTAL_COOKIE_SECURE", "AMQP_URL", "MONGO_URL")


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in STRIP}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def run(args, env, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("args", [["-m", "services.cli", "web", "roster"], ["-m", "services.cli", "worker", "goals"],
                                  ["-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "-w", "1", "-b",
                                   "127.0.0.1:0", "services.scheduling:create_app()"]],
                         ids=["confer web", "confer worker", "gunicorn app"])
def test_no_key_configured_refuses_to_start_and_says_what_to_set(args):
    result = run(args, production_env(AMQP_URL="amqp://confer:s3cr3t-pw-0000@127.0.0.1:1/x"))
    assert result.returncode != 0
    assert "refuses to start" in result.stderr and "JWT_JWKS_URL" in result.stderr and "JWT_SECRET" in result.stderr


@pytest.mark.parametrize("secret", [DEV_JWT_SECRET, "change-me-in-production", "short-but-random"])
def test_a_published_or_weak_secret_refuses_to_start(secret):
    result = run(["-m", "services.cli", "web", "notifications"],
                 production_env(JWT_SECRET=secret, AMQP_URL="amqp://confer:s3cr3t-pw-0000@127.0.0.1:1/x"))
    assert result.returncode == 3 and "JWT_SECRET" in result.stderr


def test_published_broker_passwords_and_the_in_process_bus_are_refused():
    key = secrets.token_urlsafe(48)
    for amqp, says in (("amqp://confer:confer@rabbitmq:5672/confer", "AMQP_URL carries a password published"),
                       ("", "AMQP_URL is not set")):
        result = run(["-m", "services.cli", "web", "reports"], production_env(JWT_SECRET=key, AMQP_URL=amqp))
        assert result.returncode == 3 and says in result.stderr, result.stderr


@pytest.mark.parametrize("extra,says", [
    ({}, "PORTAL_SECRET_KEY is not set"),
    ({"PORTAL_SECRET_KEY": "change-me-in-production"}, "PORTAL_SECRET_KEY is a value published"),
    ({"PORTAL_SECRET_KEY": "k" * 48, "PORTAL_DEV_LOGIN": "1"}, "PORTAL_DEV_LOGIN=1"),
    ({"PORTAL_SECRET_KEY": "k" * 48, "PORTAL_COOKIE_SECURE": "0"}, "PORTAL_COOKIE_SECURE=0"),
])
def test_the_portal_refuses_dev_sign_in_and_published_keys(extra, says):
    result = run(["-m", "services.cli", "web", "portal"], production_env(**extra))
    assert result.returncode == 3 and says in result.stderr, result.stderr


def test_with_a_real_key_it_serves_and_refuses_the_dev_secret_token(mongo_daemon, tmp_path):
    key, port = secrets.token_urlsafe(48), free_port()
    # No broker needed to answer reads; a broker user with a password of its own.
    env = production_env(JWT_SECRET=key, MONGO_URL=mongo_daemon.url, MONGO_DB=f"prod_{port}",
                         AMQP_URL=f"amqp://confer:{secrets.token_urlsafe(16)}@127.0.0.1:1/confer",
                         PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "web", "roster", "--port", str(port),
                             "--workers", "1"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, "roster did not start"
            time.sleep(0.3)
        forged = mint(DEV_JWT_SECRET, sub="admin", role="district_admin", district_id="org-district")
        assert requests.get(f"{url}/schools", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
        real = mint(key, sub="admin", role="district_admin", district_id="org-district")
        assert requests.get(f"{url}/schools", headers={"Authorization": f"Bearer {real}"}).status_code == 200
    finally:
        proc.terminate()
        proc.wait(20)
