"""`confer dlq list|replay SERVICE`: inspect and replay a service's dead-letter queue.

Reads AMQP_URL and CONFER_EXCHANGE (Settings.from_env). `list` looks without taking:
messages are fetched unacknowledged and returned to the queue when it is done. `replay`
moves messages back to the service's main queue through the default exchange with the
attempt counters reset; each is acknowledged in the dead-letter queue only after the
broker confirmed its copy, so a crash in between can duplicate (the consumer's ledger
absorbs that) but never lose a message. Then it waits (`--wait`, default 30 s) and says
what became of each one: processed, or dead again and why, or still being retried. The
consumer records that in the service's database (collection `dlq_replays`, under the
replay's run id), which `replay` reads with MONGO_URL / MONGO_DB."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

import click
from kombu import Queue
from pymongo import MongoClient
from pymongo.errors import PyMongoError

from services.common.bus import Publisher, Topology, connect, is_memory
from services.common.config import SERVICES, Settings
from services.common.queues import queue_depth
from services.common.store import REPLAYS

# Headers the consumer writes on a failed message; a replayed message starts afresh.
RESET_HEADERS = ("x-confer-attempts", "x-confer-transient", "x-confer-error", "x-confer-dead-at", "x-confer-last-error",
                 "x-death", "x-first-death-exchange", "x-first-death-queue", "x-first-death-reason",
                 "x-last-death-exchange", "x-last-death-queue", "x-last-death-reason", "x-delivery-count")


@click.group("dlq")
def cli() -> None:
    """Inspect and replay dead-lettered messages (needs AMQP_URL to point at RabbitMQ)."""


def _open(service: str):
    settings = Settings.from_env(service)
    if is_memory(settings.amqp_url):
        raise click.ClickException("AMQP_URL is not set (or is memory://): the dead-letter queues live in RabbitMQ.")
    return settings, Topology(settings.exchange), connect(settings.amqp_url)


def raw_body(message) -> bytes:
    body = message.body
    if isinstance(body, bytes):
        return body
    return body.encode(message.content_encoding or "utf-8", "surrogateescape")


def describe(message) -> dict:
    """Type, id, attempts, error and dead-at of a dead-lettered message."""
    headers = message.headers or {}
    try:
        env = json.loads(raw_body(message))
        event_type, event_id = env.get("type", "?"), env.get("id", "?")
    except (ValueError, AttributeError):
        event_type, event_id = "(undecodable)", "-"
    error = headers.get("x-confer-error")
    deaths = headers.get("x-death") or []
    if not error and deaths:  # dead-lettered by the broker (quorum delivery-limit), not by the consumer
        error = f"broker: {deaths[0].get('reason', '?')} in {deaths[0].get('queue', '?')}"
    dead_at = headers.get("x-confer-dead-at")
    if dead_at is None and deaths and deaths[0].get("time") is not None:
        dead_at = deaths[0]["time"]
    if isinstance(dead_at, datetime):
        dead_at = dead_at.replace(tzinfo=dead_at.tzinfo or timezone.utc).timestamp()
    return {
        "type": event_type, "id": event_id,
        "attempts": headers.get("x-confer-attempts", headers.get("x-delivery-count")),
        "error": error or "",
        "dead_at": (datetime.fromtimestamp(float(dead_at), timezone.utc).isoformat(timespec="seconds")
                    if dead_at is not None else None),
    }


@cli.command("list")
@click.argument("service", type=click.Choice(SERVICES))
@click.option("--limit", default=50, show_default=True, help="Show at most this many messages.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per message.")
def list_(service, limit, as_json):
    """Show how many messages wait in SERVICE's dead-letter queue, and each one's type,
    event id, attempts, error and when it was dead-lettered. Nothing is removed."""
    _, topology, conn = _open(service)
    name = topology.dlq_name(service)
    try:
        count = queue_depth(conn, name)
        if count is None:
            raise click.ClickException(f"{name} does not exist (has the {service} worker ever started?)")
        if not as_json:
            click.echo(f"{name}: {count} message(s)")
        channel = conn.channel()
        queue = Queue(name).bind(channel)
        held = []
        try:
            while len(held) < min(limit, count):
                message = queue.get(no_ack=False, accept=[])
                if message is None:
                    break
                held.append(message)
                row = describe(message)
                if as_json:
                    click.echo(json.dumps(row))
                else:
                    click.echo(f"  {row['type']}  id={row['id']}  attempts={row['attempts']}  "
                               f"dead_at={row['dead_at']}  error={row['error']}")
        finally:
            for message in held:  # back to the queue, untouched
                message.requeue()
            channel.close()
        if not as_json and count > len(held):
            click.echo(f"  ... {count - len(held)} more (use --limit)")
    finally:
        conn.release()


@cli.command()
@click.argument("service", type=click.Choice(SERVICES))
@click.option("--limit", type=int, default=None, help="Replay at most N messages (default: all).")
@click.option("--wait", "wait_s", type=float, default=30.0, show_default=True,
              help="Seconds to wait for the outcome of each replayed message (0: do not wait).")
def replay(service, limit, wait_s):
    """Move messages from SERVICE's dead-letter queue back to its main queue, attempts
    reset, then report what became of each: processed, dead again (and why), or still
    being retried. A message that fails again and comes back while this runs is left
    there, so it is not looped on."""
    settings, topology, conn = _open(service)
    dlq, main = topology.dlq_name(service), topology.queue_name(service)
    publisher = Publisher(settings.amqp_url, topology, service=service)
    run = uuid.uuid4().hex
    moved: list[dict] = []
    try:
        if queue_depth(conn, dlq) is None:
            raise click.ClickException(f"{dlq} does not exist (has the {service} worker ever started?)")
        if queue_depth(conn, main) is None:
            raise click.ClickException(f"{main} does not exist: start the {service} worker first.")
        channel = conn.channel()
        queue = Queue(dlq).bind(channel)
        try:
            while limit is None or len(moved) < limit:
                message = queue.get(no_ack=False, accept=[])
                if message is None:
                    break
                headers = {k: v for k, v in (message.headers or {}).items() if k not in RESET_HEADERS}
                if headers.get("x-confer-replay-run") == run:  # replayed by this run and failed again
                    message.requeue()
                    break
                headers.update({"x-confer-replays": int(headers.get("x-confer-replays", 0)) + 1,
                                "x-confer-replay-run": run, "x-confer-replayed-at": time.time()})
                row = describe(message)
                try:
                    publisher.publish_raw(raw_body(message), exchange="", routing_key=main, headers=headers)
                except Exception as exc:
                    message.requeue()
                    raise click.ClickException(f"stopped after {len(moved)}: could not publish: {exc!r}") from exc
                message.ack()  # only after the copy is confirmed
                moved.append(row)
        finally:
            channel.close()
        left = queue_depth(conn, dlq)
        click.echo(f"replayed {len(moved)} message(s) from {dlq} to {main}; {left} left in {dlq}")
    finally:
        publisher.close()
        conn.release()
    if moved and wait_s > 0:
        _report(settings, run, moved, wait_s)


FINAL = ("processed", "duplicate", "dead_lettered")


def _report(settings, run: str, moved: list[dict], wait_s: float) -> None:
    """Wait for the consumer to say what became of each replayed message; print it."""
    try:
        client = MongoClient(settings.mongo_url, serverSelectionTimeoutMS=3000, tz_aware=True)
        coll = client[settings.mongo_db][REPLAYS]
        deadline = time.monotonic() + wait_s
        while True:
            seen = {r["event_id"]: r for r in coll.find({"run": run})}
            if all(seen.get(m["id"], {}).get("outcome") in FINAL for m in moved) or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
    except PyMongoError as exc:
        click.echo(f"outcomes unknown: cannot read the {settings.service} database ({type(exc).__name__}); "
                   "set MONGO_URL (and MONGO_DB) to see what became of each message")
        return
    counts: dict[str, int] = {}
    for m in moved:
        r = seen.get(m["id"])
        outcome = r["outcome"] if r else "pending"
        if outcome == "processed":
            what = "processed"
        elif outcome == "duplicate":
            what = "processed (already done before; nothing to do)"
        elif outcome == "dead_lettered":
            what = f"dead again after {r.get('attempts')} attempt(s): {r.get('error')}"
        elif outcome == "retrying":
            what = f"failed again, being retried (attempt {r.get('attempts')}): {r.get('error')}"
        else:
            what = f"no outcome yet after {wait_s:.0f} s (still queued or being handled)"
        key = {"duplicate": "processed", "dead_lettered": "dead again", "retrying": "being retried"}.get(
            outcome, outcome)
        counts[key] = counts.get(key, 0) + 1
        click.echo(f"  {m['type']}  id={m['id']}: {what}")
    click.echo("outcome: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
