"""Production is the default: a process started without CONFER_DEV_MODE=1 refuses to run
with a missing secret or with one published in this repository, and says exactly what
to set. `confer web`, `confer worker`, the apps gunicorn loads and the portal all call
`require_ready` before they serve anything."""
from __future__ import annotations

import sys
from urllib.parse import urlparse

from services.common.config import DEV_MODE_ENV, PUBLISHED_SECRETS

MIN_SECRET_LENGTH = 32
GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


BOOT_ERROR = 3  # gunicorn's "worker failed to boot": its arbiter stops instead of restarting the worker


class NotReadyForProduction(SystemExit):
    """Raised at start-up. The message goes to stderr as it is raised; as a SystemExit
    with status 3 it stops the CLI, a worker and gunicorn (which would otherwise restart
    a failing worker forever)."""

    def __init__(self, what: str, problems: list[str]):
        self.problems = list(problems)
        lines = [f"{what} refuses to start: it is configured for production (no {DEV_MODE_ENV}=1) and"]
        lines += [f"  - {p}" for p in problems]
        lines.append(f"(Local development: `confer dev` sets {DEV_MODE_ENV}=1 itself.)")
        self.message = "\n".join(lines)
        print(self.message, file=sys.stderr, flush=True)
        super().__init__(BOOT_ERROR)

    def __str__(self) -> str:
        return self.message


def secret_problem(name: str, value: str | None, *, required: bool = True) -> str | None:
    """Why `value` may not be the secret `name` in production, or None if it may."""
    if not value:
        return f"{name} is not set: set it to a random value, e.g. `{GENERATE}`." if required else None
    if value.strip().lower() in PUBLISHED_SECRETS:
        return f"{name} is a value published in the Confer repository: set a random one, e.g. `{GENERATE}`."
    if len(value) < MIN_SECRET_LENGTH:
        return f"{name} is shorter than {MIN_SECRET_LENGTH} characters: set a random one, e.g. `{GENERATE}`."
    return None


def url_password_problem(name: str, url: str | None) -> str | None:
    try:
        password = urlparse(url or "").password
    except ValueError:
        return None
    if password and password.strip().lower() in PUBLISHED_SECRETS:
        return f"{name} carries a password published in the Confer repository: give the user a random password."
    return None


def service_problems(settings) -> list[str]:
    """What is wrong with a service's settings for production (empty in dev mode)."""
    if settings.dev_mode:
        return []
    problems = []
    if not settings.jwks_url:
        problem = secret_problem("JWT_SECRET", settings.jwt_secret)
        if problem:
            problems.append("no token key: set JWT_JWKS_URL to the district IdP's JWKS URL (RS256 tokens), "
                            "or " + problem)
    if settings.amqp_url.startswith("memory://"):
        problems.append("AMQP_URL is not set: point it at RabbitMQ (amqp://user:password@host:5672/vhost); "
                        "the in-process bus memory:// is for `confer dev` only.")
    problems += [p for p in (url_password_problem("AMQP_URL", settings.amqp_url),
                             url_password_problem("MONGO_URL", settings.mongo_url)) if p]
    return problems


def require_ready(settings, what: str | None = None) -> None:
    problems = service_problems(settings)
    if problems:
        raise NotReadyForProduction(what or f"confer {settings.service}", problems)
