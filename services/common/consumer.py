"""Inbound events: the dispatcher (handler effect + ledger in one transaction) and the
broker-side runner (kombu ConsumerMixin) that acks only after the effect is stored,
retries with back-off, and dead-letters what keeps failing or cannot be decoded.

Messages that arrive together are handled together: the runner takes what the broker
has already sent (up to `batch` messages), and the dispatcher runs all their handlers in
one transaction with one ledger write, so a burst costs one commit instead of one per
event. A batch never hides a failure: a handler that raises takes only its own event
out of the batch (that event is retried or dead-lettered on its own), and anything the
batch cannot place (a duplicate in the ledger, a conflict that keeps coming back) is
handled message by message as before."""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from kombu.mixins import ConsumerMixin
from pymongo.errors import DuplicateKeyError, PyMongoError

from services.common import logs, metrics, wiring
from services.common.bus import Publisher, Topology, resolve
from services.common.envelope import InvalidEvent, decode, encode, validate_event
from services.common.store import LEDGER, REPLAYS, Store, UnitOfWork

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
    def from_envelope(cls, env: dict, *, validated: bool = False) -> "Event":
        """`validated=True`: the envelope was checked already (the runner's decode did)."""
        spec = resolve(env["type"]) if validated else validate_event(env)
        return cls(env["id"], env["type"], spec.name, spec.version, env.get("subject"), env["time"],
                   env["data"], env.get("correlationid"), env.get("districtid"), env.get("schoolid"))


class HandlerFailed(Exception):
    """A handler raised while its event was part of a batch."""

    def __init__(self, index: int, error: BaseException):
        super().__init__(repr(error))
        self.index, self.error = index, error


class Dispatcher:
    """Routes an event to the service's handlers, each in its own unit of work with a
    ledger entry keyed (event id, handler's declared name), so a redelivery has no second
    effect, nor does moving or renaming the handler's function."""

    def __init__(self, store: Store, handlers: dict[str, list[Handler]]):
        self.store = store
        # Every handler declared with a stable name, none twice for one event (else this raises).
        self.by_type: dict[str, list[Handler]] = wiring.check_handlers(store.service, handlers)

    @property
    def event_keys(self) -> list[str]:
        return sorted(self.by_type)

    @staticmethod
    def handler_name(handler: Handler) -> str:
        """The handler's declared name (`wiring.handler`), its key in the ledger."""
        return wiring.name_of(handler)

    def dispatch(self, env: dict, *, validated: bool = False) -> str:
        """Run every handler for `env`, each in its own transaction; return 'processed'
        or 'duplicate'."""
        return self.dispatch_one_event(Event.from_envelope(env, validated=validated))

    def dispatch_batch(self, envs: list[dict], *, validated: bool = False) -> list | None:
        """Handle several events in one transaction: one ledger write (every event id x
        handler), each event's handlers with the event's correlation and tenancy, one
        commit. Returns, per envelope, 'processed' or the exception its handler raised
        (that event's effects are not stored; the others' are). None when the batch
        could not be placed (an event already in the ledger, a conflict that did not
        clear): the caller then dispatches one by one, which sorts that out."""
        events = [Event.from_envelope(env, validated=validated) for env in envs]
        results: list = [None] * len(events)
        live = [i for i in range(len(events))]
        while live:
            try:
                self.store.atomic(lambda uow, idx=list(live): self._run_batch(uow, [(i, events[i]) for i in idx]))
            except HandlerFailed as failed:
                results[failed.index] = failed.error
                live.remove(failed.index)
                continue
            except (DuplicateKeyError, PyMongoError):
                return None if all(r is None for r in results) else self._finish_one_by_one(events, results, live)
            for i in live:
                results[i] = "processed"
            break
        return results

    def _run_batch(self, uow: UnitOfWork, items: list) -> None:
        now, ledger, seen = uow.now, [], set()
        for _, event in items:
            for handler in self.by_type.get(event.type, []):
                key = f"{event.id}:{self.handler_name(handler)}"
                if key not in seen:  # the same event twice in one batch: handled once
                    seen.add(key)
                    ledger.append({"_id": key, "event_id": event.id, "handler": self.handler_name(handler),
                                   "processed_at": now})
        if ledger:  # a duplicate key aborts the transaction: the caller goes one by one
            uow.db[LEDGER].insert_many(ledger, ordered=True, session=uow.session)
        # A handler may read what the whole batch needs at once (`handler.prefetch(events, uow)`).
        wanted: dict = {}
        for _, event in items:
            for handler in self.by_type.get(event.type, []):
                if hasattr(handler, "prefetch"):
                    wanted.setdefault(handler, []).append(event)
        for handler, events in wanted.items():
            handler.prefetch(events, uow)
        done = set()
        for i, event in items:
            if event.id in done:
                continue
            done.add(event.id)
            uow.correlation_id, uow.district_id, uow.school_id = (event.correlation_id, event.district_id,
                                                                  event.school_id)
            for handler in self.by_type.get(event.type, []):
                try:
                    handler(event, uow)
                except PyMongoError:
                    raise  # the database's, not the event's: retried (transient) or one by one
                except Exception as exc:  # noqa: BLE001 - reported against this event only
                    raise HandlerFailed(i, exc) from exc

    def _finish_one_by_one(self, events, results, live) -> list:
        for i in live:
            try:
                results[i] = self.dispatch_one_event(events[i])
            except Exception as exc:  # noqa: BLE001
                results[i] = exc
        return results

    def dispatch_one_event(self, event: Event) -> str:
        outcome = "duplicate"
        for handler in self.by_type.get(event.type, []):
            name = self.handler_name(handler)

            def work(uow: UnitOfWork, handler=handler, name=name):
                if not uow.claim(event.id, name):
                    return False
                handler(event, uow)
                return True

            if self.store.atomic(work, correlation_id=event.correlation_id, district_id=event.district_id,
                                 school_id=event.school_id):
                outcome = "processed"
        return outcome


