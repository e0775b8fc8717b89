"""Evidence: work samples with a note card, as a link or an uploaded file (GridFS)."""
from __future__ import annotations

import uuid

from marshmallow import ValidationError

from services.access import READ, WRITE
from services.common.errors import Invalid, NotFound
from services.common.guards import district_scope, require_role
from services.goals.application import access
from services.goals.adapters import uploads
from services.goals.application.access import authorize, refuse
from services.goals.domain import Evidence, EvidenceFile, NoteCard, validate_evidence
from services.goals.adapters.repository import EVIDENCE, GOALS, scope
from services.goals.entrypoints.http.schemas.family import EvidenceFormIn
from services.goals.domain.texts import T, request_lang, say

AUTHORS = ("student", "teacher")


def evidence_from_doc(doc: dict) -> Evidence:
    f = doc.get("file")
    return Evidence(doc["_id"], doc["student_id"], doc["title"], NoteCard(**doc["note"]),
                    EvidenceFile(f["content_type"], f["size"], f.get("filename", "")) if f else None, doc.get("link"))


def evidence_view(doc: dict) -> dict:
    file = doc.get("file")
    return {"evidence_id": doc["_id"], **{k: doc.get(k) for k in (
                "student_id", "cycle", "title", "note", "kind", "link", "added_by_role", "created_at")},
            "file": {k: v for k, v in file.items() if k != "file_id"} if file else None,
            "file_url": f"/evidence/{doc['_id']}/file" if file else None}


def _save(store, principal, cfg, student_id: str, cycle: str, title: str, note: NoteCard, *, link=None, file=None):
    """Validate against the student's goals, store the record and emit EvidenceAdded."""

    def work(uow):
        record = authorize(uow.db, principal, student_id, WRITE, session=uow.session)
        goal_ids = {d["_id"] for d in uow.db[GOALS].find({**scope(record), "student_id": record.student_id},
                                                          {"_id": 1}, session=uow.session)}
        ev_file = EvidenceFile(file["content_type"], file["size"], file["filename"]) if file else None
        ev = Evidence(str(uuid.uuid4()), record.student_id, title, note, ev_file, link)
        refuse(validate_evidence(ev, max_bytes=cfg.evidence_max_bytes, known_goal_ids=goal_ids),
               T("This work sample needs a few fixes: see each field."), "evidence_invalid")
        doc = {"_id": ev.evidence_id, **scope(record), "student_id": record.student_id, "cycle": cycle,
               "title": title.strip(), "note": {"what_it_shows": note.what_it_shows.strip(), "goal_id": note.goal_id},
               "kind": "file" if file else "link", "link": (link or "").strip() or None, "file": file,
               "added_by": principal.sub, "added_by_role": principal.role, "created_at": uow.now}
        uow.db[EVIDENCE].insert_one(doc, session=uow.session)
        uow.emit("EvidenceAdded", {"evidence_id": ev.evidence_id, "student_id": record.student_id,
                                   "school_id": record.school_id, "goal_id": note.goal_id, "kind": doc["kind"]},
                 subject=record.student_id)
        return doc

    return evidence_view(store.atomic(work, district_id=principal.district_id))


def add_link(store, principal, cfg, student_id: str, body: dict) -> dict:
    authorize(store.db, principal, student_id, WRITE)
    require_role(principal, *AUTHORS)
    note = body.get("note") or {}
    return _save(store, principal, cfg, student_id, cfg.cycle(body.get("cycle")), body["title"],
                 NoteCard(note.get("what_it_shows", ""), note.get("goal_id")), link=body["link"])


def add_file(store, principal, cfg, student_id: str, stream, content_type, content_length) -> dict:
    """Authorize before reading the body; stream the file part into GridFS; keep it only
    if the record is stored."""
    record = authorize(store.db, principal, student_id, WRITE)
    require_role(principal, *AUTHORS)
    meta = {**scope(record), "student_id": record.student_id, "uploaded_by": principal.sub}
    form, sink = uploads.receive(store.db, stream, content_type, content_length, cfg.evidence_max_bytes, meta)
    if sink is None:
        raise Invalid(say(T("Add a file to your work sample."), request_lang()), code="source_missing",
                      errors={"file": [say(T("Add a file or a link to your work."), request_lang())]})
    try:
        try:
            fields = EvidenceFormIn().load(form)
        except ValidationError as exc:
            raise Invalid("The upload has invalid fields; see errors.", code="invalid", errors=exc.messages) from None
        file_id = sink.finish()
        if sink.size == 0:
            empty = say(T("This file is empty. Pick another file."), request_lang())
            raise Invalid(empty, code="file_empty", errors={"file": [empty]})
        file = {"file_id": file_id, "content_type": sink.content_type, "size": sink.size, "filename": sink.filename}
        return _save(store, principal, cfg, student_id, cfg.cycle(fields["cycle"]), fields["title"],
                     NoteCard(fields["what_it_shows"], fields["goal_id"]), file=file)
    except BaseException:
        sink.discard()
        raise


def list_evidence(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    cycle = cfg.cycle(cycle)
    record = authorize(store.db, principal, student_id, READ)
    docs = evidence_docs(store.db, record, cycle)
    access.audit(store, principal, record, "evidence", cycle=cycle)
    return {"evidence": [evidence_view(d) for d in docs]}


def evidence_docs(db, record, cycle: str) -> list[dict]:
    return list(db[EVIDENCE].find({**scope(record), "student_id": record.student_id, "cycle": cycle})
                .sort([("created_at", 1)]))


def open_file(store, principal, evidence_id: str):
    """(GridOut, evidence doc) for a download the caller may make."""
    query = district_scope(principal, _id=evidence_id)
    doc = store.db[EVIDENCE].find_one(query)
    if doc is None or not doc.get("file"):
        raise NotFound(f"No file for evidence {evidence_id}.", code="evidence_not_found")
    try:
        record = authorize(store.db, principal, doc["student_id"], READ)
    except NotFound:
        raise NotFound(f"No file for evidence {evidence_id}.", code="evidence_not_found") from None
    access.audit(store, principal, record, "evidence_file", resource_id=evidence_id, cycle=doc.get("cycle"))
    return uploads.bucket(store.db).open_download_stream(doc["file"]["file_id"]), doc
