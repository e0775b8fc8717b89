"""`confer events ...`: the public event contract and a subscriber's kit.

  docs [--check]                           regenerate (or check) docs/asyncapi.yaml, docs/events/*.json,
                                           the lock and the catalogue section of docs/events.md
  tail [--routing-key K ...]               print live public events, one JSON line each
  subscribe --queue Q --bind K [--bind ..] declare an outside system's durable quorum queue
  replay --since DATE --to Q [--service S] re-publish the outbox history each service keeps to one queue

Connections come from the environment (AMQP_URL, MONGO_URL, CONFER_EXCHANGE). tail and
subscribe only read the public exchange (a passive declare), so a subscriber's own
restricted RabbitMQ account can run them; replay is an operator's tool.
"""
from __future__ import annotations

import functools
import heapq
import json
import socket
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
from kombu import Connection, Exchange, Queue, binding

from services.common import contract
from services.common.config import SERVICES, Settings


def _settings(service: str = "events") -> Settings:
    settings = Settings.from_env(service)
    if settings.amqp_url.startswith("memory://"):
        raise click.ClickException("AMQP_URL is memory:// (the in-process dev bus); point it at RabbitMQ")
    return settings


def _public_exchange(name: str) -> Exchange:
    # passive: it must exist already; a subscriber's account may not declare exchanges
    return Exchange(name, "topic", durable=True, passive=True)


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` zero or more."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and p[0] in ("*", k[0]) and match(p[1:], k[1:])

    return match(pattern.split("."), key.split("."))


def _clear_errors(fn):
    """The broker's refusals (404 no exchange, 403, 406 other arguments), an unreachable broker or
    database: a one-line message and exit 1, not a traceback."""
    @functools.wraps(fn)
    def wrapper(*args, **kw):
        try:
            return fn(*args, **kw)
        except click.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 - amqp.exceptions.*, pymongo.errors.*, socket errors
            if type(exc).__module__.startswith("pymongo"):
                raise click.ClickException(f"database: {exc}") from None
            if type(exc).__module__.startswith(("amqp", "kombu")) or isinstance(exc, OSError):
                raise click.ClickException(f"broker: {exc}") from None
            raise

    return wrapper


@click.group("events")
def cli() -> None:
    """The public event contract, and tools for subscribing systems."""


@cli.command()
@click.option("--check", is_flag=True, help="Only compare; exit 1 listing differences.")
@click.option("--docs-dir", type=click.Path(file_okay=False, path_type=Path), default=contract.DOCS,
              show_default="docs/")
def docs(check, docs_dir):
    """Generate AsyncAPI, JSON Schemas and the schema lock from the catalogue."""
    problems, changed = contract.differences(docs_dir)
    for line in problems:
        click.echo(f"breaking: {line}", err=True)
    if problems:
        click.echo("a published event version may only gain optional fields: register a new version "
                   "instead (docs/events.md, Versioning); nothing was written", err=True)
        sys.exit(1)
    if check:
        for line in changed:
            click.echo(f"differs: {line}", err=True)
        if changed:
            click.echo("regenerate with `confer events docs` and commit the result", err=True)
            sys.exit(1)
        click.echo(f"{docs_dir} matches the catalogue")
        return
    contract.write(docs_dir)
    for line in changed:
        click.echo(f"wrote {line.split(':')[0]}" if "no longer" not in line else f"removed {line.split(':')[0]}")
    click.echo(f"{len(changed)} file(s) changed")


@cli.command()
@click.option("--routing-key", "keys", multiple=True, default=("#",), show_default=True,
              help="Topic pattern, e.g. 'scheduling.#' (repeat for several).")
@click.option("--count", type=int, default=None, help="Stop after this many events.")
@click.option("--timeout", type=float, default=None, help="Stop after this many seconds without an event.")
@click.option("--queue-prefix", default="confer-tail", show_default=True,
              help="Start of the temporary queue's name (your broker account's queue prefix).")
@_clear_errors
def tail(keys, count, timeout, queue_prefix):
    """Print live public events, one JSON line each (exclusive auto-delete queue)."""
    settings = _settings()
    exchange = _public_exchange(settings.exchange)
    queue = Queue(f"{queue_prefix}.{uuid.uuid4().hex[:10]}", exclusive=True, auto_delete=True,
                  bindings=[binding(exchange, routing_key=k) for k in keys])
    seen = 0

    def on_message(message):
        nonlocal seen
        try:
            line = json.dumps(json.loads(message.body), separators=(",", ":"), ensure_ascii=False)
        except ValueError:
            line = json.dumps({"undecodable": bytes(message.body).decode("utf-8", "replace")[:500]})
        click.echo(line)
        sys.stdout.flush()
        message.ack()
        seen += 1

    with Connection(settings.amqp_url, connect_timeout=5) as conn:
        channel = conn.channel()
        queue.bind(channel).declare()
        click.echo(f"listening on {settings.exchange} for {' '.join(keys)}", err=True)
        with conn.Consumer(queue, channel=channel, on_message=on_message, accept=[], prefetch_count=100):
            last = time.monotonic()
            try:
                while count is None or seen < count:
                    try:
                        conn.drain_events(timeout=0.5)
                        last = time.monotonic()
                    except socket.timeout:
                        if timeout is not None and time.monotonic() - last > timeout:
                            break
            except KeyboardInterrupt:
                pass


@cli.command()
@click.option("--queue", "queue_name", required=True, help="Your system's queue, e.g. warehouse.conferences.")
@click.option("--bind", "keys", multiple=True, required=True, help="Topic pattern (repeat for several).")
@_clear_errors
def subscribe(queue_name, keys):
    """Declare a durable quorum queue for an outside system, bound to the public exchange."""
    settings = _settings()
    public = [s for s in contract.all_specs() if not s.private]
    matched = sorted({s.routing_key for s in public for k in keys if topic_matches(k, s.routing_key)})
    for key in keys:
        if not any(topic_matches(key, s.routing_key) for s in public):
            click.echo(f"warning: {key!r} matches no public event today", err=True)
    exchange = _public_exchange(settings.exchange)
    queue = Queue(queue_name, bindings=[binding(exchange, routing_key=k) for k in keys], durable=True,
                  queue_arguments={"x-queue-type": "quorum"})
    with Connection(settings.amqp_url, connect_timeout=5) as conn:
        queue.bind(conn.default_channel).declare()
    click.echo(f"queue {queue_name} (quorum, durable) bound to {settings.exchange}: {' '.join(keys)}")
    click.echo(f"{len(matched)} event type(s) match now: {' '.join(matched)}")


def parse_since(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("use a date (2025-11-04) or an ISO time (2025-11-04T15:00:00Z)") from None
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


def _history(db, service: str, since: datetime):
    query = {"status": {"$in": ["sent", "unroutable"]}, "created_at": {"$gte": since}, "private": {"$ne": True}}
    for doc in db["outbox"].find(query, {"envelope": 1, "type": 1, "created_at": 1, "seq": 1}) \
            .sort([("created_at", 1), ("seq", 1)]):
        yield (doc["created_at"], doc.get("seq", 0), service), doc


@cli.command()
@click.option("--since", required=True, help="Date or ISO time, UTC unless it has an offset.")
@click.option("--to", "queue_name", required=True, help="The queue to fill (must exist).")
@click.option("--service", "services", multiple=True, type=click.Choice(SERVICES),
              help="Producer(s) to replay (default: all).")
@click.option("--routing-key", "keys", multiple=True, help="Only events matching these topic patterns.")
@_clear_errors
def replay(since, queue_name, services, keys):
    """Re-publish public events from the services' outbox history to one queue, oldest first."""
    from amqp.exceptions import NotFound
    from pymongo import MongoClient

    from services.common.bus import Publisher, Topology, Unroutable
    from services.common.envelope import encode

    since_at, services = parse_since(since), services or SERVICES
    settings = {s: _settings(s) for s in services}
    first = settings[services[0]]
    if len({st.mongo_db for st in settings.values()}) < len(services):
        raise click.ClickException("MONGO_DB names one database: pass a single --service with it")
    kept_from = datetime.now(timezone.utc) - timedelta(days=first.outbox_retention_days)
    if since_at < kept_from:
        click.echo(f"warning: outbox history is kept {first.outbox_retention_days} days; "
                   f"nothing older than {kept_from:%Y-%m-%d} is left", err=True)
    client = MongoClient(first.mongo_url, tz_aware=True, serverSelectionTimeoutMS=5000)
    publisher = Publisher(first.amqp_url, Topology(first.exchange), service="replay")
    counts = {s: 0 for s in services}
    by_type = {spec.type: spec for spec in contract.all_specs()}
    try:
        with Connection(first.amqp_url, connect_timeout=5) as conn:  # fail early, clearly
            try:
                conn.default_channel.queue_declare(queue_name, passive=True)
            except NotFound:
                raise click.ClickException(f"queue {queue_name!r} does not exist (create it with "
                                           "`confer events subscribe`)") from None
        history = heapq.merge(*(_history(client[st.mongo_db], s, since_at) for s, st in settings.items()),
                              key=lambda item: item[0])
        for (_, _, service), doc in history:
            spec = by_type.get(doc["type"])
            if spec is None or spec.private or (keys and not any(topic_matches(k, spec.routing_key) for k in keys)):
                continue
            env = doc["envelope"]
            publisher.publish_raw(encode(env), exchange="", routing_key=queue_name, mandatory=True,
                                  headers={"correlation_id": env.get("correlationid") or "", "x-confer-replay": True})
            counts[service] += 1
    except Unroutable:
        done = sum(counts.values())
        raise click.ClickException(f"queue {queue_name!r} disappeared after {done} event(s)") from None
    finally:
        publisher.close()
        client.close()
    detail = ", ".join(f"{s} {n}" for s, n in counts.items() if n) or "none"
    click.echo(f"replayed {sum(counts.values())} event(s) to {queue_name} since {since_at.isoformat()} ({detail})")
