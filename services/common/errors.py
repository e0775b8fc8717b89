"""Domain-level errors that use cases raise; the HTTP layer maps them to problem+json."""
from __future__ import annotations


class ConferError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, errors: dict | None = None,
                 headers: dict | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class NotFound(ConferError):
    """Also used for records that exist but the caller may not see, so existence does not leak."""
    status, title = 404, "Not found"


class Unauthorized(ConferError):
    status, title = 401, "Unauthorized"


class Forbidden(ConferError):
    status, title = 403, "Forbidden"


class Conflict(ConferError):
    status, title = 409, "Conflict"


class Invalid(ConferError):
    status, title = 422, "Unprocessable content"


class Unavailable(ConferError):
    status, title = 503, "Service unavailable"
