"""Queue depths from the broker, exported as gauges (confer_queue_messages,
confer_dead_letter_messages). A passive queue_declare reads a queue's ready-message
count without creating or changing it. The worker refreshes them periodically with
`watch_depths`; `confer dlq list` uses `queue_depth` too."""
from __future__ import annotations

import threading

from amqp.exceptions import NotFound

from services.common import logs, metrics
from services.common.bus import Topology, connect, is_memory

log = logs.get("confer.queues")


def queue_depth(connection, name: str) -> int | None:
    """Messages ready in queue `name`, or None if it does not exist. A fresh channel per
    call: the broker closes the channel of a passive declare of a missing queue."""
    channel = connection.channel()
    try:
        _, count, _ = channel.queue_declare(queue=name, passive=True)
        return int(count)
    except NotFound:
        return None
    finally:
        try:
            channel.close()
        except Exception:  # noqa: BLE001 - already closed by the broker
            pass


def refresh_depths(connection, topology: Topology, service: str) -> dict[str, int | None]:
    """Read the depth of the service's main and dead-letter queues and set the gauges
    (a queue that does not exist yet counts as 0 in the gauge)."""
    depths = {"main": queue_depth(connection, topology.queue_name(service)),
              "dlq": queue_depth(connection, topology.dlq_name(service))}
    metrics.QUEUE_DEPTH.labels(service).set(depths["main"] or 0)
    metrics.DLQ_DEPTH.labels(service).set(depths["dlq"] or 0)
    return depths


def watch_depths(url: str, topology: Topology, service: str, stop: threading.Event,
                 interval: float = 15.0) -> None:
    """Refresh the depth gauges every `interval` seconds until `stop` is set (a worker
    thread). Broker outages are logged and retried; the in-process bus has no depths."""
    if is_memory(url):
        return
    connection = connect(url)
    try:
        while not stop.is_set():
            try:
                connection.ensure_connection(max_retries=1, timeout=5)
                refresh_depths(connection, topology, service)
            except Exception as exc:  # noqa: BLE001 - keep trying while the broker is away
                log.warning("could not read queue depths", service=service, error=repr(exc))
                try:
                    connection.release()
                except Exception:  # noqa: BLE001
                    pass
                connection = connect(url)
            stop.wait(interval)
    finally:
        connection.release()
