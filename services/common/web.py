"""HTTP plumbing shared by every service: the app factory, problem+json errors
(RFC 9457), bearer auth, correlation ids, Idempotency-Key, ops endpoints and metrics."""
from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta

from flask import Flask, Response, g, jsonify, request
from flask_smorest import Api
from kombu.exceptions import OperationalError as KombuOperationalError
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError, ServerSelectionTimeoutError
from werkzeug.exceptions import HTTPException

from services.common import logs, metrics
from services.common.auth import AuthError, Principal, TokenVerifier
from services.common.errors import ConferError, Unauthorized

PROBLEM = "application/problem+json"
OPEN_PATHS = {"/healthz", "/readyz", "/metrics", "/openapi.json"}
RETRY_AFTER_SECONDS = 5
log = logs.get("confer.http")


def problem(status: int, title: str, detail: str | None = None, *, errors=None, headers=None, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    cid = g.get("correlation_id") if _has_request() else None
    if cid:
        body["correlation_id"] = cid
    resp = Response(json.dumps(body, default=str), status=status, mimetype=PROBLEM)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _has_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def flatten_errors(messages, location: str | None = None, prefix: str = "") -> list[dict]:
    """webargs/marshmallow nested messages -> [{field, location, message}]."""
    out = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            if prefix == "" and location is None and key in ("json", "query", "form", "files", "headers", "path"):
                out.extend(flatten_errors(value, key, ""))
                continue
            field = f"{prefix}.{key}" if prefix else str(key)
            out.extend(flatten_errors(value, location, field))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        for m in messages:
            out.append({"field": prefix or "_body", "location": location or "json", "message": m})
    else:
        out.append({"field": prefix or "_body", "location": location or "json", "message": str(messages)})
    return out


class ProblemApi(Api):
    def handle_http_exception(self, error):
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        errors = flatten_errors(messages) if messages else None
        detail = error.description if not errors else "The request has invalid fields; see errors."
        if error.code == 422 and errors:
            title = "Invalid request"
        else:
            title = error.name
        return problem(error.code or 500, title, detail, errors=errors)


def current_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:  # a hook or view reached without authentication: 401, never a 500
        raise Unauthorized("A bearer token is required.", headers={"WWW-Authenticate": 'Bearer realm="confer"'})
    return principal


def scaled_limits(limits: dict, scale: float) -> dict:
    """The declared per-person limits times RATE_LIMIT_SCALE (at least one request)."""
    return {k: (max(1, int(n * scale)), seconds) for k, (n, seconds) in limits.items()}


class RateLimiter:
    """Per-token fixed-window limits on the routes a service names (booking, sign-in
    lookups). In-process: each gunicorn worker counts alone, so the effective limit is up
    to workers x limit; the ingress adds a per-client limit in front (deploy/k8s)."""

    def __init__(self, limits: dict):
        import threading

        self.limits = dict(limits)  # (method, rule) -> (requests, seconds)
        self._counts: dict = {}
        self._lock = threading.Lock()

    def check(self, method: str, rule: str, who: str) -> int | None:
        """None if allowed, else seconds until the window resets."""
        limit = self.limits.get((method, rule))
        if not limit:
            return None
        count, seconds = limit
        now = time.monotonic()
        window = int(now // seconds)
        key = (method, rule, who)
        with self._lock:
            start, n = self._counts.get(key, (window, 0))
            if start != window:
                start, n = window, 0
            n += 1
            self._counts[key] = (start, n)
            if len(self._counts) > 100_000:  # forget old windows
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
        if n > count:
            return max(1, int((window + 1) * seconds - now) + 1)
        return None


def create_service_app(service: str, settings, store, blueprints=(), *, verifier: TokenVerifier | None = None,
                       broker_check=None, title: str | None = None, rate_limits: dict | None = None,
                       public_prefixes: tuple = ()) -> Flask:
    """`public_prefixes`: paths that answer without a bearer token because the URL itself
    carries a capability the view checks (a calendar feed's secret link)."""
    app = Flask(f"confer.{service}")
    app.config.update(
        API_TITLE=title or f"Confer {service} API", API_VERSION="1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/", OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=settings.max_content_length,
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "security": [{"bearer": []}],
        },
    )
    app.extensions["confer"] = {"service": service, "settings": settings, "store": store}
    api = ProblemApi(app)
    for bp in blueprints:
        api.register_blueprint(bp)
    verifier = verifier or TokenVerifier.from_settings(settings)
    _register_ops(app, service, store, broker_check)
    limits = scaled_limits(rate_limits or {}, getattr(settings, "rate_limit_scale", 1.0))
    _register_hooks(app, service, store, verifier, RateLimiter(limits), tuple(public_prefixes))
    _register_errors(app)
    app.api = api
    return app


def _register_ops(app: Flask, service: str, store, broker_check) -> None:
    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", service=service)

    @app.get("/readyz")
    def readyz():
        checks = {}
        try:
            store.ping()
            checks["mongo"] = "ok"
        except PyMongoError as exc:
            checks["mongo"] = f"down: {type(exc).__name__}"
        if broker_check is not None:
            try:
                broker_check()
                checks["broker"] = "ok"
            except Exception as exc:  # noqa: BLE001
                checks["broker"] = f"down: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        if ok:
            return jsonify(status="ready", checks=checks)
        return problem(503, "Not ready", "A dependency is unreachable.", checks=checks,
                       headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.get("/metrics")
    def metrics_view():
        body, ctype = metrics.render()
        return Response(body, mimetype=ctype.split(";")[0], headers={"Content-Type": ctype})


def _register_hooks(app: Flask, service: str, store, verifier: TokenVerifier, limiter: RateLimiter,
                    public_prefixes: tuple = ()) -> None:
    @app.before_request
    def before():
        g.started = time.perf_counter()
        g.correlation_id = logs.bind_correlation(request.headers.get("X-Correlation-ID"), service=service,
                                                 path=request.path)
        if request.method == "OPTIONS":
            # Answered here, before any blueprint hook (which would want a principal):
            # the methods the path allows, nothing else.
            return app.make_default_options_response() if request.url_rule is not None else None
        if request.path in OPEN_PATHS:
            return None
        if public_prefixes and request.path.startswith(public_prefixes):
            return None
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return problem(401, "Unauthorized", "A bearer token is required.",
                           headers={"WWW-Authenticate": 'Bearer realm="confer"'})
        try:
            g.principal = verifier.verify(header[7:].strip())
        except AuthError as exc:
            return problem(401, "Unauthorized", exc.message,
                           headers={"WWW-Authenticate": 'Bearer realm="confer", error="invalid_token"'})
        if request.url_rule is not None:
            wait = limiter.check(request.method, request.url_rule.rule, g.principal.sub)
            if wait:
                return problem(429, "Too many requests", "Slow down: too many requests with this token.",
                               headers={"Retry-After": str(wait)})
        if request.method == "POST" and request.headers.get("Idempotency-Key"):
            return _idempotency_begin(store)
        return None

    @app.after_request
    def after(response: Response):
        _idempotency_end(store, response)
        rule = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.HTTP_LATENCY.labels(service, request.method, rule, str(response.status_code)).observe(
            time.perf_counter() - g.get("started", time.perf_counter()))
        response.headers["X-Correlation-ID"] = g.get("correlation_id", "")
        if response.status_code >= 500:
            log.warning("request failed", status=response.status_code, method=request.method)
        return response


def _idempotency_id(key: str) -> str:
    raw = f"{g.principal.sub}|{request.method}|{request.path}|{key}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _idempotency_begin(store):
    key = request.headers["Idempotency-Key"]
    if len(key) > 200:
        return problem(400, "Bad request", "Idempotency-Key is longer than 200 characters.")
    if request.mimetype == "multipart/form-data":
        # Never read an upload whole here (the view streams and limits it), and a retry
        # may re-encode it with a new boundary: compare its declared length instead.
        body_hash = f"multipart:{request.content_length}"
    else:
        body_hash = hashlib.sha256(request.get_data(cache=True)).hexdigest()
    doc_id = _idempotency_id(key)
    coll = store.db["idempotency_keys"]
    now = store.clock()
    try:
        coll.insert_one({"_id": doc_id, "state": "pending", "body_hash": body_hash, "created_at": now})
        g.idempotency_id = doc_id
        return None
    except DuplicateKeyError:
        pass
    doc = coll.find_one({"_id": doc_id}) or {}
    if doc.get("body_hash") != body_hash:
        return problem(422, "Idempotency-Key reused", "This Idempotency-Key was used with a different body.")
    if doc.get("state") == "done":
        resp = Response(doc["body"], status=doc["status"], mimetype=doc.get("mimetype", "application/json"))
        resp.headers["Idempotent-Replayed"] = "true"
        return resp
    # A first attempt still running (or abandoned by a crash a minute ago).
    if doc.get("created_at") and now - doc["created_at"] > timedelta(seconds=60):
        coll.replace_one({"_id": doc_id, "state": "pending"},
                         {"_id": doc_id, "state": "pending", "body_hash": body_hash, "created_at": now})
        g.idempotency_id = doc_id
        return None
    return problem(409, "Request in progress", "A request with this Idempotency-Key is still being processed.",
                   headers={"Retry-After": "1"})


def _idempotency_end(store, response: Response) -> None:
    doc_id = g.pop("idempotency_id", None)
    if not doc_id:
        return
    coll = store.db["idempotency_keys"]
    try:
        if response.status_code < 400:
            coll.update_one({"_id": doc_id}, {"$set": {
                "state": "done", "status": response.status_code, "body": response.get_data(),
                "mimetype": response.mimetype}})
        else:  # a failed attempt may be retried with the same key
            coll.delete_one({"_id": doc_id})
    except PyMongoError as exc:
        log.warning("could not record idempotency result", error=str(exc))


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ConferError)
    def domain_error(exc: ConferError):
        errors = flatten_errors(exc.errors) if exc.errors else None
        headers = dict(exc.headers)
        if "headers" in exc.extra:  # older call sites passed headers through **extra
            headers.update(exc.extra.pop("headers") or {})
        return problem(exc.status, exc.title, exc.detail, errors=errors, code=exc.code, headers=headers,
                       **exc.extra)

    @app.errorhandler(ServerSelectionTimeoutError)
    @app.errorhandler(ConnectionFailure)
    @app.errorhandler(KombuOperationalError)
    def unavailable(exc):
        log.warning("dependency unavailable", error=type(exc).__name__)
        return problem(503, "Service unavailable", "A dependency is unreachable; try again shortly.",
                       headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.errorhandler(413)
    def too_large(exc):
        return problem(413, "Payload too large", f"The request body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes.")

    @app.errorhandler(Exception)
    def unexpected(exc):
        if isinstance(exc, HTTPException):
            return app.api.handle_http_exception(exc)
        log.exception("unhandled error")
        return problem(500, "Internal server error", "Something went wrong on our side.")
