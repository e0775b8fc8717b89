"""Notification settings from the environment (SMTP_*, SMS_* are listed in
`services.common.config.ENV_VARS`; the NOTIFY_* and CONFER_PUBLIC_URL ones are ours).

Read at call time, not import time: handlers and timer callbacks are plain functions the
shared worker calls without its Settings, so the environment is the one place both the
web and the worker process can see.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from services.common.links import DEV_PORTAL_URL

DEFAULT_RETRY_DELAYS = (30.0, 120.0, 600.0, 1800.0)  # seconds between tries
DEFAULT_MAX_TRIES = 5
LANE_CHANNELS = ("email", "sms", "webhook")  # channels that leave the building, each its own lane
DEFAULT_LANES = {"email": 4, "sms": 4, "webhook": 4}
# Providers throttle: SMTP relays per connection and account, SMS gateways per number.
DEFAULT_RATE_LIMITS = {"email": 100.0, "sms": 30.0, "webhook": 10.0}

# Variables this module reads beyond the shared table (documented in the report).
OWN_ENV_VARS = {
    "CONFER_PUBLIC_URL": "base URL of the portal, for links in messages (default http://127.0.0.1:8000, the dev portal)",
    "NOTIFY_SEND_TIMEOUT": "seconds an SMTP, SMS or webhook send may take (default 10)",
    "NOTIFY_RETRY_DELAYS": "seconds between delivery tries, comma separated (default 30,120,600,1800)",
    "NOTIFY_MAX_TRIES": "delivery tries before a message is marked failed (default 5)",
    "NOTIFY_DIGEST_TIME": "local HH:MM the teacher digest goes out (default 16:00)",
    "NOTIFY_QUIET_HOURS": "default quiet hours HH:MM-HH:MM in the recipient's zone (default 21:00-07:00)",
    "NOTIFY_LANES": "sender threads per delivery lane, channel=n comma separated (default email=4,sms=4,webhook=4)",
    "NOTIFY_RATE_LIMITS": "most sends a second per provider and worker process, channel=rate comma separated; 0 = no limit (default email=100,sms=30,webhook=10; webhook: per subscriber)",
    "NOTIFY_BREAKER_FAILURES": "consecutive provider failures that open a channel's circuit breaker (default 5)",
    "NOTIFY_BREAKER_COOLDOWN": "seconds an open breaker waits before it probes the provider, doubling per failed probe (default 10)",
    "NOTIFY_BREAKER_MAX_COOLDOWN": "longest wait between two probes of a failing provider, seconds (default 300)",
    "NOTIFY_LEASE_SECONDS": "seconds a worker holds the deliveries it claimed before another may take them over (default 30)",
    "NOTIFY_JOURNAL_GROUP": "sends a sender journals in one write (default 4); after a crash at most these per sender are resent as of unknown outcome; 1 = one write per send",
}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _per_channel(name: str, defaults: dict, cast=float) -> dict:
    """'email=4,sms=2' -> {'email': 4, 'sms': 2, ...defaults for the rest}."""
    out = dict(defaults)
    for part in filter(None, (p.strip() for p in (_env(name) or "").split(","))):
        channel, _, value = part.partition("=")
        if channel.strip() not in defaults or not value.strip():
            raise ValueError(f"{name}: expected channel=value with channel in {sorted(defaults)}, got {part!r}")
        out[channel.strip()] = cast(value)
    return out


@dataclass(frozen=True)
class NotifyConfig:
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_from: str = "Confer <no-reply@confer.localhost>"
    send_timeout: float = 10.0
    sms_url: str | None = None
    sms_api_key: str | None = None
    public_url: str = DEV_PORTAL_URL  # the portal `confer dev` serves
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    max_tries: int = DEFAULT_MAX_TRIES
    digest_time: str = "16:00"
    quiet_start: str = "21:00"
    quiet_end: str = "07:00"
    lanes: tuple = tuple(DEFAULT_LANES.items())
    rate_limits: tuple = tuple(DEFAULT_RATE_LIMITS.items())
    breaker_failures: int = 5
    breaker_cooldown: float = 10.0
    breaker_max_cooldown: float = 300.0
    lease_seconds: float = 30.0
    journal_group: int = 4

    def configured(self, channel: str) -> bool:
        """Is there a provider to send `channel` through? (A channel without one is not
        attempted: its deliveries are recorded as skipped, reason not_configured.)"""
        if channel == "email":
            return bool(self.smtp_host)
        if channel == "sms":
            return bool(self.sms_url and self.sms_api_key)
        return True

    def lane_threads(self, channel: str) -> int:
        return max(1, int(dict(self.lanes).get(channel, 1)))

    def rate_limit(self, channel: str) -> float:
        return float(dict(self.rate_limits).get(channel, 0.0))

    def retry_delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        return self.retry_delays[min(attempt, len(self.retry_delays)) - 1]

    def url(self, path: str) -> str:
        """An absolute portal link; `path` comes from services.common.links."""
        return self.public_url.rstrip("/") + path

    @property
    def mail_domain(self) -> str:
        addr = self.smtp_from.rsplit("<", 1)[-1].rstrip(">")
        return addr.rsplit("@", 1)[-1] if "@" in addr else "confer.localhost"


def load() -> NotifyConfig:
    delays = _env("NOTIFY_RETRY_DELAYS")
    quiet = _env("NOTIFY_QUIET_HOURS", "21:00-07:00").split("-")
    return NotifyConfig(
        smtp_host=_env("SMTP_HOST"),
        smtp_port=int(_env("SMTP_PORT", "25")),
        smtp_username=_env("SMTP_USERNAME"),
        smtp_password=_env("SMTP_PASSWORD"),
        smtp_starttls=_flag(_env("SMTP_STARTTLS")),
        smtp_from=_env("SMTP_FROM", NotifyConfig.smtp_from),
        send_timeout=float(_env("NOTIFY_SEND_TIMEOUT", "10")),
        sms_url=_env("SMS_URL"),
        sms_api_key=_env("SMS_API_KEY"),
        public_url=_env("CONFER_PUBLIC_URL", NotifyConfig.public_url),
        retry_delays=tuple(float(x) for x in delays.split(",")) if delays else DEFAULT_RETRY_DELAYS,
        max_tries=int(_env("NOTIFY_MAX_TRIES", str(DEFAULT_MAX_TRIES))),
        digest_time=_env("NOTIFY_DIGEST_TIME", "16:00"),
        quiet_start=quiet[0], quiet_end=quiet[-1],
        lanes=tuple(_per_channel("NOTIFY_LANES", DEFAULT_LANES, int).items()),
        rate_limits=tuple(_per_channel("NOTIFY_RATE_LIMITS", DEFAULT_RATE_LIMITS).items()),
        breaker_failures=int(_env("NOTIFY_BREAKER_FAILURES", "5")),
        breaker_cooldown=float(_env("NOTIFY_BREAKER_COOLDOWN", "10")),
        breaker_max_cooldown=float(_env("NOTIFY_BREAKER_MAX_COOLDOWN", "300")),
        lease_seconds=float(_env("NOTIFY_LEASE_SECONDS", "30")),
        journal_group=int(_env("NOTIFY_JOURNAL_GROUP", "4")),
    )
