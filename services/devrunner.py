"""`confer dev`: the whole system on one machine with nothing installed but Python.

Runs in dev mode (CONFER_DEV_MODE=1, for every service and the portal: dev secrets, the
dev sign-in; see services.common.production). Starts the embedded MongoDB-wire server
(data kept under --data-dir), uses the in-process bus (kombu memory://) unless AMQP_URL
is set, serves every service on its fixed port with its worker threads, loads a small
demo district once, and stops cleanly on Ctrl-C.

Dev mode also brings a dev clock that can be moved forward (file under --data-dir,
CONFER_DEV_CLOCK_FILE), a local mail catcher (a real SMTP server, aiosmtpd) and SMS
catcher keeping what was sent (folder CONFER_DEV_MAILBOX), and the portal's pages for
both (/dev/mail, /dev/clock). Links in messages point at the portal it serves
(CONFER_PUBLIC_URL).
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import signal
import threading
from pathlib import Path

from werkzeug.serving import make_server

from services.common import logs
from services.common.config import DEV_MODE_ENV, PORTS, SERVICES, Settings
from services.common.service import Worker, build_app, make_store
from services.common.testing import MongoDaemon

log = logs.get("confer.dev")
DEV_MONGO_PORT = 27027
DEV_SMTP_PORT = 1025
DEV_SMS_PORT = 1026


def _dev_environment(data: Path, host: str) -> list:
    """Development mode for every service and the portal (set before anything reads its
    settings); the mail and SMS catchers unless real servers are configured."""
    from services.common.devclock import CLOCK_ENV
    from services.devmail import MAILBOX_ENV, Mailbox, SmsCatcher, SmtpCatcher

    os.environ.setdefault(CLOCK_ENV, str(data / "dev-clock"))
    os.environ.setdefault(MAILBOX_ENV, str(data / "mail"))
    os.environ.setdefault("CONFER_PUBLIC_URL", f"http://{host}:8000")
    # No quiet hours by default: a message shows up on the dev mail page when it is sent,
    # whatever the hour (a person's own quiet hours, from the preferences page, still hold).
    os.environ.setdefault("NOTIFY_QUIET_HOURS", "00:00-00:00")
    box, started = Mailbox(os.environ[MAILBOX_ENV]), []
    if not os.environ.get("SMTP_HOST"):
        smtp = SmtpCatcher(box, host, int(os.environ.get("CONFER_DEV_SMTP_PORT", DEV_SMTP_PORT))).start()
        os.environ.update(SMTP_HOST=host, SMTP_PORT=str(smtp.port))
        started.append(smtp)
    if not os.environ.get("SMS_URL"):
        sms = SmsCatcher(box, host, int(os.environ.get("CONFER_DEV_SMS_PORT", DEV_SMS_PORT))).start()
        os.environ.update(SMS_URL=f"http://{host}:{sms.port}", SMS_API_KEY="dev")
        started.append(sms)
    return started


def run(*, data_dir: str, demo: bool, schools: int, students: int, block: bool = True, host: str = "127.0.0.1"):
    logs.configure()
    # The one place dev mode is switched on: dev secrets, the dev sign-in, dev-only pages.
    os.environ[DEV_MODE_ENV] = "1"
    data = Path(data_dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    catchers = _dev_environment(data, host)
    daemon = None
    mongo_url = os.environ.get("MONGO_URL")
    if not mongo_url:
        port = int(os.environ.get("CONFER_DEV_MONGO_PORT", DEV_MONGO_PORT))
        daemon = MongoDaemon(storage_path=str(data / "mongo"), port=port).start()
        mongo_url = daemon.url
    amqp_url = os.environ.get("AMQP_URL") or "memory://"
    servers, workers = [], []
    for name in SERVICES:
        settings = Settings.from_env(name, mongo_url=mongo_url, amqp_url=amqp_url)
        defn = importlib.import_module(f"services.{name}").SERVICE
        store = make_store(defn, settings)
        app = build_app(defn, settings, store=store)
        workers.append(Worker(defn, settings, store=store).start())
        server = make_server(host, PORTS[name], app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True, name=f"{name}-http").start()
        servers.append(server)
    if importlib.util.find_spec("services.portal"):
        servers.append(_serve_portal(host))
    if demo:
        _load_demo(data, schools, students, mongo_url, amqp_url)
    _warm_sign_in_page(host)
    _print_banner(mongo_url, amqp_url, data)
    stop = threading.Event()
    if block:
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        stop.wait()
        shutdown(servers, workers, daemon)
        for catcher in catchers:
            catcher.stop()
    return servers, workers, daemon


def _serve_portal(host: str):
    """The portal on port 8000, with the dev sign-in page (PORTAL_DEV_LOGIN=0 turns it off)."""
    from services.portal import create_app
    from services.portal.config import PORTAL_PORT

    app = create_app({"dev_login": os.environ.get("PORTAL_DEV_LOGIN", "1") == "1",
                      "cookie_secure": os.environ.get("PORTAL_COOKIE_SECURE", "0") == "1"})
    server = make_server(host, PORTAL_PORT, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True, name="portal-http").start()
    return server


def _warm_sign_in_page(host: str) -> None:
    """Build the dev sign-in page's list of people once, in the background, so the first
    visitor does not wait for it."""
    import requests

    def warm():
        try:
            requests.get(f"http://{host}:8000/dev/login", timeout=120)
        except requests.RequestException:
            pass

    threading.Thread(target=warm, daemon=True, name="dev-login-warm").start()


def shutdown(servers, workers, daemon) -> None:
    log.info("stopping")
    for server in servers:
        server.shutdown()
    for worker in workers:
        worker.stop(timeout=5)
    if daemon:
        daemon.stop()


def _load_demo(data: Path, schools: int, students: int, mongo_url: str, amqp_url: str) -> None:
    marker = data / "demo-loaded"
    if marker.exists() or importlib.util.find_spec("services.roster.application.imports") is None:
        return
    from services.roster.adapters.demo.district import generate
    from services.roster.application.imports import import_bundle_path

    bundle = data / "demo-bundle"
    generate(str(bundle), schools=schools, students=students)
    settings = Settings.from_env("roster", mongo_url=mongo_url, amqp_url=amqp_url)
    summary = import_bundle_path(settings, str(bundle))
    marker.write_text(str(summary))
    log.info("demo district loaded", summary=str(summary))


def _print_banner(mongo_url: str, amqp_url: str, data: Path) -> None:
    lines = ["", "Confer is running:"]
    for name in SERVICES:
        base = f"http://127.0.0.1:{PORTS[name]}"
        lines.append(f"  {name:<14} {base}  (openapi {base}/openapi.json, metrics {base}/metrics)")
    if importlib.util.find_spec("services.portal"):
        lines += ["  portal         http://127.0.0.1:8000  (sign in at /dev/login)",
                  "  sent messages  http://127.0.0.1:8000/dev/mail  (e-mail, SMS and in-app, with their links)",
                  "  dev clock      http://127.0.0.1:8000/dev/clock (move time forward: reminders, follow-ups)"]
    lines += [f"  mail catcher   smtp://{os.environ.get('SMTP_HOST')}:{os.environ.get('SMTP_PORT')}"
              f"  sms catcher {os.environ.get('SMS_URL')}",
              f"  database       {mongo_url} (data in {data})", f"  bus            {amqp_url}",
              "  token          confer token --role district_admin --sub admin-1", "Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)
