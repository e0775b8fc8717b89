"""Portal settings from the environment (documented in the report / docs).

    PORTAL_ROSTER_URL, PORTAL_GOALS_URL, PORTAL_SCHEDULING_URL, PORTAL_NOTIFICATIONS_URL,
    PORTAL_REPORTS_URL    service base URLs (default http://127.0.0.1:<fixed dev port>)
    PORTAL_SECRET_KEY     signs the session cookie (required unless CONFER_DEV_MODE=1)
    PORTAL_COOKIE_SECURE  1 (default): the cookie is sent over HTTPS only; 0 only in dev mode
    PORTAL_DEV_LOGIN      1: the dev sign-in page (pick a demo person; tokens signed with JWT_SECRET);
                          only in dev mode (CONFER_DEV_MODE=1, which `confer dev` sets)
    PORTAL_DEV_DISTRICT   district of dev tokens (default org-district, the demo district)
    PORTAL_OIDC_ISSUER, PORTAL_OIDC_CLIENT_ID, PORTAL_OIDC_CLIENT_SECRET, PORTAL_OIDC_SCOPES
                          the district IdP (OpenID Connect code flow)
    PORTAL_API_TIMEOUT    seconds per service call (default 15)
    CONFER_DEV_MODE            1: development mode: the dev mail page and the dev clock (/dev/mail, /dev/clock)
    CONFER_DEV_CLOCK_FILE, CONFER_DEV_MAILBOX   (dev mode) the dev clock's file, the caught messages' folder
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from services.common.config import DEV_JWT_SECRET, PORTS, dev_mode
from services.common.devclock import CLOCK_ENV, OffsetClock, utcnow
from services.devmail import MAILBOX_ENV

PORTAL_PORT = 8000
SERVICE_NAMES = ("roster", "goals", "scheduling", "notifications", "reports")
LANGUAGES = ("en", "es")

OWN_ENV_VARS = {  # the lead merges these into services.common.config.ENV_VARS
    **{f"PORTAL_{s.upper()}_URL": f"base URL of the {s} service (default http://127.0.0.1:{PORTS[s]})"
       for s in SERVICE_NAMES},
    "PORTAL_SECRET_KEY": "secret that signs the portal's session cookie (required in production)",
    "PORTAL_COOKIE_SECURE": "1 (default) sends the session cookie over HTTPS only; 0 for plain-http dev",
    "PORTAL_DEV_LOGIN": "1 shows the dev sign-in page (pick a demo person); only with CONFER_DEV_MODE=1",
    "PORTAL_DEV_DISTRICT": "district id of dev sign-in tokens (default org-district)",
    "PORTAL_OIDC_ISSUER": "OpenID Connect issuer URL of the district IdP",
    "PORTAL_OIDC_CLIENT_ID": "the portal's OIDC client id",
    "PORTAL_OIDC_CLIENT_SECRET": "the portal's OIDC client secret",
    "PORTAL_OIDC_SCOPES": "scopes to ask for (default 'openid profile email')",
    "PORTAL_API_TIMEOUT": "seconds a call to a service may take (default 15)",
}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _flag(name: str, default: str) -> bool:
    return (_env(name, default) or "").lower() in ("1", "true", "yes", "on")


@dataclass
class PortalSettings:
    urls: dict = field(default_factory=lambda: {s: f"http://127.0.0.1:{PORTS[s]}" for s in SERVICE_NAMES})
    secret_key: str | None = None
    cookie_secure: bool = True
    dev_login: bool = False
    dev_district: str = "org-district"
    jwt_secret: str | None = None  # only the dev sign-in signs tokens; dev mode falls back to DEV_JWT_SECRET
    jwt_audience: str = "confer"
    jwt_issuer: str = "confer-dev"
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid profile email"
    api_timeout: float = 15.0
    dev_mode: bool = field(default_factory=dev_mode)
    dev_tools: bool = False  # CONFER_DEV_MODE: the dev mail page and the dev clock
    dev_clock_file: str | None = None
    dev_mailbox: str | None = None

    def __post_init__(self):
        self.urls = {**{s: f"http://127.0.0.1:{PORTS[s]}" for s in SERVICE_NAMES}, **(self.urls or {})}
        if not self.dev_mode:
            self._require_production()
            return
        self.jwt_secret = self.jwt_secret or DEV_JWT_SECRET
        if not self.secret_key:
            # Dev only: stable across processes so every gunicorn worker reads the cookie.
            self.secret_key = hashlib.sha256(f"portal-dev|{self.jwt_secret}".encode()).hexdigest()

    def _require_production(self) -> None:
        from services.common.production import NotReadyForProduction, secret_problem

        problems = [p for p in (secret_problem("PORTAL_SECRET_KEY", self.secret_key),) if p]
        if self.dev_login:
            problems.append("PORTAL_DEV_LOGIN=1 lets anyone sign in as anyone: remove it (the dev sign-in "
                            "exists only under `confer dev`); sign-in goes through PORTAL_OIDC_ISSUER.")
        if not self.cookie_secure:
            problems.append("PORTAL_COOKIE_SECURE=0 sends the session cookie over plain HTTP: remove it and "
                            "serve the portal over HTTPS.")
        if self.oidc_client_secret:
            problems += [p for p in (secret_problem("PORTAL_OIDC_CLIENT_SECRET", self.oidc_client_secret),) if p]
        if problems:
            raise NotReadyForProduction("confer web portal", problems)

    def now(self):
        """The time as the services see it: the dev clock in development mode."""
        if self.dev_tools and self.dev_clock_file:
            return OffsetClock(self.dev_clock_file)()
        return utcnow()

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @classmethod
    def from_env(cls, **overrides) -> "PortalSettings":
        values = dict(
            urls={s: _env(f"PORTAL_{s.upper()}_URL", f"http://127.0.0.1:{PORTS[s]}").rstrip("/")
                  for s in SERVICE_NAMES},
            secret_key=_env("PORTAL_SECRET_KEY"),
            cookie_secure=_flag("PORTAL_COOKIE_SECURE", "1"),
            dev_login=_flag("PORTAL_DEV_LOGIN", "0"),
            dev_district=_env("PORTAL_DEV_DISTRICT", "org-district"),
            jwt_secret=_env("JWT_SECRET"),
            jwt_audience=_env("JWT_AUDIENCE", "confer"),
            jwt_issuer=_env("JWT_ISSUER", "confer-dev"),
            oidc_issuer=_env("PORTAL_OIDC_ISSUER"),
            oidc_client_id=_env("PORTAL_OIDC_CLIENT_ID"),
            oidc_client_secret=_env("PORTAL_OIDC_CLIENT_SECRET"),
            oidc_scopes=_env("PORTAL_OIDC_SCOPES", "openid profile email"),
            api_timeout=float(_env("PORTAL_API_TIMEOUT", "15")),
            dev_tools=dev_mode(),
            dev_clock_file=_env(CLOCK_ENV),
            dev_mailbox=_env(MAILBOX_ENV),
        )
        values.update(overrides)
        return cls(**values)
