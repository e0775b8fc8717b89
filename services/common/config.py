"""Settings from the environment. One table of variables, documented in the README."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from services.common.devclock import CLOCK_ENV, DEV_ENV as DEV_MODE_ENV, dev_mode

# Fixed dev ports (DESIGN.md "Running it").
PORTS = {"scheduling": 8001, "goals": 8002, "notifications": 8003, "reports": 8004, "roster": 8005}
SERVICES = ("roster", "goals", "scheduling", "notifications", "reports")

# Every variable a service reads; tests check compose/k8s against this list.
ENV_VARS = {
    "MONGO_URL": "MongoDB connection string (default: embedded server started by `confer dev`)",
    "MONGO_DB": "database name override (default confer_<service>)",
    "AMQP_URL": "RabbitMQ URL (default memory:// in `confer dev`)",
    "CONFER_EXCHANGE": "public topic exchange name (default confer.events)",
    "CONFER_MAX_ATTEMPTS": "tries before a message is dead-lettered (default 5)",
    "CONFER_RETRY_DELAYS": "back-off between tries in ms, comma separated (default 1000,5000,30000)",
    "JWT_SECRET": "HS256 key tokens are signed with (at least 32 characters, not a published value); "
                  "or set JWT_JWKS_URL",
    "JWT_JWKS_URL": "JWKS URL of the district IdP (RS256); set in production",
    "JWT_AUDIENCE": "expected token audience (default confer)",
    "JWT_ISSUER": "expected token issuer (default confer-dev)",
    "OUTBOX_RETENTION_DAYS": "days a published outbox entry is kept for replay (default 30)",
    "CONSUMER_CONCURRENCY": "consumer connections per worker process (default 2)",
    "CONSUMER_BATCH": "most events a consumer handles in one transaction, from what the broker already sent (default 20; 1 = one by one)",
    "TIMER_CONCURRENCY": "timers a worker process fires at once (default 4)",
    "WORKER_METRICS_PORT": "port of a worker's own /metrics (default: the service port + 1000; 0 turns it off)",
    "RELAY_POLL_SECONDS": "relay poll interval when no wake-up arrives (default 0.5)",
    "MAX_CONTENT_LENGTH": "largest request body in bytes (default 12 MiB)",
    "RATE_LIMIT_SCALE": "multiplies every per-person request limit (booking, sign-in lookups); default 1",
    "LOG_LEVEL": "log level (default INFO)",
    "PROMETHEUS_MULTIPROC_DIR": "directory for prometheus-client multiprocess mode under gunicorn",
    "SMTP_HOST": "SMTP server host (notifications)",
    "SMTP_PORT": "SMTP server port (notifications)",
    "SMTP_USERNAME": "SMTP user (notifications)",
    "SMTP_PASSWORD": "SMTP password (notifications)",
    "SMTP_STARTTLS": "1 to use STARTTLS (notifications)",
    "SMTP_FROM": "From address (notifications)",
    "SMS_URL": "SMS provider base URL (notifications)",
    "SMS_API_KEY": "SMS provider key (notifications)",
    "CONFER_DATA_DIR": "where `confer dev` keeps its embedded database (default ./.data)",
    "CONFER_DEV_CLOCK_FILE": "development mode only: file holding the dev clock's offset in seconds (`confer dev` sets it)",
    "CONFER_DEV_MAILBOX": "development mode only: folder of the messages the dev mail and SMS catchers received",
    "CONFER_DEV_SMTP_PORT": "port of the mail catcher `confer dev` runs when SMTP_HOST is not set (default 1025)",
    "CONFER_DEV_SMS_PORT": "port of the SMS catcher `confer dev` runs when SMS_URL is not set (default 1026)",
    "CONFER_DEV_MONGO_PORT": "port of the embedded database started by `confer dev` (default 27027)",
    "BIND": "gunicorn listen address (default 0.0.0.0:8000; `confer web` passes the service port)",
    "WEB_CONCURRENCY": "gunicorn worker processes (default 2 x CPUs available to the container + 1)",
    "WEB_THREADS": "threads per gunicorn worker (default 4)",
    "WEB_TIMEOUT": "seconds before a silent gunicorn worker is killed and replaced (default 30)",
    "WEB_GRACEFUL_TIMEOUT": "seconds a gunicorn worker gets to finish its requests on shutdown (default 20)",
    "WEB_MAX_REQUESTS": "requests after which a gunicorn worker is recycled, 0 = never (default 0)",
    # notifications (services/notifications/settings.py OWN_ENV_VARS)
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

# The portal's own settings (services/portal/config.py): service URLs, session, OIDC.
ENV_VARS.update({
    **{f"PORTAL_{s.upper()}_URL": f"portal: base URL of the {s} service (default http://127.0.0.1:{PORTS[s]})"
       for s in SERVICES},
    "PORTAL_SECRET_KEY": "portal: secret that signs the session cookie (required in production)",
    "PORTAL_COOKIE_SECURE": "portal: 1 (default) sends the session cookie over HTTPS only; 0 for plain-http dev",
    "PORTAL_DEV_LOGIN": "portal: 1 shows the dev sign-in page (pick a demo person); only with CONFER_DEV_MODE=1",
    "PORTAL_DEV_DISTRICT": "portal: district id of dev sign-in tokens (default org-district)",
    "PORTAL_OIDC_ISSUER": "portal: OpenID Connect issuer URL of the district IdP",
    "PORTAL_OIDC_CLIENT_ID": "portal: the portal's OIDC client id",
    "PORTAL_OIDC_CLIENT_SECRET": "portal: the portal's OIDC client secret",
    "PORTAL_OIDC_SCOPES": "portal: scopes to ask for (default 'openid profile email')",
    "PORTAL_API_TIMEOUT": "portal: seconds a call to a service may take (default 15)",
})

# -- production by default; dev mode is an explicit switch --------------------------
# Without CONFER_DEV_MODE=1 a process refuses to start when a secret is missing or is one
# of the values published in this repository (services.common.production says what to
# set). `confer dev`, the test fixtures and the e2e harness set it; dev-only pages and
# helpers check `dev_mode()`.
ENV_VARS.update({
    "CONFER_DEV_MODE": "1 = development: dev secrets, the dev sign-in, the dev clock and mail page. Set by "
                       "`confer dev` and the tests; never in production",
    "NOTIFY_WEBHOOK_ALLOW_NETWORKS": "notifications: comma-separated networks (CIDR) webhooks may target although "
                                     "private, loopback or link-local (default: none)",
})
DEV_JWT_SECRET = "confer-dev-secret-change-me-0123456789"
# Every secret value that appears in this repository (dev defaults, examples): never
# accepted outside dev mode.
PUBLISHED_SECRETS = frozenset({
    DEV_JWT_SECRET, "change-me-in-production", "change-me", "changeme", "secret", "password",
    "confer", "admin", "guest", "test", "dev",
})


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass
class Settings:
    service: str
    mongo_url: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = ""
    amqp_url: str = "memory://"
    exchange: str = "confer.events"
    max_attempts: int = 5
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)
    jwt_secret: str | None = None  # dev mode falls back to DEV_JWT_SECRET
    jwks_url: str | None = None
    jwt_audience: str = "confer"
    jwt_issuer: str = "confer-dev"
    outbox_retention_days: int = 30
    relay_poll_seconds: float = 0.5
    consumer_concurrency: int = 2
    consumer_batch: int = 20
    timer_concurrency: int = 4
    max_content_length: int = 12 * 1024 * 1024
    rate_limit_scale: float = 1.0
    dev_clock_file: str | None = None  # CONFER_DEV_CLOCK_FILE, honoured only in development mode
    extra: dict = field(default_factory=dict)
    dev_mode: bool = field(default_factory=dev_mode)

    def __post_init__(self):
        if not self.mongo_db:
            self.mongo_db = f"confer_{self.service}"
        if self.dev_mode and not self.jwt_secret and not self.jwks_url:
            self.jwt_secret = DEV_JWT_SECRET

    @classmethod
    def from_env(cls, service: str, **overrides) -> "Settings":
        delays = _env("CONFER_RETRY_DELAYS")
        values = dict(
            service=service,
            mongo_url=_env("MONGO_URL", cls.mongo_url),
            mongo_db=_env("MONGO_DB", ""),
            amqp_url=_env("AMQP_URL", cls.amqp_url),
            exchange=_env("CONFER_EXCHANGE", cls.exchange),
            max_attempts=int(_env("CONFER_MAX_ATTEMPTS", "5")),
            retry_delays_ms=tuple(int(x) for x in delays.split(",")) if delays else cls.retry_delays_ms,
            jwt_secret=_env("JWT_SECRET"),
            jwks_url=_env("JWT_JWKS_URL"),
            jwt_audience=_env("JWT_AUDIENCE", "confer"),
            jwt_issuer=_env("JWT_ISSUER", "confer-dev"),
            outbox_retention_days=int(_env("OUTBOX_RETENTION_DAYS", "30")),
            relay_poll_seconds=float(_env("RELAY_POLL_SECONDS", "0.5")),
            consumer_concurrency=int(_env("CONSUMER_CONCURRENCY", "2")),
            consumer_batch=int(_env("CONSUMER_BATCH", "20")),
            timer_concurrency=int(_env("TIMER_CONCURRENCY", "4")),
            max_content_length=int(_env("MAX_CONTENT_LENGTH", str(12 * 1024 * 1024))),
            rate_limit_scale=float(_env("RATE_LIMIT_SCALE", "1")),
            dev_clock_file=_env(CLOCK_ENV),
        )
        values.update(overrides)
        return cls(**values)
