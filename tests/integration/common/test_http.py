"""HTTP plumbing: problem+json for client mistakes, 401 without a valid token,
Idempotency-Key, ops endpoints, 503 + Retry-After when the database is down."""
import pytest

from services.common.config import Settings
from services.common.service import build_app
from services.common.testing import MongoDaemon
from tests.integration.common.probe import definition


@pytest.fixture
def app(mongo_daemon, db_name):
    settings = Settings(service="probe", mongo_url=mongo_daemon.url, mongo_db=db_name)
    return build_app(definition(), settings)


@pytest.fixture
def client(app, token):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token()}"
    return c


def fields_named(resp):
    return {e["field"] for e in resp.get_json()["errors"]}


def test_create_and_read(client):
    resp = client.post("/schools", json={"name": "Lovett", "time_zone": "America/Chicago"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert client.get(f"/schools/{resp.get_json()['id']}").get_json()["name"] == "Lovett"


def test_bad_json_is_400_problem(client):
    resp = client.post("/schools", data="{not json", content_type="application/json")
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["status"] == 400


def test_unknown_field_is_422_naming_it(client):
    resp = client.post("/schools", json={"name": "A", "time_zone": "UTC", "colour": "red"})
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert "colour" in fields_named(resp)


def test_wrong_type_and_missing_field_named(client):
    resp = client.post("/schools", json={"name": 5, "capacity": "many"})
    assert resp.status_code == 422
    assert {"name", "capacity", "time_zone"} <= fields_named(resp)


def test_missing_and_bad_token_are_401(app, token):
    c = app.test_client()
    resp = c.get("/schools/x")
    assert resp.status_code == 401 and resp.mimetype == "application/problem+json"
    assert "WWW-Authenticate" in resp.headers
    resp = c.get("/schools/x", headers={"Authorization": "Bearer not.a.token"})
    assert resp.status_code == 401
    forged = token()[:-3] + "abc"
    assert c.get("/schools/x", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_not_found_is_problem(client):
    resp = client.get("/schools/nope")
    assert resp.status_code == 404 and resp.get_json()["detail"] == "No school nope."


def test_idempotency_key_replays_first_result(client, app):
    headers = {"Idempotency-Key": "abc-123"}
    first = client.post("/schools", json={"name": "A", "time_zone": "UTC"}, headers=headers)
    second = client.post("/schools", json={"name": "A", "time_zone": "UTC"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    store = app.extensions["confer"]["store"]
    assert store.db["schools"].count_documents({}) == 1
    reused = client.post("/schools", json={"name": "B", "time_zone": "UTC"}, headers=headers)
    assert reused.status_code == 422


def test_ops_endpoints(client, app):
    c = app.test_client()
    assert c.get("/healthz").status_code == 200
    assert c.get("/readyz").status_code == 200
    client.get("/schools/nope")
    text = c.get("/metrics").get_data(as_text=True)
    assert "confer_http_request_duration_seconds_bucket" in text
    assert 'route="/schools/<school_id>"' in text
    spec = c.get("/openapi.json").get_json()
    assert "/schools" in spec["paths"]
    assert spec["components"]["schemas"]["SchoolIn"]["additionalProperties"] is False


def test_503_with_retry_after_when_database_down(token, db_name):
    daemon = MongoDaemon().start()
    try:
        settings = Settings(service="probe", mongo_url=daemon.url, mongo_db=db_name)
        from services.common.service import make_store

        defn = definition()
        store = make_store(defn, settings, server_selection_ms=500)
        app = build_app(defn, settings, store=store)
        c = app.test_client()
        c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token()}"
        assert c.post("/schools", json={"name": "A", "time_zone": "UTC"}).status_code == 201
        daemon.stop()
        resp = c.post("/schools", json={"name": "B", "time_zone": "UTC"})
        assert resp.status_code == 503 and resp.headers["Retry-After"]
        assert c.get("/readyz").status_code == 503
        daemon.start()
        assert c.post("/schools", json={"name": "C", "time_zone": "UTC"}).status_code == 201
    finally:
        daemon.cleanup()
