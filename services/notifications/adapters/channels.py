"""Delivery channels over HTTP: an SMS provider and signed webhooks, plus the send errors
every channel (email included) raises.

``TransientSendError`` means "try again later" (timeouts, connection failures, 5xx, 408,
429, SMTP 4xx); ``PermanentSendError`` means "this message to this recipient will never
succeed" (4xx such as a bad number, SMTP 5xx recipient refused). Callers retry the first
with back-off and record the second as failed. Two kinds of transient error say more:
``ProviderUnavailable`` (the provider could not be reached or refused service: nothing
was sent; it counts against the provider's circuit breaker, and a 429 carries its
Retry-After) and ``OutcomeUnknown`` (the request was sent but no answer came: it may
have been accepted, so it is resent at most once, with the same delivery id).

Webhook signatures: ``X-Confer-Timestamp`` holds Unix seconds and
``X-Confer-Signature`` holds ``sha256=<hex>``, the HMAC-SHA256 with the shared secret of
``f"{timestamp}.".encode() + raw_body``. Subscribers check it with
:func:`verify_signature` on the raw bytes they received (not a re-serialised JSON).

Webhook targets are checked before every POST (``targets.check_url``: https, public
addresses only) and the connection goes to the address that check resolved, so a name
rebound to an inside address in between cannot redirect it; redirects are not followed.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from abc import ABC, abstractmethod
from typing import Any, Callable

import certifi
import requests
import urllib3

from services.notifications.adapters.targets import Target, TargetPolicy, TargetRefused, check_url

SIGNATURE_HEADER = "X-Confer-Signature"
TIMESTAMP_HEADER = "X-Confer-Timestamp"
DELIVERY_HEADER = "X-Confer-Delivery"
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_RETRYABLE_4XX = {408, 425, 429}


class SendError(Exception):
    """A message could not be delivered; ``code`` is the HTTP/SMTP status if any."""

    def __init__(self, message: str, code: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.code, self.retry_after = code, retry_after


class TransientSendError(SendError):
    """Retry later: the same message may well succeed."""


class PermanentSendError(SendError):
    """Do not retry: the same message to the same recipient will fail again."""


class ProviderUnavailable(TransientSendError):
    """The provider did not take the message (unreachable, 5xx, throttling): not sent."""


class OutcomeUnknown(TransientSendError):
    """Sent, but no answer came back: the provider may or may not have accepted it."""


def _retry_after(headers) -> float | None:
    try:
        return float(headers["Retry-After"])
    except (KeyError, ValueError):
        return None


def _post(session: requests.Session, what: str, url: str, *, timeout: float,
          **kwargs: Any) -> requests.Response:
    """POST and map failures to Transient/PermanentSendError; returns a 2xx response."""
    try:
        resp = session.post(url, timeout=timeout, allow_redirects=False, **kwargs)
    except (requests.ConnectTimeout, requests.exceptions.SSLError) as exc:  # never got to send it
        raise ProviderUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc
    except requests.Timeout as exc:  # sent, no answer in time
        raise OutcomeUnknown(f"{what}: timed out after {timeout}s") from exc
    except requests.ConnectionError as exc:
        if _never_sent(exc):  # refused, DNS: nothing left this machine
            raise ProviderUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc
        raise OutcomeUnknown(f"{what}: {type(exc).__name__}: {exc}") from exc
    except requests.RequestException as exc:
        raise TransientSendError(f"{what}: {type(exc).__name__}: {exc}") from exc
    _check_status(what, resp.status_code, resp.text, resp.headers)
    return resp


def _check_status(what: str, status: int, text: str, headers) -> None:
    """Nothing for a 2xx; otherwise the Transient/PermanentSendError it means."""
    if 200 <= status < 300:
        return
    detail = f"{what}: HTTP {status}: {text[:200]}"
    if status >= 500 or status in _RETRYABLE_4XX:
        raise ProviderUnavailable(detail, code=status, retry_after=_retry_after(headers))
    raise PermanentSendError(detail, code=status)  # 3xx (not followed) and other 4xx


def _never_sent(exc: requests.ConnectionError) -> bool:
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    cause = exc.args[0] if exc.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, (NewConnectionError, NameResolutionError, ConnectionRefusedError))


class SmsProvider(ABC):
    """Sends one text message; returns the provider's message id when it gives one."""

    @abstractmethod
    def send(self, to: str, body: str, idempotency_key: str | None = None) -> str | None:
        ...


