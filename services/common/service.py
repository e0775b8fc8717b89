"""What a service declares (its routes, handlers, indexes, timers, background engines)
and the two processes built from it: the web app and the worker (consumer + outbox relay
+ timers + engines).

An engine is long-running work of the worker that is not an event or a timer, such as
the notifications delivery lanes: `ENGINES = {"name": factory}` in the service's
handlers module, `factory(store, settings)` returning an object with `run()` (blocks
until stopped) and `stop()`."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app

from services.common import logs, production, queues, timers, wiring
from services.common.bus import Topology, connect, is_memory, publisher_for
from services.common.config import Settings
from services.common.consumer import ConsumerRunner, Dispatcher
from services.common.outbox import OutboxRelay, watch_outbox
from services.common.store import Store
from services.common.web import create_service_app

log = logs.get("confer.service")


@dataclass
class ServiceDefinition:
    """A service's parts, each loaded when a process needs it (so importing the service
    package stays light). Build a real service's definition with `declare`, which names
    every module and table explicitly."""
    name: str
    blueprints: Callable[[], list]
    handlers: Callable[[], dict] = dict
    indexes: Callable | None = None
    timer_callbacks: Callable[[], dict] = dict
    init_app: Callable[[Flask], None] | None = None
    rate_limits: Callable[[], dict] = dict
    engines: Callable[[], dict] = dict
    public_prefixes: Callable[[], tuple] = tuple
    # Attaches the service's repositories to a unit of work (`uow.bookings`, ...).
    repositories: Callable | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def declare(cls, name: str, *, blueprints: str, handlers: str | None = None, timers: str | None = None,
                indexes: str | None = None, engines: str | None = None, rate_limits: str | None = None,
                public_prefixes: str | None = None, repositories: str | None = None) -> "ServiceDefinition":
        """The definition from "package.module:NAME" references: `blueprints` and
        `indexes` name functions (`blueprints()`, `ensure_indexes(db)`), `repositories` a
        function that attaches the service's repositories to a unit of work, the others the
        tables themselves. A part left out is empty (a service that consumes nothing
        names no handlers); a reference that does not resolve raises `WiringError`,
        naming the service and the entry, when a process loads it (at its start)."""
        def table(entry: str, target: str | None, empty):
            return (lambda: wiring.load(name, entry, target)) if target else empty

        return cls(
            name=name,
            blueprints=lambda: wiring.load(name, "blueprints", blueprints)(),
            handlers=table("handlers", handlers, dict),
            indexes=(lambda db: wiring.load(name, "indexes", indexes)(db)) if indexes else None,
            timer_callbacks=table("timers", timers, dict),
            rate_limits=table("rate_limits", rate_limits, dict),
            engines=table("engines", engines, dict),
            public_prefixes=table("public_prefixes", public_prefixes, tuple),
            repositories=(lambda uow: wiring.load(name, "repositories", repositories)(uow)) if repositories else None,
        )

    def handler_table(self) -> dict[str, list]:
        """The handlers by full event type, checked (`wiring.check_handlers`)."""
        return wiring.check_handlers(self.name, self.handlers())

    def timer_table(self) -> dict:
        return wiring.check_timers(self.name, self.timer_callbacks())


def definition_for(name: str) -> ServiceDefinition:
    """The definition a service package declares (`services.<name>.SERVICE`)."""
    import importlib

    return importlib.import_module(f"services.{name}").SERVICE


def make_store(defn: ServiceDefinition, settings: Settings, **kw) -> Store:
    store = Store.from_settings(settings, **kw)
    store.on_indexes(timers.ensure_indexes)
    if defn.indexes:
        store.on_indexes(defn.indexes)
    return store


class BrokerCheck:
    """Readiness probe of the broker, cached so /readyz does not open a connection per call."""

    def __init__(self, url: str, ttl: float = 5.0):
        self.url, self.ttl, self._ok_until = url, ttl, 0.0

    def __call__(self) -> None:
        if is_memory(self.url) or time.monotonic() < self._ok_until:
            return
        conn = connect(self.url)
        try:
            conn.ensure_connection(max_retries=1, timeout=2)
        finally:
            conn.release()
        self._ok_until = time.monotonic() + self.ttl


def build_app(defn: ServiceDefinition, settings: Settings | None = None, *, store: Store | None = None) -> Flask:
    logs.configure()
    settings = settings or Settings.from_env(defn.name)
    production.require_ready(settings, f"confer web {defn.name}")
    store = store or make_store(defn, settings)
    try:
        store.ensure_indexes()
    except Exception as exc:  # noqa: BLE001 - the database may come up later; /readyz says so
        log.warning("could not ensure indexes at start", error=str(exc))
    app = create_service_app(defn.name, settings, store, defn.blueprints(), broker_check=BrokerCheck(settings.amqp_url),
                             rate_limits=defn.rate_limits(), public_prefixes=defn.public_prefixes())
    if defn.init_app:
        defn.init_app(app)
    return app


def get_store() -> Store:
    return current_app.extensions["confer"]["store"]


def get_settings() -> Settings:
    return current_app.extensions["confer"]["settings"]


class Worker:
    """Consumer, outbox relay, change-stream waker and timers of one service, as threads."""

    def __init__(self, defn: ServiceDefinition, settings: Settings, store: Store | None = None, *,
                 relay: bool = True, consume: bool = True, run_timers: bool = True, engines: bool = True):
        production.require_ready(settings, f"confer worker {defn.name}")
        # Checked first, and even when not consuming: a definition that does not hold
        # together never starts (a misspelled table used to mean a worker consuming nothing).
        table, timer_table, engine_table = defn.handler_table(), defn.timer_table(), defn.engines()
        self.defn, self.settings = defn, settings
        self.store = store or make_store(defn, settings)
        self.topology = Topology(settings.exchange)
        self.stop_event = threading.Event()
        self.relay = OutboxRelay(self.store, publisher_for(settings.amqp_url, self.topology, service=defn.name),
                                 poll_seconds=settings.relay_poll_seconds,
                                 retention_days=settings.outbox_retention_days) if relay else None
        handlers = table if consume else {}
        self.dispatcher = Dispatcher(self.store, handlers)
        self.ledger_renames = wiring.ledger_renames(defn.name, handlers)
        # Several consumer connections: each event is one transaction, so handling
        # overlaps database round trips. Order across them is not kept (never promised).
        self.consumers = [
            ConsumerRunner(settings.amqp_url, defn.name, self.dispatcher, self.topology,
                           max_attempts=settings.max_attempts, delays_ms=settings.retry_delays_ms,
                           batch=settings.consumer_batch)
            for _ in range(max(1, settings.consumer_concurrency) if handlers else 0)]
        self.consumer = self.consumers[0] if self.consumers else None
        callbacks = timer_table if run_timers else {}
        self.timers = timers.TimerRunner(self.store, callbacks, concurrency=settings.timer_concurrency) \
            if callbacks else None
        self.engines = {name: factory(self.store, settings)
                        for name, factory in (engine_table if engines else {}).items()}
        self.threads: list[threading.Thread] = []

    def start(self) -> "Worker":
        for attempt in range(5):  # the web process may be creating the same indexes right now
            try:
                self.store.ensure_indexes()
                # Before any consumer runs: ledger entries under a handler's former key
                # take its declared name, so events it already handled stay handled.
                moved = wiring.migrate_ledger(self.store.db, self.ledger_renames)
                if moved:
                    log.info("ledger entries renamed", service=self.defn.name, moved=moved)
                break
            except Exception:  # noqa: BLE001
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
        if self.consumer:
            # Declare the queue before anything publishes, so nothing is unroutable.
            with self.consumer.connection.channel() as channel:
                self.consumer.declare(channel)
        targets = []
        if self.relay:
            targets += [self.relay.run, lambda: watch_outbox(self.store, self.stop_event)]
        targets += [c.run for c in self.consumers]
        if self.consumers and not is_memory(self.settings.amqp_url):
            # Queue and dead-letter depths for /metrics (alerts: DLQ not empty, consumer stuck).
            targets.append(lambda: queues.watch_depths(self.settings.amqp_url, self.topology, self.defn.name,
                                                       self.stop_event, 15))
        if self.timers:
            targets.append(self.timers.run)
        targets += [engine.run for engine in self.engines.values()]
        for target in targets:
            t = threading.Thread(target=target, daemon=True, name=f"{self.defn.name}-worker")
            t.start()
            self.threads.append(t)
        log.info("worker started", service=self.defn.name, threads=len(self.threads))
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_event.set()
        if self.relay:
            self.relay.stop()
        for consumer in self.consumers:
            consumer.should_stop = True
        if self.timers:
            self.timers.stop()
        for engine in self.engines.values():
            engine.stop()
        for t in self.threads:
            t.join(timeout)
