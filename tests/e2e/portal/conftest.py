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
def portal(system, tmp_path_factory):
    """The portal app, served on a free port, pointed at the system's services (and at
    an empty dev mailbox of its own, never a developer's .data/mail)."""
    from services.portal import create_app

    app = create_app({"urls": {name: system.url(name, "").rstrip("/") for name in system.services},
                      "dev_login": True, "cookie_secure": False,
                      "dev_mailbox": str(tmp_path_factory.mktemp("portal-mailbox"))})
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


class DevSystem:
    """The whole system in development mode, the way `confer dev` runs it but as
    separate processes: every service under gunicorn + its worker, reading one dev clock;
    the dev mail catcher (a real SMTP server, aiosmtpd) and SMS catcher; the portal with
    the dev sign-in, the dev mail page and the dev clock, which messages link to."""

    def __init__(self, rabbit_url: str, folder: Path):
        from services.devmail import Mailbox, SmsCatcher, SmtpCatcher
        from tests.e2e.season import ClockedSystem

        self.mailbox = Mailbox(folder / "mail")
        self.smtp = SmtpCatcher(self.mailbox, port=free_port())
        self.sms = SmsCatcher(self.mailbox, port=0)
        self.portal_port = free_port()
        self.portal_url = f"http://127.0.0.1:{self.portal_port}"
        env = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp.port), "SMS_URL": f"http://127.0.0.1:{self.sms.port}",
               "SMS_API_KEY": "dev", "CONFER_PUBLIC_URL": self.portal_url, "NOTIFY_QUIET_HOURS": "00:00-00:00",
               "NOTIFY_RETRY_DELAYS": "1,2,4,8", "NOTIFY_SEND_TIMEOUT": "5", "LOG_LEVEL": "WARNING",
               # the link test signs in as each person dozens of times a minute, far past what
               # a person does; the limits themselves are tested in test_hostile.py
               "RATE_LIMIT_SCALE": "20"}
        logs = folder / "logs"
        logs.mkdir(exist_ok=True)
        self.system = ClockedSystem(rabbit_url, web_workers=1, extra_env=env, log_dir=str(logs))
        self.server = None

    def start(self) -> "DevSystem":
        from services.portal import create_app

        self.smtp.start()
        self.sms.start()
        self.system.start(timeout=240)
        app = create_app({"urls": {n: self.system.url(n, "").rstrip("/") for n in self.system.services},
                          "dev_login": True, "cookie_secure": False, "dev_tools": True,
                          "dev_clock_file": str(self.system.clock_file), "dev_mailbox": str(self.mailbox.folder)})
        self.server = make_server("127.0.0.1", self.portal_port, app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True, name="portal-http").start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
        self.system.stop()
        self.smtp.stop()
        self.sms.stop()


@pytest.fixture(scope="module")
def dev_system(rabbit_vhost, tmp_path_factory):
    dev = DevSystem(rabbit_vhost.url, tmp_path_factory.mktemp("dev")).start()
    yield dev
    dev.stop()
