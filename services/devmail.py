"""Development only: what Confer sent, caught on this machine.

`confer dev` runs a real SMTP server (aiosmtpd) and the SMS provider's HTTP API
(`POST /messages`, as `channels.HttpSmsProvider` calls it) in its own process, and points
the notifications service at them. Both keep every message as one JSON file in a
mailbox folder (CONFER_DEV_MAILBOX), which the portal's dev mail page lists with the
links each message carries. Nothing here runs outside development mode.
"""
from __future__ import annotations

import json
import os
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default as email_policy
from html import unescape
from http.server import ThreadingHTTPServer
from pathlib import Path

from services.common.sinks import JsonHandler

MAILBOX_ENV = "CONFER_DEV_MAILBOX"
_TEXT_LINK = re.compile(r"https?://[^\s<>\"')]+")
_HREF = re.compile(r"""href=["']([^"']+)["']""", re.IGNORECASE)


def extract_links(text: str = "", html: str = "") -> list[str]:
    """Every http(s) link in a message's text and HTML, in order, without repeats."""
    found = _TEXT_LINK.findall(text or "") + [unescape(h) for h in _HREF.findall(html or "")]
    return list(dict.fromkeys(u.rstrip(".,;:") for u in found if u.startswith(("http://", "https://"))))


class Mailbox:
    """A folder of caught messages, one JSON file each, newest listed first."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _write(self, doc: dict) -> dict:
        name = f"{time.time_ns():020d}-{doc['id']}.json"
        tmp = self.folder / f".{name}"
        tmp.write_text(json.dumps(doc, ensure_ascii=False))
        tmp.replace(self.folder / name)
        return doc

    def add_mail(self, raw: bytes, recipients: list[str]) -> dict:
        msg = message_from_bytes(raw, policy=email_policy)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        doc = {"id": uuid.uuid4().hex[:16], "channel": "email", "to": [r.lower() for r in recipients],
               "subject": str(msg["Subject"] or ""), "lang": str(msg["Content-Language"] or ""),
               "message_id": str(msg["Message-ID"] or ""), "at": datetime.now(timezone.utc).isoformat(),
               "text": text.get_content() if text else "", "html": html.get_content() if html else "",
               "calendar": any(p.get_content_type() == "text/calendar" for p in msg.walk())}
        doc["links"] = extract_links(doc["text"], doc["html"])
        return self._write(doc)

    def add_sms(self, to: str, body: str, key: str | None = None) -> dict:
        return self._write({"id": uuid.uuid4().hex[:16], "channel": "sms", "to": [to], "subject": "", "text": body,
                            "html": "", "key": key, "at": datetime.now(timezone.utc).isoformat(),
                            "links": extract_links(body)})

    def list(self, limit: int = 200, *, channel: str | None = None, to: str | None = None) -> list[dict]:
        """The newest `limit` messages (of one channel, to one address or number)."""
        names = sorted((p.name for p in self.folder.glob("*.json") if not p.name.startswith(".")), reverse=True)
        out = []
        for name in names:
            if len(out) >= limit:
                break
            try:
                doc = json.loads((self.folder / name).read_text())
            except (OSError, ValueError):
                continue  # being written or removed: the next listing has it
            if (channel and doc["channel"] != channel) or (to and to.lower() not in doc["to"]):
                continue
            out.append(doc)
        return out

    def get(self, message_id: str) -> dict | None:
        if not re.fullmatch(r"[0-9a-f]{16}", message_id or ""):
            return None
        for path in self.folder.glob(f"*-{message_id}.json"):
            return json.loads(path.read_text())
        return None


class SmtpCatcher:
    """A real SMTP server (aiosmtpd) that accepts every message into the mailbox."""

    def __init__(self, mailbox: Mailbox, host: str = "127.0.0.1", port: int = 1025):
        try:
            from aiosmtpd.controller import Controller
        except ImportError as exc:  # installed with the project's dev / test extras
            raise RuntimeError("the dev mail catcher needs aiosmtpd (pip install -e '.[dev]')") from exc
        import logging

        logging.getLogger("mail.log").setLevel(logging.WARNING)
        box = mailbox

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
                box.add_mail(envelope.original_content or envelope.content, list(envelope.rcpt_tos))
                return "250 OK"

        self.host, self.port = host, port
        self.controller = Controller(Handler(), hostname=host, port=port)

    def start(self) -> "SmtpCatcher":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


class SmsCatcher:
    """The SMS provider's API (`POST /messages` with {to, body}); answers with an id."""

    def __init__(self, mailbox: Mailbox, host: str = "127.0.0.1", port: int = 1026):
        box = mailbox

        class Handler(JsonHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                    doc = box.add_sms(str(body["to"]), str(body["body"]), self.headers.get("Idempotency-Key"))
                    status, out = 200, {"id": doc["id"]}
                except (KeyError, ValueError):
                    status, out = 400, {"error": "expected JSON {to, body}"}
                self.reply(status, out)

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.host, self.port = host, self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="dev-sms")

    def start(self) -> "SmsCatcher":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
