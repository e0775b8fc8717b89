"""JSON logs with a correlation id bound per request and per consumed event."""
from __future__ import annotations

import logging
import os
import sys
import uuid

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, get_contextvars

_configured = False


def configure(level: str | None = None) -> None:
    global _configured
    if _configured:
        return
    logging.basicConfig(stream=sys.stderr, format="%(message)s", level=level or os.environ.get("LOG_LEVEL", "INFO"))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    _configured = True


def get(name: str = "confer"):
    configure()
    return structlog.get_logger(name)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def bind_correlation(correlation_id: str | None, **extra) -> str:
    clear_contextvars()
    cid = correlation_id or new_correlation_id()
    bind_contextvars(correlation_id=cid, **extra)
    return cid


def current_correlation_id() -> str | None:
    return get_contextvars().get("correlation_id")
