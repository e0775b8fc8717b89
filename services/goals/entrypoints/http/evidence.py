"""Evidence: work samples with a note card, as a link or an uploaded file.

    POST /students/<id>/evidence        student, teacher   JSON: a link
    POST /students/<id>/evidence/files  student, teacher   multipart/form-data: title, what_it_shows,
                                                           goal_id, cycle and one `file` part
    GET  /students/<id>/evidence        anyone who may see the child
    GET  /evidence/<id>/file            anyone who may see the child (download)
"""
from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

from flask import Response, request
from flask_smorest import Blueprint

from services.goals.application import evidence
from services.goals.entrypoints.http.goals import ctx
from services.goals.domain import ALLOWED_CONTENT_TYPES
from services.goals.entrypoints.http.schemas.goals import CycleQuery
from services.goals.entrypoints.http.schemas.family import EvidenceLinkIn, EvidenceListOut, EvidenceOut

blp = Blueprint("evidence", __name__, description="Work samples with note cards (files in GridFS, or links)")
UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "title": {"type": "string"}, "what_it_shows": {"type": "string"}, "goal_id": {"type": "string"},
        "cycle": {"type": "string"},
        "file": {"type": "string", "format": "binary",
                 "description": f"one of {', '.join(ALLOWED_CONTENT_TYPES)}; size limit per deployment"}}}}}},
    "responses": {"413": {"description": "file too large"}, "415": {"description": "type not allowed"}}}


@blp.route("/students/<student_id>/evidence", methods=["POST"])
@blp.arguments(EvidenceLinkIn)
@blp.response(201, EvidenceOut)
def add_link(body, student_id):
    """A work sample kept elsewhere (a link), with its note card."""
    return evidence.add_link(*ctx(), student_id, body)


@blp.route("/students/<student_id>/evidence/files", methods=["POST"])
@blp.response(201, EvidenceOut)
@blp.doc(**UPLOAD_DOC)
def add_file(student_id):
    """Upload a work sample. Size and type are checked before the body is read, and while
    it streams into GridFS; a refused upload stores nothing."""
    # The platform's Idempotency-Key check has already read (and cached) the body.
    stream = BytesIO(request.get_data(cache=True)) if request.headers.get("Idempotency-Key") else request.stream
    return evidence.add_file(*ctx(), student_id, stream, request.content_type, request.content_length)


@blp.route("/students/<student_id>/evidence", methods=["GET"])
@blp.arguments(CycleQuery, location="query")
@blp.response(200, EvidenceListOut)
def list_evidence(query, student_id):
    return evidence.list_evidence(*ctx(), student_id, query["cycle"])


@blp.route("/evidence/<evidence_id>/file", methods=["GET"])
def download(evidence_id):
    """The stored file of a work sample."""
    store, principal, _cfg = ctx()
    grid_out, doc = evidence.open_file(store, principal, evidence_id)
    name = quote(doc["file"].get("filename") or "work-sample")
    headers = {"Content-Length": str(grid_out.length), "X-Content-Type-Options": "nosniff",
               "Cache-Control": "private, no-store", "Content-Disposition": f"attachment; filename*=UTF-8''{name}"}
    return Response(iter(lambda: grid_out.read(256 * 1024), b""), mimetype=doc["file"]["content_type"],
                    headers=headers)
