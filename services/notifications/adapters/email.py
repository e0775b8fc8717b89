"""Email: build a MIME message from a rendered :class:`~.content.Message` and send it
over SMTP, mapping failures to :class:`~.channels.TransientSendError` (retry later) or
:class:`~.channels.PermanentSendError` (do not retry).

Classification: connection refused / reset / timeouts before the message was handed
over, TLS failures, and replies to the greeting, EHLO, AUTH or MAIL FROM, and 421, are
the provider's (:class:`~.channels.ProviderUnavailable`: nothing was sent; they feed the
lane's circuit breaker). A 4xx reply to RCPT or DATA is transient for this message; 5xx
replies to RCPT (recipient refused) or to DATA (message refused) are permanent. A
connection that breaks or times out *after* the message was handed over (DATA sent, no
reply yet) is :class:`~.channels.OutcomeUnknown`: the server may have accepted it.

`SmtpSender(keep_open=True)` keeps its session open between messages (the e-mail lane:
one per sender thread, never shared between threads or processes) and reconnects when
the server closed it.
"""
from __future__ import annotations

import smtplib
import ssl as _ssl
import time
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from services.notifications.adapters.channels import OutcomeUnknown, PermanentSendError, ProviderUnavailable, SendError, TransientSendError
from services.notifications.adapters.content import Message

__all__ = ["build_email", "SmtpSender", "SendError", "TransientSendError",
           "PermanentSendError"]

IDLE_RECONNECT_SECONDS = 30.0  # servers drop idle sessions; do not find out on a message


def _address(value: str) -> str:
    """An address header; a display name that is not ASCII is encoded (RFC 2047)."""
    name, addr = parseaddr(value)
    return formataddr((name, addr), charset="utf-8") if name else addr


def build_email(message: Message, to: str, *, from_addr: str | None = None,
                ics: bytes | None = None, message_id: str | None = None,
                reply_to: str | None = None) -> MIMEBase:
    """text/plain + text/html alternatives, plus ``invite.ics`` (text/calendar;
    method=REQUEST) when ``ics`` is given. Pass a stable ``message_id`` (e.g. derived
    from event id + recipient) so a redelivered event yields the same Message-ID.
    Built with the classic MIME classes: the e-mail lane builds one per message, and
    they cost a tenth of ``EmailMessage``'s header objects to build and flatten."""
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(message.text, "plain", "utf-8"))
    body.attach(MIMEText(message.html, "html", "utf-8"))
    if ics is not None:
        msg = MIMEMultipart("mixed")
        msg.attach(body)
        calendar = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
        calendar.set_param("method", "REQUEST")
        calendar.add_header("Content-Disposition", "attachment", filename="invite.ics")
        msg.attach(calendar)
    else:
        msg = body
    msg["Subject"] = Header(message.subject, "utf-8")
    msg["To"] = _address(to)
    if from_addr:
        msg["From"] = _address(from_addr)
    if reply_to:
        msg["Reply-To"] = _address(reply_to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id or make_msgid(domain="confer")
    msg["Auto-Submitted"] = "auto-generated"
    msg["Content-Language"] = message.lang_used.replace("_", "-")
    return msg


def _classify(code: int, text: str) -> SendError:
    cls = PermanentSendError if 500 <= code < 600 else TransientSendError
    return cls(text, code=code)


class _Tracked:
    """Notes the moment the message body is handed to the server (then only the final
    reply is missing: a break from here on leaves the outcome unknown)."""

    handed_over = False

    def data(self, msg):
        self.putcmd("data")
        code, repl = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, repl)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        q = smtplib._quote_periods(msg)
        if q[-2:] != smtplib.bCRLF:
            q = q + smtplib.bCRLF
        q = q + b"." + smtplib.bCRLF
        self.handed_over = True
        self.send(q)
        return self.getreply()


class _SMTP(_Tracked, smtplib.SMTP):
    pass


class _SMTP_SSL(_Tracked, smtplib.SMTP_SSL):
    pass


