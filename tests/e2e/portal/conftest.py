"""The portal against the real system: every service as gunicorn + worker processes
(tests/e2e/harness.py) on a RabbitMQ vhost, the portal app in a werkzeug server thread,
and headless Chromium (Debian's) driven by Playwright."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from services.common.testing import free_port
from tests.e2e.harness import ROOT, System

CHROMIUM = os.environ.get("CONFER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "portal"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    return sync_playwright


@pytest.fixture(scope="module")
def system(rabbit_vhost, artifacts):
    logs = artifacts / "logs"
    logs.mkdir(exist_ok=True)
    sys_ = System(rabbit_vhost.url, web_workers=1, log_dir=str(logs)).start(timeout=120)
    yield sys_
    sys_.stop()


@pytest.fixture(scope="module")
def portal(system):
    """The portal app, served on a free port, pointed at the system's services."""
    from services.portal import create_app

    app = create_app({"urls": {name: system.url(name, "").rstrip("/") for name in system.services},
                      "dev_login": True, "cookie_secure": False})
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="portal-http")
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    sync_playwright = _playwright()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def artifacts(request):
    """test-artifacts/portal/<test module>/ (one module's run never wipes another's screenshots)."""
    folder = ARTIFACTS / request.module.__name__.rsplit(".", 1)[-1]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