class HttpSmsProvider(SmsProvider):
    """A JSON-over-HTTP SMS gateway: ``POST {base_url}/messages`` with ``{to, body}``."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 10,
                 session: requests.Session | None = None):
        self.url = base_url.rstrip("/") + "/messages"
        self.api_key, self.timeout = api_key, timeout
        self.session = session or requests.Session()

    def send(self, to: str, body: str, idempotency_key: str | None = None) -> str | None:
        if not _E164.match(to or ""):
            raise PermanentSendError(f"sms: not an E.164 phone number: {to!r}")
        headers = {"Authorization": f"Bearer {self.api_key}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        resp = _post(self.session, "sms", self.url, timeout=self.timeout,
                     json={"to": to, "body": body}, headers=headers)
        try:
            data = resp.json()
        except ValueError:
            return None
        return str(data["id"]) if isinstance(data, dict) and data.get("id") else None


def sign(secret: str | bytes, timestamp: int | str, body: bytes | str) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, f"{timestamp}.{body}")."""
    key = secret.encode() if isinstance(secret, str) else secret
    raw = body.encode() if isinstance(body, str) else body
    return "sha256=" + hmac.new(key, f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, timestamp: int | str | None, body: bytes | str,
                     signature: str | None, tolerance_s: float = 300,
                     now: float | None = None) -> bool:
    """True when ``signature`` matches and ``timestamp`` is within ``tolerance_s`` of now
    (either side, so a replayed old request and a forged future one are both refused)."""
    try:
        ts = int(str(timestamp))
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance_s:
        return False
    if not signature:
        return False
    return hmac.compare_digest(sign(secret, ts, body).encode(), signature.strip().encode())


class WebhookSender:
    """POSTs a JSON document to a subscriber's URL, signed with the shared secret.
    ``targets``: where webhooks may go (default: from the environment, see targets.py)."""

    def __init__(self, url: str, secret: str | bytes, timeout: float = 10,
                 clock: Callable[[], float] = time.time, targets: TargetPolicy | None = None):
        self.url, self.secret, self.timeout = url, secret, timeout
        self.clock = clock
        self.targets = targets or TargetPolicy.from_env()

    def send(self, payload: Any, delivery_id: str | None = None) -> int:
        """Send ``payload`` (JSON-serialisable, or already-encoded bytes); returns status."""
        body = payload if isinstance(payload, bytes) else json.dumps(
            payload, separators=(",", ":"), ensure_ascii=False, default=str).encode()
        ts = int(self.clock())
        headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: str(ts),
                   SIGNATURE_HEADER: sign(self.secret, ts, body)}
        if delivery_id:
            headers[DELIVERY_HEADER] = delivery_id
        try:
            target = check_url(self.url, self.targets)  # again at every send: names move
        except TargetRefused as exc:
            raise PermanentSendError(f"webhook: target refused: {exc}") from None
        return self._post(target, body, headers)

    def _post(self, target: Target, body: bytes, headers: dict) -> int:
        """POST to the checked addresses themselves (TLS still verifies the host name)."""
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        failure: Exception | None = None
        for address in target.addresses:
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    address, target.port, timeout=timeout, retries=False, maxsize=1, cert_reqs="CERT_REQUIRED",
                    ca_certs=self.targets.ca_certs or certifi.where(), server_hostname=target.host,
                    assert_hostname=target.host)
            else:
                pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
            try:
                resp = pool.urlopen("POST", target.path, body=body, headers={**headers, "Host": target.host_header},
                                    redirect=False, retries=False, assert_same_host=False)
            except urllib3.exceptions.NewConnectionError as exc:  # refused / unreachable: try the next address
                failure = exc
                continue
            except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.SSLError) as exc:
                raise ProviderUnavailable(f"webhook: {type(exc).__name__}: {exc}") from exc  # never sent
            except urllib3.exceptions.TimeoutError as exc:  # sent, no answer in time
                raise OutcomeUnknown(f"webhook: timed out after {self.timeout}s") from exc
            except urllib3.exceptions.HTTPError as exc:  # reset or protocol error after sending
                raise OutcomeUnknown(f"webhook: {type(exc).__name__}: {exc}") from exc
            finally:
                pool.close()
            _check_status("webhook", resp.status, resp.data.decode("utf-8", "replace"), resp.headers)
            return resp.status
        raise ProviderUnavailable(f"webhook: {type(failure).__name__}: {failure}") from failure
