"""A district system subscribing to Confer's ConferenceBooked events (kombu + jsonschema).
Usage: python subscriber.py AMQP_URL EXCHANGE QUEUE [STOP_AFTER]   (e.g. ... confer.events warehouse.bookings)"""
import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator
from kombu import Connection, Exchange, Queue

KEY = "scheduling.ConferenceBooked.v1"
SCHEMA = Path(__file__).resolve().parents[1] / "events" / "ConferenceBooked.v1.json"


def run(url, exchange, queue_name, stop_after=None):
    validator = Draft202012Validator(json.loads(SCHEMA.read_text()))
    seen, handled = set(), 0  # in production: (source, id) in your database, stored with your effect
    events = Exchange(exchange, "topic", durable=True, passive=True)  # Confer's exchange; we only bind to it
    queue = Queue(queue_name, events, routing_key=KEY, durable=True, queue_arguments={"x-queue-type": "quorum"})

    def on_message(message):
        nonlocal handled
        event, handled = json.loads(message.body), handled + 1
        errors = [e.message for e in validator.iter_errors(event)]
        if errors:  # a contract break: reject it (a dead-letter policy keeps it) and tell someone
            print("invalid event:", errors, file=sys.stderr, flush=True)
            return message.reject()
        if (event["source"], event["id"]) not in seen:
            seen.add((event["source"], event["id"]))
            print(json.dumps({"id": event["id"], "booking": event["data"]["booking_id"],
                              "start": event["data"]["start"]}), flush=True)
        message.ack()

    with Connection(url) as conn, conn.Consumer(queue, on_message=on_message, accept=[]):
        print("listening", file=sys.stderr, flush=True)
        while stop_after is None or handled < stop_after:
            conn.drain_events()


if __name__ == "__main__":
    run(*sys.argv[1:4], int(sys.argv[4]) if len(sys.argv) > 4 else None)