def decode_id(body) -> str | None:
    import json

    env = json.loads(body)
    return env.get("id") if isinstance(env, dict) else None


def is_transient(exc: Exception) -> bool:
    from pymongo.errors import ConnectionFailure, OperationFailure

    if isinstance(exc, ConnectionFailure):
        return True
    return isinstance(exc, OperationFailure) and (
        exc.has_error_label("TransientTransactionError") or exc.code in (112, 251))


class ConsumerRunner(ConsumerMixin):
    """Consumes the service's quorum queue. Reconnects after a broker restart (kombu's
    ConsumerMixin). Bodies are decoded here, not by kombu, so one that cannot be decoded
    goes to the dead-letter queue instead of being acked and dropped. Messages already
    received are handled as one batch (at most `batch`), each acked after the commit."""

    def __init__(self, url: str, service: str, dispatcher: Dispatcher, topology: Topology, *,
                 max_attempts: int = 5, delays_ms=(1000, 5000, 30000), prefetch: int = 20,
                 max_transient: int = 50, batch: int = 20):
        from services.common.bus import connect

        self.connection = connect(url)
        self.service = service
        self.dispatcher = dispatcher
        self.topology = topology
        self.max_attempts = max_attempts
        self.max_transient = max_transient
        self.delays_ms = tuple(delays_ms)
        self.prefetch = prefetch
        self.batch = max(1, batch)
        self.queues = topology.service_queues(service, [t for t in dispatcher.event_keys], max_attempts,
                                              self.delays_ms)
        self.publisher = Publisher(url, topology, service=service)
        self.ready = False
        self._received: list = []

    def declare(self, channel) -> None:
        """Declare exchanges and this service's queues (idempotent)."""
        self.topology.declare_exchanges(channel)
        for q in [self.queues["dlq"], *self.queues["retries"], self.queues["main"]]:
            q.bind(channel).declare()

    def get_consumers(self, Consumer, channel):
        self.declare(channel)
        consumer = Consumer(queues=[self.queues["main"]], on_message=self.on_message,
                            prefetch_count=max(self.prefetch, self.batch), accept=[])
        self.ready = True
        return [consumer]

    def run(self, _tokens=1, **kwargs):
        """kombu's run (it reconnects after a connection error), and also after any other
        error out of the loop, e.g. the broker refusing the retry copy of a message while
        it restarts: that message was not acked, so the broker delivers it again."""
        while not self.should_stop:
            try:
                super().run(_tokens, **kwargs)
            except Exception as exc:  # noqa: BLE001 - a consumer thread must not die
                self.ready = False
                log.warning("consumer interrupted; reconnecting", error=repr(exc)[:300])
                time.sleep(1.0)

    def on_connection_error(self, exc, interval):
        self.ready = False
        log.warning("broker connection lost; reconnecting", error=str(exc), retry_in=interval)

    def consume(self, limit=None, timeout=None, safety_interval=1, **kwargs):
        """kombu's loop, plus: after a message arrives, take the ones already received
        (a non-blocking drain) and handle them together."""
        self._received = []  # unacked messages of a lost channel come back from the broker
        with self.consumer_context(**kwargs) as (conn, channel, consumers):
            while not self.should_stop:
                try:
                    conn.drain_events(timeout=safety_interval)
                except socket.timeout:
                    conn.heartbeat_check()
                    continue
                except OSError:
                    if not self.should_stop:
                        raise
                    break
                while self._received and len(self._received) < self.batch:
                    try:
                        conn.drain_events(timeout=0)
                    except socket.timeout:
                        break
                self.flush()
                yield

    # -- messages ------------------------------------------------------------
    def on_message(self, message) -> None:
        self._received.append(message)

    def flush(self) -> None:
        """Handle every message received so far."""
        received, self._received = self._received, []
        ready = []
        for message in received:
            try:
                ready.append((message, decode(message.body)))
            except InvalidEvent as exc:
                attempts = int((message.headers or {}).get("x-confer-attempts", 0)) + 1
                self._dead_letter(message, attempts, f"undecodable: {exc.errors}", type_name="invalid")
        if len(ready) > 1:
            started = time.perf_counter()
            try:
                results = self.dispatcher.dispatch_batch([env for _, env in ready], validated=True)
            except Exception as exc:  # noqa: BLE001 - e.g. the database went away: one by one decides
                log.warning("batch failed; handling one by one", error=repr(exc), size=len(ready))
                results = None
            if results is not None:
                elapsed = (time.perf_counter() - started) / len(ready)
                for (message, env), result in zip(ready, results):
                    if isinstance(result, BaseException):
                        self._failed(message, env, result)
                    else:
                        self._done(message, env, result, elapsed)
                return
        for message, env in ready:
            self.handle(message, env)

    def handle(self, message, env: dict) -> None:
        """One message on its own: each handler in its own transaction."""
        logs.bind_correlation(env.get("correlationid"), event_id=env["id"], event_type=env["type"],
                              service=self.service)
        started = time.perf_counter()
        try:
            outcome = self.dispatcher.dispatch(env, validated=True)
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            self._failed(message, env, exc)
            return
        self._done(message, env, outcome, time.perf_counter() - started)

    def _report_replay(self, message, event_id: str | None, type_: str, outcome: str, *, error: str = "",
                       attempts: int | None = None) -> None:
        """What became of a message `confer dlq replay` sent back (it prints this)."""
        run = (message.headers or {}).get("x-confer-replay-run")
        if not run:
            return
        try:
            self.dispatcher.store.db[REPLAYS].update_one(
                {"_id": f"{run}:{event_id}"},
                {"$set": {"run": run, "event_id": event_id, "type": type_, "outcome": outcome, "error": error[:500],
                          "attempts": attempts, "at": self.dispatcher.store.clock()}}, upsert=True)
        except PyMongoError as exc:  # a report only: the message itself was handled
            log.warning("could not record a replay outcome", error=str(exc), event_id=event_id)

    def _done(self, message, env: dict, outcome: str, seconds: float) -> None:
        message.ack()
        self._report_replay(message, env.get("id"), env.get("type", ""), outcome)
        name = env["type"].split(".")[-2]
        metrics.EVENTS_CONSUMED.labels(self.service, name, outcome).inc()
        metrics.HANDLER_LATENCY.labels(self.service, name).observe(seconds)
        try:
            created = datetime.fromisoformat(env["time"].replace("Z", "+00:00"))
            metrics.EVENT_LAG.labels(self.service).observe(
                max(0.0, (self.dispatcher.store.clock() - created).total_seconds()))
        except ValueError:
            pass

    def _failed(self, message, env: dict, exc: BaseException) -> None:
        headers = message.headers or {}
        attempts = int(headers.get("x-confer-attempts", 0)) + 1
        name = env["type"].split(".")[-2]
        transient = int(headers.get("x-confer-transient", 0)) + 1
        (log.info if is_transient(exc) else log.warning)("handler failed", attempt=attempts, error=repr(exc)[:300],
                                                         event_id=env["id"], event_type=env["type"],
                                                         transient=is_transient(exc))
        if is_transient(exc) and transient <= self.max_transient:
            # The database is down or a transaction conflicts (e.g. one left open by a
            # killed worker): not the message's fault, so it does not use up its tries.
            self._retry(message, attempts - 1, name, transient=transient)
            return
        if attempts >= self.max_attempts:
            self._dead_letter(message, attempts, repr(exc), type_name=name)
        else:
            self._retry(message, attempts, name, error=repr(exc))

    @staticmethod
    def _event_id(message) -> str | None:
        try:
            return decode_id(message.body)
        except Exception:  # noqa: BLE001 - undecodable
            return None

    def _retry(self, message, attempts: int, name: str, transient: int = 0, error: str = "") -> None:
        step = max(attempts, transient) - 1
        delay = self.delays_ms[min(step, len(self.delays_ms) - 1)]
        headers = dict(message.headers or {}, **{"x-confer-attempts": attempts})
        if error:
            headers["x-confer-last-error"] = error[:500]
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
        if not transient:
            self._report_replay(message, self._event_id(message), name, "retrying",
                                error=str(headers.get("x-confer-last-error", "")), attempts=attempts)

    def _dead_letter(self, message, attempts: int, reason: str, *, type_name: str) -> None:
        headers = dict(message.headers or {}, **{"x-confer-attempts": attempts, "x-confer-error": reason[:500],
                                                 "x-confer-dead-at": time.time()})
        body = message.body if isinstance(message.body, (bytes, str)) else encode(message.body)
        self.publisher.publish_raw(body, exchange=self.topology.dlx, routing_key=self.service, headers=headers)
        message.ack()
        metrics.EVENTS_CONSUMED.labels(self.service, type_name, "dead_lettered").inc()
        self._report_replay(message, self._event_id(message), type_name, "dead_lettered", error=reason,
                            attempts=attempts)
        log.error("message dead-lettered", attempts=attempts, reason=reason[:200])
