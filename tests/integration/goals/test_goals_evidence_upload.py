"""Work-sample uploads into GridFS: size and type refused before (or while) reading the
body with a clear problem+json, and nothing stored; good files and links kept."""
from io import BytesIO

import pytest

from services.goals.adapters import uploads

LIMIT = 300_000  # goals_env sets evidence_max_bytes to this
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
FIELDS = {"title": "My fractions poster", "what_it_shows": "I can add fractions with the same bottom number"}


@pytest.fixture
def env(goals_env):
    goals_env.seed_roster()
    return goals_env


def stored(env) -> tuple[int, int, int]:
    db = env.db
    return (db["evidence_files.files"].count_documents({}), db["evidence_files.chunks"].count_documents({}),
            db["evidence"].count_documents({}))


BOUNDARY = "confer-test-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(data: bytes, ctype: str, filename: str, fields: dict) -> bytes:
    """The bytes a browser would send (fixed boundary, so a retry is byte-identical)."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    head = "".join(parts) + (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"'
                             f"\r\nContent-Type: {ctype}\r\n\r\n")
    return head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def upload(client, data: bytes, ctype: str, filename="work.png", headers=None, **fields):
    return client.post("/students/st-1/evidence/files", content_type=MULTIPART, headers=headers,
                       data=multipart(data, ctype, filename, {**FIELDS, **fields}))


def chunked_upload(client, data: bytes, ctype: str):
    """A body without Content-Length (as with chunked transfer encoding)."""
    body = multipart(data, ctype, "big.png", FIELDS)
    return client.post("/students/st-1/evidence/files", input_stream=BytesIO(body), content_type=MULTIPART,
                       environ_overrides={"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"})


def assert_problem(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["code"] == code and body["detail"]
    return body


def test_over_the_size_limit_is_413_and_stores_nothing(env):
    student = env.client("student", "st-1")
    body = assert_problem(upload(student, PNG + b"\x00" * LIMIT, "image/png"), 413, "file_too_large")
    assert "The biggest file you can add is 0.3 MB" in body["detail"]
    assert stored(env) == (0, 0, 0)


def test_too_large_while_streaming_without_content_length_deletes_written_chunks(env, monkeypatch):
    streamed = []
    discard = uploads.GridFSSink.discard

    def spy(sink):
        streamed.append(sink.size)
        discard(sink)

    monkeypatch.setattr(uploads.GridFSSink, "discard", spy)
    student = env.client("student", "st-1")
    resp = chunked_upload(student, PNG + b"\x00" * (2 * LIMIT), "image/png")
    assert_problem(resp, 413, "file_too_large")
    assert LIMIT < streamed[0] < 2 * LIMIT  # refused while streaming, without reading the whole body
    assert stored(env) == (0, 0, 0)


@pytest.mark.parametrize("data, ctype, code", [
    (b"PK\x03\x04zipzipzipzipzip", "application/zip", "file_type_not_allowed"),
    (b"<html><script>alert(1)</script>", "text/html", "file_type_not_allowed"),
    (b"MZ\x90\x00 this is not a png at all", "image/png", "file_type_mismatch"),
])
def test_forbidden_or_disguised_type_is_415_and_stores_nothing(env, data, ctype, code):
    resp = upload(env.client("student", "st-1"), data, ctype)
    assert_problem(resp, 415, code)
    assert stored(env) == (0, 0, 0)


def test_bad_note_card_is_422_and_the_file_is_removed(env):
    resp = upload(env.client("student", "st-1"), PNG, "image/png", what_it_shows=" ")
    body = assert_problem(resp, 422, "evidence_invalid")
    assert "note.what_it_shows" in {e["field"] for e in body["errors"]}
    assert stored(env) == (0, 0, 0)
    assert_problem(env.client("student", "st-1").post("/students/st-1/evidence/files", json={}), 415,
                   "multipart_required")


def test_good_file_is_stored_and_downloadable_and_links_work(env):
    student = env.client("student", "st-1")
    resp = upload(student, PNG, "image/png", filename="poster.png", headers={"Idempotency-Key": "poster-1"})
    assert resp.status_code == 201, resp.get_json()
    item = resp.get_json()
    replay = upload(student, PNG, "image/png", filename="poster.png", headers={"Idempotency-Key": "poster-1"})
    assert replay.status_code == 201 and replay.get_json()["evidence_id"] == item["evidence_id"]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert item["kind"] == "file" and item["file"] == {"content_type": "image/png", "size": len(PNG),
                                                        "filename": "poster.png"}
    assert stored(env) == (1, 1, 1)
    files = env.db["evidence_files.files"].find_one()
    assert files["metadata"]["district_id"] == "d-1" and files["metadata"]["school_id"] == "s-1"
    teacher = env.client("teacher", "t-1", school_ids=["s-1"])
    download = teacher.get(item["file_url"])
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert env.client("guardian", "g-2").get(item["file_url"]).status_code == 404

    resp = student.post("/students/st-1/evidence", json={
        "title": "My story", "note": {"what_it_shows": "My best writing"}, "link": "https://docs.example.org/s"})
    assert resp.status_code == 201 and resp.get_json()["kind"] == "link"
    bad = student.post("/students/st-1/evidence", json={"title": "x", "note": {"what_it_shows": "y"},
                                                        "link": "javascript:alert(1)"})
    assert_problem(bad, 422, "evidence_invalid")
    listed = teacher.get("/students/st-1/evidence").get_json()["evidence"]
    assert [e["title"] for e in listed] == ["My fractions poster", "My story"]
    assert env.db["outbox"].count_documents({"name": "EvidenceAdded"}) == 2
    assert env.client("guardian", "g-1").post("/students/st-1/evidence", json={
        "title": "x", "note": {"what_it_shows": "y"}, "link": "https://x.org/a"}).status_code == 403
