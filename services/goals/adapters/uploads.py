"""Streaming a multipart work-sample upload into GridFS, refusing early.

Order of refusals, each before any more of the body is read:
1. Content-Length of the whole request above the limit (plus room for the text fields): 413.
2. Not multipart/form-data: 415.
3. The file part's declared type not allowed, or its first bytes not that type: 415.
4. More bytes than the limit while streaming (chunked uploads, lying lengths): 413, and
   whatever GridIn buffered or wrote is dropped (GridIn.abort). PyMongo batches chunk
   inserts (up to 32 MB), so memory per upload is bounded by the limit (default 10 MB).
GridFS writes cannot join a MongoDB transaction, so the file is written first and
deleted again if the evidence record is refused or its transaction fails.
"""
from __future__ import annotations

from gridfs import GridFSBucket
from werkzeug.exceptions import HTTPException
from werkzeug.formparser import FormDataParser
from werkzeug.http import parse_options_header

from services.common.errors import ConferError, Invalid
from services.goals.domain import ALLOWED_CONTENT_TYPES, check_upload
from services.goals.domain.evidence import MIB, normalise_content_type, stored_filename
from services.goals.adapters.repository import EVIDENCE_BUCKET

FORM_ALLOWANCE = 64 * 1024  # text fields and multipart framing around the file
HEAD = 16


class PayloadTooLarge(ConferError):
    status, title = 413, "Payload too large"


class UnsupportedType(ConferError):
    status, title = 415, "Unsupported media type"


def looks_like(content_type: str, head: bytes) -> bool:
    """A cheap check that the first bytes match the declared type."""
    if content_type == "image/png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if content_type == "image/jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if content_type == "application/pdf":
        return head.startswith(b"%PDF-")
    if content_type == "video/mp4":
        return head[4:8] == b"ftyp"
    if content_type == "audio/mpeg":
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if content_type == "text/plain":
        return b"\x00" not in head
    return False


def too_large(limit: int) -> PayloadTooLarge:
    shown = f"{limit / MIB:.1f} MB" if limit >= MIB // 10 else f"{limit / 1024:.0f} KB"
    message = f"This file is too big. The biggest file you can add is {shown}."
    return PayloadTooLarge(message, code="file_too_large", errors={"file": [message]}, max_bytes=limit)


class GridFSSink:
    """The file-like object the multipart parser writes the file part into."""

    def __init__(self, bucket: GridFSBucket, filename: str, content_type: str, limit: int, metadata: dict):
        self.content_type, self.limit, self.filename = content_type, limit, filename
        self.size, self.head, self.checked = 0, b"", False
        self.bucket, self.file_id = bucket, None
        self.grid_in = bucket.open_upload_stream(filename or "upload",
                                                 metadata={**metadata, "content_type": content_type})

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            self.discard()
            raise too_large(self.limit)
        if not self.checked:
            self.head += data[:HEAD]
            if len(self.head) >= HEAD:
                self._check_head()
        self.grid_in.write(data)
        return len(data)

    def _check_head(self) -> None:
        self.checked = True
        if not looks_like(self.content_type, self.head):
            self.discard()
            kind = ALLOWED_CONTENT_TYPES[self.content_type]
            raise UnsupportedType(f"This file does not look like a {kind}.", code="file_type_mismatch",
                                  errors={"file": [f"This file does not look like a {kind}."]})

    def seek(self, *_args) -> int:  # the parser rewinds a finished part; nothing to do
        return 0

    def finish(self):
        if not self.checked and self.size:
            self._check_head()
        self.grid_in.close()
        self.file_id = self.grid_in._id
        return self.file_id

    def discard(self) -> None:
        """Remove whatever was stored: unfinished chunks, or the finished file."""
        if not self.grid_in.closed:
            self.grid_in.abort()
        elif self.file_id is not None:
            self.bucket.delete(self.file_id)
            self.file_id = None


def bucket(db) -> GridFSBucket:
    return GridFSBucket(db, bucket_name=EVIDENCE_BUCKET)


def receive(db, stream, content_type: str | None, content_length: int | None, limit: int,
            metadata: dict) -> tuple[dict, GridFSSink | None]:
    """Parse a multipart upload: (text fields, the sink holding the one file part)."""
    if content_length is not None and content_length > limit + FORM_ALLOWANCE:
        raise too_large(limit)
    mimetype, options = parse_options_header(content_type or "")
    if mimetype != "multipart/form-data":
        raise UnsupportedType("Send the work sample as multipart/form-data with a `file` part.",
                              code="multipart_required")
    sinks: list[GridFSSink] = []

    def factory(total_content_length=None, content_type=None, filename=None, content_length=None):
        if sinks:
            raise Invalid("Add one file per work sample.", code="one_file_only",
                          errors={"file": ["Add one file per work sample."]})
        kind = normalise_content_type(content_type)
        problem = check_upload(kind, 1, limit)
        if problem is not None:
            raise UnsupportedType(problem.message, code=problem.code, errors={"file": [problem.message]})
        if content_length and content_length > limit:
            raise too_large(limit)
        sinks.append(GridFSSink(bucket(db), stored_filename(filename, kind), kind, limit, metadata))
        return sinks[-1]

    parser = FormDataParser(stream_factory=factory, max_form_memory_size=FORM_ALLOWANCE, max_form_parts=10,
                            silent=False)
    try:
        _, form, _files = parser.parse(stream, mimetype, content_length, options)
    except ValueError as exc:
        for s in sinks:
            s.discard()
        raise Invalid(f"The upload could not be read: {exc}.", code="multipart_invalid") from None
    except (ConferError, HTTPException):
        for s in sinks:
            s.discard()
        raise
    return form.to_dict(), (sinks[0] if sinks else None)
