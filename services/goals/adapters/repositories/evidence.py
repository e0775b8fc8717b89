"""Evidence records (a work sample's note card, its link or stored file) and the stored
files themselves (GridFS, which cannot join a transaction: see adapters.uploads)."""
from __future__ import annotations

from pymongo import ASCENDING as A

from services.common.guards import district_scope
from services.goals.adapters import uploads
from services.common.repository import Repository
from services.goals.adapters.repository import EVIDENCE, scope


class EvidenceRecords(Repository):
    collection_name = EVIDENCE

    def add(self, doc: dict) -> None:
        self.docs.insert_one(doc, session=self.session)

    def of_cycle(self, record, cycle: str) -> list[dict]:
        query = {**scope(record), "student_id": record.student_id, "cycle": cycle}
        return list(self.docs.find(query, session=self.session).sort([("created_at", A)]))

    def in_district(self, principal, evidence_id: str) -> dict | None:
        return self.docs.find_one(district_scope(principal, _id=evidence_id), session=self.session)


class EvidenceFiles:
    def __init__(self, uow):
        self._db = uow.db

    def receive(self, stream, content_type: str | None, content_length: int | None, limit: int,
                metadata: dict) -> tuple[dict, uploads.GridFSSink | None]:
        """Stream a multipart upload's file part into GridFS: (text fields, its sink)."""
        return uploads.receive(self._db, stream, content_type, content_length, limit, metadata)

    def open(self, file_id):
        return uploads.bucket(self._db).open_download_stream(file_id)
