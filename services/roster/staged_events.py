"""Outbox entries for an import's events, built before anything is written.

The entries have exactly the shape ``UnitOfWork.commit`` gives them (so the platform's
relay publishes them like any other), plus the ``import_id``. Every data payload is
validated against the catalogue; the first envelope of each type goes through
``new_event`` in full and the others reuse its validated envelope fields (building
26,000 envelopes one by one through ``new_event`` costs seconds).

All entries of an import share ``created_at`` and number ``seq`` 0..n-1, so the relay,
which sends pending entries by (created_at, seq), publishes them in the order derived.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from marshmallow import RAISE

from services.common.catalogue import latest
from services.common.envelope import InvalidEvent, iso, new_event

CHUNK_SIZE = 1000


class OutboxEntries:
    def __init__(self, *, import_id: str, district_id: str, now: datetime, correlation_id: str | None):
        self.import_id, self.district_id, self.now = import_id, district_id, now
        self.correlation_id = correlation_id
        self.entries: list[dict] = []
        self._templates: dict[str, dict] = {}
        self._schemas: dict[str, object] = {}

    def add(self, name: str, data: dict, *, subject: str | None, school_id: str | None) -> dict:
        spec = latest(name)
        template = self._templates.get(name)
        if template is None:
            env = new_event(spec, data, subject=subject, district_id=self.district_id, school_id=school_id,
                            correlation_id=self.correlation_id, now=self.now)
            self._templates[name] = env
        else:
            schema = self._schemas.get(name)
            if schema is None:
                schema = self._schemas[name] = spec.schema(unknown=RAISE)
            errors = schema.validate(data)
            if errors:
                raise InvalidEvent({"data": errors})
            env = {**template, "id": str(uuid.uuid4()), "subject": subject, "schoolid": school_id,
                   "data": data}
        entry = {"_id": env["id"], "status": "pending", "created_at": self.now, "seq": len(self.entries),
                 "type": spec.type, "name": spec.name, "routing_key": spec.routing_key,
                 "private": spec.private, "envelope": env, "attempts": 0,
                 "district_id": self.district_id, "school_id": school_id, "import_id": self.import_id}
        self.entries.append(entry)
        return entry

    def chunks(self, size: int = CHUNK_SIZE) -> list[dict]:
        """Chunk documents for the ``import_events`` collection (one per `size` entries)."""
        return [{"_id": chunk_id(self.import_id, n), "import_id": self.import_id, "n": n,
                 "district_id": self.district_id, "school_id": None, "entries": self.entries[i:i + size]}
                for n, i in enumerate(range(0, len(self.entries), size))]

    def count_by_name(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e["name"]] = out.get(e["name"], 0) + 1
        return out


def chunk_id(import_id: str, n: int) -> str:
    return f"{import_id}:e:{n:06d}"


def new_import_id(now: datetime) -> str:
    return f"imp-{iso(now).replace('-', '').replace(':', '')[:15]}-{uuid.uuid4().hex[:8]}"
