"""A malformed bundle is rejected whole, with line-level errors, through the CLI and
over HTTP, and leaves every collection exactly as it was (no outbox entries)."""
import csv
import dataclasses
import io
import zipfile

import pytest
from click.testing import CliRunner

from roster_support import counts
from services.common.service import build_app
from services.common.store import OUTBOX
from services.roster import SERVICE
from services.roster.entrypoints.cli import cli
from services.roster.application.imports import import_bundle


def drop_column(folder, file, column):
    path = folder / file
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = [c for c in rows[0] if c != column]
    out = io.StringIO()
    writer = csv.DictWriter(out, header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def replace(folder, file, old, new):
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def duplicate_row(folder, file, prefix):
    path = folder / file
    text = path.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith(prefix))
    path.write_text(text + line + "\n", encoding="utf-8")


def latin1(folder, file):
    path = folder / file
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))


# name -> (how to break the hand-written bundle, an error it must report: file, line, column)
BREAKS = {
    "missing column": (lambda f: drop_column(f, "users.csv", "familyName"), ("users.csv", 1, "familyName")),
    "unknown org": (lambda f: replace(f, "users.csv", "st2,active,,true,s1,", "st2,active,,true,s9,"),
                    ("users.csv", 4, "orgSourcedIds")),
    "bad date": (lambda f: replace(f, "academicSessions.csv", "2026-08-15", "2026-02-30"),
                 ("academicSessions.csv", 2, "startDate")),
    "duplicate sourcedId": (lambda f: duplicate_row(f, "users.csv", "t1,"), ("users.csv", 8, "sourcedId")),
    "wrong encoding": (lambda f: latin1(f, "users.csv"), ("users.csv", 3, None)),
}


def zipped(folder):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    buffer.seek(0)
    return buffer


def cli_env(settings):
    return {"MONGO_URL": settings.mongo_url, "MONGO_DB": settings.mongo_db, "AMQP_URL": "memory://"}


@pytest.mark.parametrize("name", list(BREAKS))
def test_cli_rejects_with_line_level_errors_and_changes_nothing(name, roster, hand_bundle, matrix_bundle):
    settings, store = roster
    import_bundle(store, matrix_bundle)  # a district already there must stay as it is
    before = counts(store.db)
    breaks, (file, line, column) = BREAKS[name]
    breaks(hand_bundle)
    result = CliRunner().invoke(cli, ["import", str(hand_bundle)], env=cli_env(settings))
    assert result.exit_code == 1, result.output
    where = f"{file}:{line}" + (f" [{column}]" if column else "")
    assert where in result.stderr
    assert "Rejected" in result.stderr
    assert counts(store.db) == before


@pytest.mark.parametrize("name", list(BREAKS))
def test_http_rejects_with_problem_json_and_changes_nothing(name, roster, client_for, hand_bundle):
    _, store = roster
    breaks, (file, line, column) = BREAKS[name]
    breaks(hand_bundle)
    before = counts(store.db)
    resp = client_for("district_admin", "a1", district_id="d1").post(
        "/imports", data={"file": (zipped(hand_bundle), "roster.zip")}, content_type="multipart/form-data")
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["code"] == "bundle_invalid" and body["error_count"] == len(body["errors"])
    assert {"file": file, "line": line, "column": column} in [
        {k: e[k] for k in ("file", "line", "column")} for e in body["errors"]]
    assert all(e["reason"] and e["message"] for e in body["errors"])
    assert counts(store.db) == before
    assert store.db[OUTBOX].count_documents({}) == 0


def test_partial_import_skips_only_the_bad_rows(roster, hand_bundle, client_for):
    settings, store = roster
    BREAKS["unknown org"][0](hand_bundle)
    result = CliRunner().invoke(cli, ["import", str(hand_bundle), "--partial"], env=cli_env(settings))
    assert result.exit_code == 0, result.output
    assert "skipped users.csv:4 [orgSourcedIds]" in result.stderr
    people = {d["_id"] for d in store.db["people"].find()}
    assert "d1~st2" not in people and {"d1~st1", "d1~g1", "d1~t1"} <= people
    # Over HTTP the same bundle again: nothing new, the bad row reported again.
    resp = client_for("district_admin", "a1", district_id="d1").post(
        "/imports", data={"file": (zipped(hand_bundle), "roster.zip"), "partial": "true"},
        content_type="multipart/form-data")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["status"] == "unchanged" and body["skipped_rows"] >= 1
    assert body["errors"][0]["file"] == "users.csv"


def test_http_upload_rules(roster, roster_app, client_for, hand_bundle):
    settings, store = roster
    upload = lambda client, **kw: client.post(  # noqa: E731
        "/imports", data={"file": (zipped(hand_bundle), "roster.zip"), **kw}, content_type="multipart/form-data")
    for role in ("school_admin", "teacher", "guardian", "service"):
        resp = upload(client_for(role, district_id="d1", school_ids=("s1",)))
        assert resp.status_code == 403 and resp.mimetype == "application/problem+json"
    assert roster_app.test_client().post("/imports").status_code == 401
    admin = client_for("district_admin", "a1", district_id="d1")
    not_zip = admin.post("/imports", data={"file": (io.BytesIO(b"sourcedId\n"), "users.csv")},
                         content_type="multipart/form-data")
    assert not_zip.status_code == 422 and not_zip.get_json()["code"] == "not_a_zip"
    assert upload(admin, colour="red").status_code == 422  # unknown form field
    small = build_app(SERVICE, dataclasses.replace(settings, max_content_length=512), store=store).test_client()
    small.environ_base.update(admin.environ_base)
    too_big = upload(small)
    assert too_big.status_code == 413 and too_big.mimetype == "application/problem+json"
    assert counts(store.db).get("people", 0) == 0
    created = upload(admin)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["status"] == "applied" and body["district_id"] == "d1"
    status = admin.get(f"/imports/{body['import_id']}").get_json()
    assert status["status"] == "done" and status["events"] == sum(body["events"].values())
    assert client_for("district_admin", district_id="d-other").get(f"/imports/{body['import_id']}").status_code == 404
