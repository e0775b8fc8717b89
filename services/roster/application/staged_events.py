"""An import's events: derived and checked before anything is written, emitted through
the platform's outbox API (``uow.emit``) once the import has committed.

``add`` builds each event as ``uow.emit`` will (``new_event``: catalogue-checked data, a
well-formed envelope), so a bad event rejects the import before its commit point, and
keeps what ``emit`` needs (name, data, subject, school) in chunk documents of 1,000
(``import_chunks``, where the relay cannot see them). Releasing chunk n emits its events
in one unit of work placed at ``first_seq`` onwards of the import's sequence
(``uow.continue_sequence``), so the relay, which sends pending entries by
(created_at, seq), publishes the whole import in the order derived.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from services.common.catalogue import latest
from services.common.envelope import iso, new_event

CHUNK_SIZE = 1000


class StagedEvents:
    def __init__(self, *, import_id: str, district_id: str, now: datetime, correlation_id: str | None):
        self.import_id, self.district_id, self.now = import_id, district_id, now
        self.correlation_id = correlation_id
        self.events: list[dict] = []

    def add(self, name: str, data: dict, *, subject: str | None, school_id: str | None) -> dict:
        """Check the event now (raises InvalidEvent) and keep it for release."""
        school_id = school_id or data.get("school_id")  # as uow.emit resolves it
        new_event(latest(name), data, subject=subject, district_id=self.district_id, school_id=school_id,
                  correlation_id=self.correlation_id, now=self.now)
        event = {"name": name, "data": data, "subject": subject, "school_id": school_id}
        self.events.append(event)
        return event

    def chunks(self, size: int = CHUNK_SIZE) -> list[dict]:
        """Chunk documents for ``import_chunks`` (one per `size` events, in order)."""
        return [{"_id": chunk_id(self.import_id, n), "import_id": self.import_id, "n": n, "first_seq": i,
                 "district_id": self.district_id, "school_id": None, "events": self.events[i:i + size]}
                for n, i in enumerate(range(0, len(self.events), size))]

    def count_by_name(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.events:
            out[e["name"]] = out.get(e["name"], 0) + 1
        return out


def emit_chunk(uow, chunk: dict, *, started_at: datetime, district_id: str) -> None:
    """Emit a chunk's events in `uow`, in their place in the import's sequence, tagged
    with the import's id."""
    first_seq, events = _staged(chunk)
    uow.continue_sequence(started_at, first_seq, import_id=chunk["import_id"])
    for e in events:
        uow.emit(e["name"], e["data"], subject=e["subject"], district_id=district_id, school_id=e["school_id"])


def _staged(chunk: dict) -> tuple[int, list[dict]]:
    if "events" in chunk:
        return chunk["first_seq"], chunk["events"]
    # Chunks staged before events were emitted at release held ready outbox entries: their
    # events are emitted again from the envelopes, so an import committed across an
    # upgrade is still released.
    entries = chunk.get("entries") or []
    return (entries[0]["seq"] if entries else 0), [
        {"name": e["name"], "data": e["envelope"]["data"], "subject": e["envelope"]["subject"],
         "school_id": e["envelope"]["schoolid"]} for e in entries]


def chunk_id(import_id: str, n: int) -> str:
    return f"{import_id}:e:{n:06d}"


def new_import_id(now: datetime) -> str:
    return f"imp-{iso(now).replace('-', '').replace(':', '')[:15]}-{uuid.uuid4().hex[:8]}"
