"""Email: build a MIME message from a rendered :class:`~.content.Message` and send it
over SMTP, mapping failures to :class:`~.channels.TransientSendError` (retry later) or
:class:`~.channels.PermanentSendError` (do not retry).

Classification: connection refused / reset / timeouts, TLS failures, any 4xx reply, and
5xx replies to the greeting, EHLO, AUTH or MAIL FROM are transient (the fault is
temporary or in our own configuration, and fixing it makes a retry succeed); 5xx replies
to RCPT (recipient refused) or to DATA (message refused) are permanent.
"""
from __future__ import annotations

import smtplib
import ssl as _ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from .channels import PermanentSendError, SendError, TransientSendError
from .content import Message

__all__ = ["build_email", "SmtpSender", "SendError", "TransientSendError",
           "PermanentSendError"]


def build_email(message: Message, to: str, *, from_addr: str | None = None,
                ics: bytes | None = None, message_id: str | None = None,
                reply_to: str | None = None) -> EmailMessage:
    """text/plain + text/html alternatives, plus ``invite.ics`` (text/calendar;
    method=REQUEST) when ``ics`` is given. Pass a stable ``message_id`` (e.g. derived
    from event id + recipient) so a redelivered event yields the same Message-ID."""
    msg = EmailMessage()
    msg["Subject"] = message.subject
    msg["To"] = to
    if from_addr:
        msg["From"] = from_addr
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id or make_msgid(domain="confer")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(message.text)
    msg.add_alternative(message.html, subtype="html")
    if ics is not None:
        msg.add_attachment(ics, maintype="text", subtype="calendar", filename="invite.ics",
                           params={"method": "REQUEST", "charset": "utf-8"})
    # after the body: multipart conversion moves Content-* headers into the first part
    msg["Content-Language"] = message.lang_used.replace("_", "-")
    return msg


def _classify(code: int, text: str) -> SendError:
    cls = PermanentSendError if 500 <= code < 600 else TransientSendError
    return cls(text, code=code)


class SmtpSender:
    """Sends one message per SMTP connection (simple, and safe across forked workers).
    Address each message to one recipient: when a server accepts some recipients and
    refuses others, the refusal is reported as permanent so a retry cannot duplicate."""

    def __init__(self, host: str, port: int, username: str | None = None,
                 password: str | None = None, starttls: bool = False, ssl: bool = False,
                 timeout: float = 10, from_addr: str = "Confer <no-reply@localhost>",
                 ssl_context: _ssl.SSLContext | None = None):
        if starttls and ssl:
            raise ValueError("use either starttls or ssl (implicit TLS), not both")
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password = username, password
        self.starttls, self.ssl, self.from_addr = starttls, ssl, from_addr
        self.ssl_context = ssl_context or _ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.ssl:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                    context=self.ssl_context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            smtp.starttls(context=self.ssl_context)
        return smtp

    def send(self, msg: EmailMessage) -> str:
        """Send ``msg``; returns its Message-ID. Raises Transient/PermanentSendError."""
        if msg["From"] is None:
            msg["From"] = self.from_addr
        where = f"smtp {self.host}:{self.port}"
        try:
            with self._connect() as smtp:
                if self.username:
                    smtp.login(self.username, self.password or "")
                refused = smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused
            codes = [code for code, _ in exc.recipients.values()]
            detail = f"{where}: recipients refused: {exc.recipients!r}"
            if codes and all(500 <= c < 600 for c in codes):
                raise PermanentSendError(detail, code=codes[0]) from exc
            raise TransientSendError(detail, code=min(codes) if codes else None) from exc
        except smtplib.SMTPDataError as exc:  # the message itself refused (or 4xx)
            detail = f"{where}: DATA {exc.smtp_code} {exc.smtp_error!r}"
            raise _classify(exc.smtp_code, detail) from exc
        except smtplib.SMTPResponseException as exc:  # greeting, HELO, auth, MAIL FROM, 421
            raise TransientSendError(f"{where}: {exc.smtp_code} {exc.smtp_error!r}",
                                     code=exc.smtp_code) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, reset, TLS
            raise TransientSendError(f"{where}: {type(exc).__name__}: {exc}") from exc
        if refused:  # others accepted it: a retry would duplicate, so never retry
            code = min(code for code, _ in refused.values())
            raise PermanentSendError(f"{where}: some recipients refused: {refused!r}", code=code)
        return str(msg["Message-ID"])
