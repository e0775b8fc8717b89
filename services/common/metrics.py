"""Prometheus metrics shared by every service. Under gunicorn, set
PROMETHEUS_MULTIPROC_DIR and the /metrics endpoint aggregates all workers."""
from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_LATENCY = Histogram(
    "confer_http_request_duration_seconds", "HTTP request latency by route and status",
    ["service", "method", "route", "status"], buckets=LATENCY_BUCKETS)
EVENTS_PUBLISHED = Counter(
    "confer_events_published_total", "Events published to the bus by type", ["service", "type"])
EVENTS_UNROUTABLE = Counter(
    "confer_events_unroutable_total", "Events the broker returned (no queue bound)", ["service", "type"])
EVENTS_CONSUMED = Counter(
    "confer_events_consumed_total", "Events handled by outcome (processed, duplicate, retried, dead_lettered)",
    ["service", "type", "outcome"])
HANDLER_LATENCY = Histogram(
    "confer_event_handler_duration_seconds", "Time to handle one event", ["service", "type"],
    buckets=LATENCY_BUCKETS)
EVENT_LAG = Histogram(
    "confer_event_lag_seconds", "Time from an event's creation to its handling (consumer lag)",
    ["service"], buckets=LATENCY_BUCKETS + (30.0, 60.0, 300.0))
OUTBOX_BACKLOG = Gauge(
    "confer_outbox_backlog", "Outbox entries not yet published", ["service"], multiprocess_mode="max")
OUTBOX_OLDEST_AGE = Gauge(
    "confer_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox entry", ["service"],
    multiprocess_mode="max")
DLQ_DEPTH = Gauge(
    "confer_dead_letter_messages", "Messages waiting in the service's dead-letter queue", ["service"],
    multiprocess_mode="max")
QUEUE_DEPTH = Gauge(
    "confer_queue_messages", "Messages waiting in the service's main queue", ["service"],
    multiprocess_mode="max")
TIMERS_FIRED = Counter("confer_timers_fired_total", "Durable timers fired", ["service", "kind"])
NOTIFICATIONS = Counter(
    "confer_notifications_total", "Notification deliveries by channel and outcome",
    ["channel", "kind", "outcome"])
NOTIFICATIONS_SKIPPED = Counter(
    "confer_notifications_skipped_total",
    "Deliveries not attempted, by reason (not_configured: no provider set for the channel; opted_out; no_address)",
    ["channel", "reason"])
NOTIFICATION_DUE = Gauge(
    "confer_notification_due", "Deliveries due now and not yet sent, per channel (the lane's backlog)", ["channel"],
    multiprocess_mode="max")
NOTIFICATION_OLDEST_DUE_AGE = Gauge(
    "confer_notification_oldest_due_age_seconds", "How long the oldest delivery due on a channel has waited",
    ["channel"], multiprocess_mode="max")
NOTIFICATION_SEND_SECONDS = Histogram(
    "confer_notification_send_duration_seconds", "Time one send to a provider took (SMTP, SMS, webhook)",
    ["channel"], buckets=LATENCY_BUCKETS + (20.0, 30.0, 60.0))
NOTIFICATION_BREAKER_STATE = Gauge(
    "confer_notification_breaker_state",
    "Circuit breaker of a channel's provider: 0 closed, 1 half-open (probing), 2 open (channel parked)",
    ["channel", "provider"], multiprocess_mode="max")
NOTIFICATION_UNKNOWN_RESENDS = Counter(
    "confer_notification_unknown_outcome_resends_total",
    "Sends repeated because an earlier try's outcome was unknown (same Message-ID / delivery id; at most one per "
    "delivery)", ["channel"])
TRANSLATION_FALLBACKS = Counter(
    "confer_translation_fallbacks_total", "Messages rendered in English because a translation was missing",
    ["lang"])
BOOKINGS = Counter("confer_bookings_total", "Booking attempts by outcome", ["outcome"])
BUSINESS = Gauge("confer_business_total", "Business gauges (invitations, bookings, goals...) by name",
                 ["name"], multiprocess_mode="max")


def render() -> tuple[bytes, str]:
    """The text exposition of every metric (all gunicorn workers in multiprocess mode)."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