class SmtpSender:
    """Sends messages over one SMTP session, kept open between them. Address each
    message to one recipient: when a server accepts some recipients and refuses others,
    the refusal is reported as permanent so a retry cannot duplicate."""

    def __init__(self, host: str, port: int, username: str | None = None,
                 password: str | None = None, starttls: bool = False, ssl: bool = False,
                 timeout: float = 10, from_addr: str = "Confer <no-reply@localhost>",
                 ssl_context: _ssl.SSLContext | None = None, keep_open: bool = False):
        if starttls and ssl:
            raise ValueError("use either starttls or ssl (implicit TLS), not both")
        self.host, self.port, self.timeout = host, port, timeout
        self.username, self.password = username, password
        self.starttls, self.ssl, self.from_addr = starttls, ssl, from_addr
        self.ssl_context = ssl_context or _ssl.create_default_context()
        self.keep_open = keep_open
        self._smtp: smtplib.SMTP | None = None
        self._last_used = 0.0

    @property
    def where(self) -> str:
        return f"smtp {self.host}:{self.port}"

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.ssl:
                smtp = _SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
            else:
                smtp = _SMTP(self.host, self.port, timeout=self.timeout)
                if self.starttls:
                    smtp.starttls(context=self.ssl_context)
            if self.username:
                smtp.login(self.username, self.password or "")
        except smtplib.SMTPResponseException as exc:  # greeting, EHLO, AUTH
            raise ProviderUnavailable(f"{self.where}: {exc.smtp_code} {exc.smtp_error!r}", code=exc.smtp_code) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, reset, TLS
            raise ProviderUnavailable(f"{self.where}: {type(exc).__name__}: {exc}") from exc
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def _session(self) -> smtplib.SMTP:
        if self._smtp is not None and time.monotonic() - self._last_used > IDLE_RECONNECT_SECONDS:
            self.close()
        if self._smtp is None:
            self._smtp = self._connect()
        return self._smtp

    def send(self, msg: MIMEBase) -> str:
        """Send ``msg``; returns its Message-ID. Raises Transient/PermanentSendError."""
        if msg["From"] is None:
            msg["From"] = _address(self.from_addr)
        fresh = self._smtp is None
        try:
            return self._send(msg)
        except ProviderUnavailable:
            if fresh or self._handed_over:
                raise
            # A kept session the server had closed: nothing was handed over, try once anew.
            return self._send(msg)
        finally:
            self._last_used = time.monotonic()
            if not self.keep_open:
                self.close()

    _handed_over = False

    def _send(self, msg: MIMEBase) -> str:
        smtp = self._session()
        smtp.handed_over = self._handed_over = False
        where = self.where
        try:
            refused = smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused
            self._reset_after_refusal()
            codes = [code for code, _ in exc.recipients.values()]
            detail = f"{where}: recipients refused: {exc.recipients!r}"
            if 421 in codes:
                raise ProviderUnavailable(detail, code=421) from exc
            if codes and all(500 <= c < 600 for c in codes):
                raise PermanentSendError(detail, code=codes[0]) from exc
            raise TransientSendError(detail, code=min(codes) if codes else None) from exc
        except smtplib.SMTPDataError as exc:  # the message itself refused (or 4xx)
            self._reset_after_refusal()
            detail = f"{where}: DATA {exc.smtp_code} {exc.smtp_error!r}"
            if exc.smtp_code == 421:
                raise ProviderUnavailable(detail, code=421) from exc
            raise _classify(exc.smtp_code, detail) from exc
        except smtplib.SMTPResponseException as exc:  # MAIL FROM, 421
            self.close()
            raise ProviderUnavailable(f"{where}: {exc.smtp_code} {exc.smtp_error!r}", code=exc.smtp_code) from exc
        except (smtplib.SMTPException, OSError) as exc:  # reset, timeout
            self._handed_over = smtp.handed_over
            self.close()
            detail = f"{where}: {type(exc).__name__}: {exc}"
            if self._handed_over:
                raise OutcomeUnknown(detail + " (after the message was handed over)") from exc
            raise ProviderUnavailable(detail) from exc
        if refused:  # others accepted it: a retry would duplicate, so never retry
            code = min(code for code, _ in refused.values())
            raise PermanentSendError(f"{where}: some recipients refused: {refused!r}", code=code)
        return str(msg["Message-ID"])

    def _reset_after_refusal(self) -> None:
        # smtplib sent RSET (or closed on 421); a session in doubt is not reused.
        if self._smtp is not None and self._smtp.sock is None:
            self._smtp = None
