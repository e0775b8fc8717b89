"""Inbound events: the dispatcher (handler effect + ledger in one transaction) and the
broker-side runner (kombu ConsumerMixin) that acks only after the effect is stored,
retries with back-off, and dead-letters what keeps failing or cannot be decoded."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from kombu.mixins import ConsumerMixin

from services.common import logs, metrics
from services.common.bus import Publisher, Topology, resolve
from services.common.envelope import InvalidEvent, decode, encode, validate_event
from services.common.store import Store, UnitOfWork

log = logs.get("confer.consumer")

Handler = Callable[["Event", UnitOfWork], None]


@dataclass(frozen=True)
class Event:
    """What a handler sees of an envelope."""
    id: str
    type: str
    name: str
    version: int
    subject: str | None
    time: str
    data: dict
    correlation_id: str | None
    district_id: str | None
    school_id: str | None

    @classmethod
    def from_envelope(cls, env: dict) -> "Event":
        spec = validate_event(env)
        return cls(env["id"], env["type"], spec.name, spec.version, env.get("subject"), env["time"],
                   env["data"], env.get("correlationid"), env.get("districtid"), env.get("schoolid"))


class Dispatcher:
    """Routes an event to the service's handlers, each in its own unit of work with a
    ledger entry keyed (event id, handler), so a redelivery has no second effect."""

    def __init__(self, store: Store, handlers: dict[str, list[Handler]]):
        self.store = store
        self.by_type: dict[str, list[Handler]] = {}
        for key, fns in handlers.items():
            self.by_type.setdefault(resolve(key).type, []).extend(fns)

    @property
    def event_keys(self) -> list[str]:
        return sorted(self.by_type)

    def dispatch(self, env: dict) -> str:
        """Run every handler for `env`; return 'processed' or 'duplicate'."""
        event = Event.from_envelope(env)
        outcome = "duplicate"
        for handler in self.by_type.get(event.type, []):
            name = f"{handler.__module__}.{handler.__qualname__}"

            def work(uow: UnitOfWork, handler=handler, name=name):
                if not uow.claim(event.id, name):
                    return False
                handler(event, uow)
                return True

            if self.store.atomic(work, correlation_id=event.correlation_id, district_id=event.district_id,
                                 school_id=event.school_id):
                outcome = "processed"
        return outcome


def is_transient(exc: Exception) -> bool:
    from pymongo.errors import ConnectionFailure, OperationFailure

    if isinstance(exc, ConnectionFailure):
        return True
    return isinstance(exc, OperationFailure) and (
        exc.has_error_label("TransientTransactionError") or exc.code in (112, 251))


class ConsumerRunner(ConsumerMixin):
    """Consumes the service's quorum queue. Reconnects after a broker restart (kombu's
    ConsumerMixin). Bodies are decoded here, not by kombu, so one that cannot be decoded
    goes to the dead-letter queue instead of being acked and dropped."""

    def __init__(self, url: str, service: str, dispatcher: Dispatcher, topology: Topology, *,
                 max_attempts: int = 5, delays_ms=(1000, 5000, 30000), prefetch: int = 20,
                 max_transient: int = 50):
        from services.common.bus import connect

        self.connection = connect(url)
        self.service = service
        self.dispatcher = dispatcher
        self.topology = topology
        self.max_attempts = max_attempts
        self.max_transient = max_transient
        self.delays_ms = tuple(delays_ms)
        self.prefetch = prefetch
        self.queues = topology.service_queues(service, [t for t in dispatcher.event_keys], max_attempts,
                                              self.delays_ms)
        self.publisher = Publisher(url, topology, service=service)
        self.ready = False

    def declare(self, channel) -> None:
        """Declare exchanges and this service's queues (idempotent)."""
        self.topology.declare_exchanges(channel)
        for q in [self.queues["dlq"], *self.queues["retries"], self.queues["main"]]:
            q.bind(channel).declare()

    def get_consumers(self, Consumer, channel):
        self.declare(channel)
        consumer = Consumer(queues=[self.queues["main"]], on_message=self.on_message,
                            prefetch_count=self.prefetch, accept=[])
        self.ready = True
        return [consumer]

    def on_connection_error(self, exc, interval):
        self.ready = False
        log.warning("broker connection lost; reconnecting", error=str(exc), retry_in=interval)

    # -- one message ---------------------------------------------------------
    def on_message(self, message) -> None:
        headers = message.headers or {}
        attempts = int(headers.get("x-confer-attempts", 0)) + 1
        started = time.perf_counter()
        try:
            env = decode(message.body)
        except InvalidEvent as exc:
            self._dead_letter(message, attempts, f"undecodable: {exc.errors}", type_name="invalid")
            return
        name = env["type"].split(".")[-2]
        logs.bind_correlation(env.get("correlationid"), event_id=env["id"], event_type=env["type"],
                              service=self.service)
        try:
            outcome = self.dispatcher.dispatch(env)
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            log.warning("handler failed", attempt=attempts, error=repr(exc))
            transient = int(headers.get("x-confer-transient", 0)) + 1
            if is_transient(exc) and transient <= self.max_transient:
                # The database is down or a transaction conflicts (e.g. one left open by a
                # killed worker): not the message's fault, so it does not use up its tries.
                self._retry(message, attempts - 1, name, transient=transient)
                return
            if attempts >= self.max_attempts:
                self._dead_letter(message, attempts, repr(exc), type_name=name)
            else:
                self._retry(message, attempts, name)
            return
        message.ack()
        metrics.EVENTS_CONSUMED.labels(self.service, name, outcome).inc()
        metrics.HANDLER_LATENCY.labels(self.service, name).observe(time.perf_counter() - started)
        try:
            created = datetime.fromisoformat(env["time"].replace("Z", "+00:00"))
            metrics.EVENT_LAG.labels(self.service).observe(
                max(0.0, (self.dispatcher.store.clock() - created).total_seconds()))
        except ValueError:
            pass

    def _retry(self, message, attempts: int, name: str, transient: int = 0) -> None:
        step = max(attempts, transient) - 1
        delay = self.delays_ms[min(step, len(self.delays_ms) - 1)]
        headers = dict(message.headers or {}, **{"x-confer-attempts": attempts})
        if transient:
            headers["x-confer-transient"] = transient
        if self.publisher.memory:  # the in-process dev bus has no TTL queues: requeue directly
            self.publisher.publish_raw(message.body, exchange="", routing_key=self.queues["main"].name,
                                       headers=headers)
        else:
            self.publisher.publish_raw(message.body, exchange=self.topology.retry,
                                       routing_key=f"{self.service}.{delay}", headers=headers)
        message.ack()  # only after the retry copy is confirmed
        metrics.EVENTS_CONSUMED.labels(self.service, name, "retried").inc()

    def _dead_letter(self, message, attempts: int, reason: str, *, type_name: str) -> None:
        headers = dict(message.headers or {}, **{"x-confer-attempts": attempts, "x-confer-error": reason[:500],
                                                 "x-confer-dead-at": time.time()})
        body = message.body if isinstance(message.body, (bytes, str)) else encode(message.body)
        self.publisher.publish_raw(body, exchange=self.topology.dlx, routing_key=self.service, headers=headers)
        message.ack()
        metrics.EVENTS_CONSUMED.labels(self.service, type_name, "dead_lettered").inc()
        log.error("message dead-lettered", attempts=attempts, reason=reason[:200])
