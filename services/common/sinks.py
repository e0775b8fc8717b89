"""Local providers for the delivery benchmarks and tests (never production), each as its
own process so it does not share the measured process's interpreter:

    python -m services.common.sinks smtp --port 2525 --log /tmp/mail.log [--delay 0]
        an SMTP server (aiosmtpd) that appends each accepted message's Message-ID to the
        log; --delay-file FILE: seconds to wait before answering DATA, read per message
        (the message is logged first: a client that gives up meanwhile cannot know)
    python -m services.common.sinks sms --port 8025 --log /tmp/sms.log
        an SMS gateway (POST /messages) that appends each request's Idempotency-Key

Both print "ready" once listening. `Sink` starts one from Python and reads its log.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonHandler(BaseHTTPRequestHandler):
    """The handler of a local provider's HTTP API: answers JSON and logs no request."""

    def reply(self, status: int, payload) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        """Quiet: a local stand-in for a provider, not a server whose requests are worth a log line."""


def _delay(path: str | None, default: float) -> float:
    if not path:
        return default
    try:
        with open(path) as f:
            return float(f.read().strip() or 0)
    except (OSError, ValueError):
        return default


def smtp(port: int, log_path: str, delay: float, delay_file: str | None) -> None:
    from email import message_from_bytes
    from email.policy import default as email_policy

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.ERROR)
    log = open(log_path, "a", buffering=1)
    lock = threading.Lock()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            msg = message_from_bytes(envelope.original_content or envelope.content, policy=email_policy)
            with lock:
                log.write(f"{msg['Message-ID']}\t{','.join(envelope.rcpt_tos)}\t{msg['Content-Language']}\n")
            wait = _delay(delay_file, delay)
            if wait > 0:
                await asyncio.sleep(wait)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    _serve_until_signal(controller.stop)


def sms(port: int, log_path: str) -> None:
    log = open(log_path, "a", buffering=1)
    lock = threading.Lock()
    count = {"n": 0}

    class Handler(JsonHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                count["n"] += 1
                log.write(f"{self.headers.get('Idempotency-Key')}\n")
                sms_id = f"sms-{count['n']}"
            self.reply(200, {"id": sms_id})

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _serve_until_signal(server.shutdown)


def _serve_until_signal(stop) -> None:
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("ready", flush=True)
    done.wait()
    stop()


class Sink:
    """A sink process (`kind` smtp or sms) on a free port, and what it received."""

    def __init__(self, kind: str, log_path: str, *, delay_file: str | None = None):
        from services.common.testing import _project_root, free_port

        self.kind, self.log_path, self.port = kind, log_path, free_port()
        open(log_path, "w").close()
        args = [sys.executable, "-m", "services.common.sinks", kind, "--port", str(self.port), "--log", log_path]
        if delay_file:
            args += ["--delay-file", delay_file]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, cwd=_project_root(),
                                     env={**os.environ, "PYTHONPATH": _project_root()})
        line = self.proc.stdout.readline().decode().strip()
        if line != "ready":
            raise RuntimeError(f"{kind} sink did not start: {line!r}")

    def lines(self) -> list[list[str]]:
        return self._all()[getattr(self, "_skip", 0):]

    def keys(self) -> list[str]:
        """Message-IDs (smtp) or Idempotency-Keys (sms) in the order received."""
        return [parts[0] for parts in self.lines()]

    def reset(self) -> None:
        """Forget what was received so far (the sink appends to a fresh log from now)."""
        self._skip = len(self._all())

    def _all(self) -> list[list[str]]:
        with open(self.log_path) as f:
            return [line.rstrip("\n").split("\t") for line in f if line.strip()]

    def count(self) -> int:
        return len(self.keys())

    def duplicates(self) -> dict[str, int]:
        return {k: n for k, n in Counter(self.keys()).items() if n > 1}

    def wait_for(self, n: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.count() < n and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.count()

    @property
    def env(self) -> dict:
        if self.kind == "smtp":
            return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.port)}
        return {"SMS_URL": f"http://127.0.0.1:{self.port}", "SMS_API_KEY": "sink"}

    def stop(self) -> None:
        from services.common.testing import stop_process

        stop_process(self.proc, 10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("kind", choices=["smtp", "sms"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--delay-file")
    args = ap.parse_args()
    if args.kind == "smtp":
        smtp(args.port, args.log, args.delay, args.delay_file)
    else:
        sms(args.port, args.log)


if __name__ == "__main__":
    sys.exit(main())
