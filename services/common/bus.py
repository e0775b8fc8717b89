"""RabbitMQ topology, a confirming publisher, and connection helpers (kombu).

Topology (declared once per process, never on every publish):
  confer.events    topic, durable   public events; outside systems bind here
  confer.events.internal  topic, durable   private events (contact details, a child's words)
  confer.events.retry  direct, durable  -> confer.events.<svc>.retry.<ms> (TTL) -> back to confer.events.<svc>
  confer.events.dlx    direct, durable  -> confer.events.<svc>.dlq
Each service consumes from one quorum queue `confer.events.<svc>`. Retries with back-off go
through per-delay TTL queues; after the last try the consumer publishes the message to
the dead-letter queue itself. The quorum queue's delivery limit is a backstop for a
message that crashes the worker before it can be handled (RabbitMQ 3.10 sets no limit
unless asked), and it dead-letters to the same DLQ.
"""
from __future__ import annotations

import contextlib

import socket
import threading
import time
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


def _release(connection: Connection) -> None:
    with contextlib.suppress(Exception):  # the connection may already be gone
        connection.release()


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
        _release(self.connection)
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

    def publish_many(self, items: list[tuple[dict, EventSpec]]) -> "Confirmed":
        """One at a time (the in-process dev bus has no confirms to batch)."""
        done = Confirmed()
        for env, spec in items:
            try:
                self.publish(env, spec=spec)
                done.sent.append(env["id"])
            except Unroutable:
                done.unroutable.append(env["id"])
            except Exception as exc:  # noqa: BLE001 - what went out is kept; the rest waits
                done.error = exc
                break
        return done

    def close(self):
        _release(self.connection)


@dataclass
class Confirmed:
    """What became of a batch of publishes: confirmed by the broker (`sent`), returned
    unroutable (and confirmed), or neither (left for the next try; `error` says why)."""
    sent: list = None
    unroutable: list = None
    error: BaseException | None = None

    def __post_init__(self):
        self.sent = [] if self.sent is None else self.sent
        self.unroutable = [] if self.unroutable is None else self.unroutable


class BatchPublisher:
    """Publishes many envelopes on one channel in confirm mode and collects the broker's
    confirms together (py-amqp: `confirm_select`, then the channel's `basic_ack`,
    `basic_nack` and `basic_return` callbacks), instead of waiting for each confirm in
    turn. Same guarantees as `Publisher`: persistent, `mandatory` (an unroutable event is
    returned before it is confirmed, so it is reported as unroutable, not sent), and an
    event counts as published only once the broker confirmed it. Publishes on one channel
    keep their order. Not thread-safe: one per thread."""

    def __init__(self, url: str, topology: Topology, *, confirm_timeout: float = 30.0, service: str = ""):
        self.url = url
        self.topology = topology
        self.confirm_timeout = confirm_timeout
        self.service = service
        self.memory = is_memory(url)
        # No `confirm_publish` transport option: py-amqp would then wait for every
        # confirm inside basic_publish. Confirms are selected on the channel below.
        self.connection = Connection(url, heartbeat=0, connect_timeout=5)
        self._channel = None
        self._seq = 0
        self._acked: set = set()
        self._nacked: set = set()
        self._returned: set = set()
        self._outstanding: dict[int, str] = {}

    def _ensure(self):
        if self._channel is None:
            self.connection.ensure_connection(max_retries=3, interval_start=0.2, interval_step=0.5)
            channel = self.connection.channel()
            self.topology.declare_exchanges(channel)
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            self._channel, self._seq = channel, 0
        return self._channel

    def _settle(self, tag: int, multiple: bool, into: set) -> None:
        tags = [t for t in self._outstanding if t <= tag] if multiple else [tag]
        for t in tags:
            if self._outstanding.pop(t, None) is not None:
                into.add(t)

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, self._acked)

    def _on_nack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, self._nacked)

    def _on_return(self, exc, exchange, routing_key, message):
        # The broker returns an unroutable message before it confirms it.
        self._returned.add((message.properties or {}).get("message_id"))

    def reset(self):
        self._channel = None
        self._outstanding.clear()
        _release(self.connection)
        self.connection = Connection(self.url, heartbeat=0, connect_timeout=5)

    def publish_many(self, items: list[tuple[dict, EventSpec]]) -> Confirmed:
        """Publish every (envelope, spec) in order, then wait for all their confirms."""
        done = Confirmed()
        if not items:
            return done
        tags: dict[int, tuple[str, str]] = {}
        self._acked, self._nacked, self._returned = set(), set(), set()
        try:
            channel = self._ensure()
            for env, spec in items:
                message = channel.prepare_message(
                    encode(env), content_type=CONTENT_TYPE, content_encoding="utf-8",
                    headers={"correlation_id": env.get("correlationid") or ""},
                    properties={"delivery_mode": 2, "message_id": env["id"]})
                channel.basic_publish(message, exchange=self.topology.exchange_for(spec).name,
                                      routing_key=spec.routing_key, mandatory=True)
                self._seq += 1
                self._outstanding[self._seq] = env["id"]
                tags[self._seq] = (env["id"], spec.name)
            deadline = time.monotonic() + self.confirm_timeout
            while self._outstanding:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PublishTimeout(f"{len(self._outstanding)} publish(es) not confirmed in "
                                         f"{self.confirm_timeout}s")
                try:
                    self.connection.drain_events(timeout=min(remaining, 1.0))
                except socket.timeout:
                    continue
        except Exception as exc:  # noqa: BLE001 - what was confirmed stands; the rest is retried
            done.error = exc
            self.reset()
        for tag in sorted(tags):
            event_id, name = tags[tag]
            if tag not in self._acked:
                continue
            if event_id in self._returned:
                done.unroutable.append(event_id)
            else:
                done.sent.append(event_id)
                metrics.EVENTS_PUBLISHED.labels(self.service, name).inc()
        if self._nacked and done.error is None:
            done.error = RuntimeError(f"the broker refused {len(self._nacked)} publish(es) (nack)")
        return done

    def close(self):
        _release(self.connection)


def publisher_for(url: str, topology: Topology, *, service: str = "", confirm_timeout: float = 30.0):
    """The relay's publisher: batched confirms on RabbitMQ, one at a time in memory."""
    if is_memory(url):
        return Publisher(url, topology, service=service)
    return BatchPublisher(url, topology, service=service, confirm_timeout=confirm_timeout)
