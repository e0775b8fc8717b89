"""RabbitMQ topology, a confirming publisher, and connection helpers (kombu).

Topology (declared once per process, never on every publish):
  confer.events    topic, durable   public events; outside systems bind here
  confer.events.internal  topic, durable   private events (contact details, a child's words)
  confer.retry     direct, durable  -> confer.<svc>.retry.<ms> (TTL) -> back to confer.<svc>
  confer.dlx       direct, durable  -> confer.<svc>.dlq
Each service consumes from one quorum queue `confer.<svc>`. Retries with back-off go
through per-delay TTL queues; after the last try the consumer publishes the message to
the dead-letter queue itself. The quorum queue's delivery limit is a backstop for a
message that crashes the worker before it can be handled (RabbitMQ 3.10 sets no limit
unless asked), and it dead-letters to the same DLQ.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from kombu import Connection, Exchange, Producer, Queue

from services.common import metrics
from services.common.catalogue import EventSpec, latest
from services.common.envelope import CONTENT_TYPE, encode


class Unroutable(RuntimeError):
    """The broker returned a mandatory message: no queue is bound for it."""


class PublishTimeout(RuntimeError):
    """The broker did not confirm a publish in time."""


def is_memory(url: str) -> bool:
    return url.startswith("memory://")


def connect(url: str) -> Connection:
    options = {} if is_memory(url) else {"confirm_publish": True}
    return Connection(url, transport_options=options, heartbeat=0, connect_timeout=5)


@dataclass
class Topology:
    exchange_name: str = "confer.events"

    def __post_init__(self):
        base = self.exchange_name
        self.public = Exchange(base, "topic", durable=True)
        self.internal = Exchange(f"{base}.internal", "topic", durable=True)
        self.retry = Exchange(f"{base}.retry", "direct", durable=True)
        self.dlx = Exchange(f"{base}.dlx", "direct", durable=True)

    def exchange_for(self, spec: EventSpec) -> Exchange:
        return self.internal if spec.private else self.public

    def queue_name(self, service: str) -> str:
        return f"{self.exchange_name}.{service}"

    def dlq_name(self, service: str) -> str:
        return f"{self.queue_name(service)}.dlq"

    def retry_queue_name(self, service: str, delay_ms: int) -> str:
        return f"{self.queue_name(service)}.retry.{delay_ms}"

    def service_queues(self, service: str, event_keys, max_attempts: int, delays_ms) -> dict:
        """Main, retry and dead-letter queues for a service subscribed to `event_keys`."""
        bindings = []
        for key in event_keys:
            spec = resolve(key)
            bindings.append((self.exchange_for(spec), spec.routing_key))
        main_name = self.queue_name(service)
        main = Queue(
            main_name,
            bindings=[_binding(ex, rk) for ex, rk in bindings],
            durable=True,
            queue_arguments={
                "x-queue-type": "quorum",
                # Backstop for crash loops; normal failures stop earlier (max_attempts).
                "x-delivery-limit": max_attempts + 2,
                "x-dead-letter-exchange": self.dlx.name,
                "x-dead-letter-routing-key": service,
            },
        )
        retries = [
            Queue(
                self.retry_queue_name(service, ms),
                exchange=self.retry,
                routing_key=f"{service}.{ms}",
                durable=True,
                queue_arguments={
                    "x-message-ttl": int(ms),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": main_name,
                },
            )
            for ms in delays_ms
        ]
        dlq = Queue(self.dlq_name(service), exchange=self.dlx, routing_key=service, durable=True,
                    queue_arguments={"x-queue-type": "quorum"})
        return {"main": main, "retries": retries, "dlq": dlq}

    def declare_exchanges(self, channel) -> None:
        for ex in (self.public, self.internal, self.retry, self.dlx):
            ex.bind(channel).declare()


def _binding(exchange, routing_key):
    from kombu import binding

    return binding(exchange, routing_key=routing_key)


def resolve(key: str) -> EventSpec:
    """'ConferenceBooked' -> its newest version; 'ConferenceBooked.v1' -> that version."""
    from services.common.catalogue import CATALOGUE, all_specs

    all_specs()
    if key in CATALOGUE:  # a full CloudEvents type
        return CATALOGUE[key]
    if ".v" in key:
        name, _, version = key.rpartition(".v")
        for spec in all_specs():
            if spec.name == name and spec.version == int(version):
                return spec
        raise KeyError(f"unknown event {key!r}")
    return latest(key)


class Publisher:
    """Publishes envelopes with publisher confirms, `mandatory`, persistent delivery
    and a confirm timeout. Not thread-safe: one per thread."""

    def __init__(self, url: str, topology: Topology, *, confirm_timeout: float = 10.0, service: str = ""):
        self.url = url
        self.topology = topology
        self.confirm_timeout = confirm_timeout
        self.service = service
        self.memory = is_memory(url)
        self.connection = connect(url)
        self._returned: list = []
        self._producer = None
        self._lock = threading.Lock()

    def _ensure(self):
        if self._producer is None:
            self.connection.ensure_connection(max_retries=3, interval_start=0.2, interval_step=0.5)
            channel = self.connection.channel()
            self.topology.declare_exchanges(channel)
            self._producer = Producer(channel, on_return=self._on_return)
        return self._producer

    def _on_return(self, exception, exchange, routing_key, message):
        self._returned.append((exchange, routing_key))

    def reset(self):
        self._producer = None
        try:
            self.connection.release()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            pass
        self.connection = connect(self.url)

    def publish_raw(self, body: bytes, *, exchange: Exchange | str, routing_key: str,
                    headers: dict | None = None, mandatory: bool = True, expiration=None) -> None:
        with self._lock:
            producer = self._ensure()
            self._returned.clear()
            try:
                producer.publish(
                    body, exchange=exchange, routing_key=routing_key, mandatory=mandatory and not self.memory,
                    content_type=CONTENT_TYPE, content_encoding="utf-8", delivery_mode=2,
                    headers=headers or {}, retry=False, expiration=expiration,
                    confirm_timeout=None if self.memory else self.confirm_timeout,
                )
            except Exception:
                self.reset()
                raise
            if self._returned:
                raise Unroutable(f"no queue bound for {routing_key!r} on {getattr(exchange, 'name', exchange)!r}")

    def publish(self, env: dict, *, spec: EventSpec, mandatory: bool = True) -> None:
        # mandatory: an event no queue is bound for comes back as Unroutable instead of
        # being confirmed and dropped; the relay keeps it (status "unroutable").
        self.publish_raw(encode(env), exchange=self.topology.exchange_for(spec),
                         routing_key=spec.routing_key, mandatory=mandatory,
                         headers={"correlation_id": env.get("correlationid") or ""})
        metrics.EVENTS_PUBLISHED.labels(self.service, spec.name).inc()

    def close(self):
        try:
            self.connection.release()
        except Exception:  # noqa: BLE001
            pass
