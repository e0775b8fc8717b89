"""Roster imports over HTTP (district admins only).

    POST /imports          multipart/form-data: `file` (the OneRoster bundle as a .zip) and
                           optionally `partial=true`. 201 with the summary (200 when nothing
                           changed); 422 problem+json listing every bad row (file, line,
                           column, reason) and nothing imported; 409 while another import of
                           the district runs; 413 above MAX_CONTENT_LENGTH (12 MiB default).
    GET  /imports/<id>     the import's status and counts.

The import runs in the request; a 5,000-student district takes tens of seconds the
first time (see docs/roster.md), re-imports a few seconds.
"""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.common.errors import Invalid, NotFound
from services.common.guards import require_role
from services.common.service import get_store
from services.common.web import current_principal, problem
from services.roster.application.imports import MAX_LISTED_ERRORS, BundleRejected, error_item, import_bundle
from services.roster.adapters.repository import IMPORTS
from services.roster.entrypoints.http.schemas import ImportFile, ImportForm, ImportOut

blp = Blueprint("imports", __name__, url_prefix="/imports", description="OneRoster imports (district admins)")


@blp.before_request
def district_admins_only():
    # Runs after authentication and before the body is parsed.
    require_role(current_principal(), "district_admin")


class ImportStatusOut(Schema):
    id = fields.String(attribute="_id")
    district_id = fields.String()
    status = fields.String(metadata={"description": "staging | committed | done | aborting | aborted"})
    oneroster_version = fields.String()
    partial = fields.Boolean()
    counts = fields.Dict()
    changes = fields.Integer()
    events = fields.Integer()
    error_count = fields.Integer()
    started_at = fields.DateTime()
    committed_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


@blp.route("", methods=["POST"])
@blp.arguments(ImportForm, location="form")
@blp.arguments(ImportFile, location="files")
@blp.response(201, ImportOut)
@blp.alt_response(422, description="The bundle has errors; nothing was imported (problem+json, `errors`).")
def upload(form, files):
    """Import a OneRoster 1.1 / 1.2 bundle into the caller's district."""
    principal = current_principal()
    if not principal.district_id:
        raise Invalid("The token names no district.", code="no_district")
    with tempfile.TemporaryDirectory(prefix="roster-upload-") as tmp:
        path = Path(tmp) / "bundle.zip"
        files["file"].save(path)
        if not zipfile.is_zipfile(path):
            raise Invalid("The upload is not a .zip file.", code="not_a_zip", errors={"file": ["Not a .zip file."]})
        try:
            summary = import_bundle(get_store(), path, partial=form["partial"], district_id=principal.district_id)
        except BundleRejected as exc:
            return problem(422, "Invalid roster bundle", exc.detail, code=exc.code, error_count=len(exc.row_errors),
                           errors=[error_item(e) for e in exc.row_errors[:MAX_LISTED_ERRORS]])
    return summary, (201 if summary["status"] == "applied" else 200)


@blp.route("/<import_id>", methods=["GET"])
@blp.response(200, ImportStatusOut)
def status(import_id):
    """An import of the caller's district."""
    doc = get_store().db[IMPORTS].find_one({"_id": import_id, "district_id": current_principal().district_id})
    if doc is None:
        raise NotFound(f"No import {import_id}.", code="import_not_found")
    return doc
