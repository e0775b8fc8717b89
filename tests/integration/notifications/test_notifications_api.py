"""The HTTP API with real tokens: the signed-in person's inbox (and nobody else's), their
preferences, and admins' webhook subscriptions."""
import pytest

from services.common.config import Settings
from services.common.service import build_app, make_store
from services.common.testing import run_handler
from services.notifications import SERVICE
from services.notifications.entrypoints.handlers import HANDLERS
from tests.integration.notifications.conftest import booked_event, fire, roster_events, seed

SECOND_FAMILY = roster_events(guardian={"person_id": "g-2", "email": "bo@example.test", "language": "en"},
                              student={"person_id": "st-2", "given_name": "Lin"})


@pytest.fixture
def app(mongo_daemon, db_name, clock, notify_env):
    settings = Settings(service="notifications", mongo_url=mongo_daemon.url, mongo_db=db_name)
    store = make_store(SERVICE, settings, clock=clock)
    yield build_app(SERVICE, settings, store=store)
    store.client.drop_database(db_name)


@pytest.fixture
def inboxes(app):
    """Two families, each with a booking, delivered in-app (no SMTP: email just retries)."""
    store = app.extensions["confer"]["store"]
    seed(store)
    seed(store, SECOND_FAMILY)
    run_handler(store, HANDLERS, booked_event())
    run_handler(store, HANDLERS, booked_event(booking_id="b-2", student_id="st-2", guardian_id="g-2"))
    fire(store)
    return store


def client_for(app, token, role, sub, **kw):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token(role=role, sub=sub, **kw)}"
    return c


def test_a_guardian_sees_only_their_own_inbox(app, token, inboxes):
    ana, bo = client_for(app, token, "guardian", "g-1"), client_for(app, token, "guardian", "g-2")
    mine = ana.get("/inbox")
    assert mine.status_code == 200
    kinds = sorted(i["kind"] for i in mine.get_json())
    assert kinds == ["booking_confirmation", "parent_input_request"]
    assert all("Mateo" in i["subject"] for i in mine.get_json())
    assert all("Lin" in i["subject"] for i in bo.get("/inbox").get_json())
    other = bo.get("/inbox").get_json()[0]["id"]
    resp = ana.post(f"/inbox/{other}/read")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    assert bo.get("/inbox?unread=true").get_json()[0]["read_at"] is None
    assert client_for(app, token, "guardian", "g-1", district_id="d-2").get("/inbox").get_json() == []


def test_mark_read_and_unread_filter(app, token, inboxes):
    ana = client_for(app, token, "guardian", "g-1")
    first = ana.get("/inbox").get_json()[0]
    resp = ana.post(f"/inbox/{first['id']}/read")
    assert resp.status_code == 200 and resp.get_json()["read_at"]
    assert ana.post(f"/inbox/{first['id']}/read").get_json()["read_at"] == resp.get_json()["read_at"]
    assert [i["id"] for i in ana.get("/inbox?unread=true").get_json()] != [first["id"]]
    assert len(ana.get("/inbox?unread=true").get_json()) == 1
    assert ana.get("/inbox?limit=0").status_code == 422


def test_inbox_needs_a_token(app):
    assert app.test_client().get("/inbox").status_code == 401


def test_preferences_round_trip_and_validation(app, token, inboxes):
    ana = client_for(app, token, "guardian", "g-1")
    got = ana.get("/preferences").get_json()
    assert got == {"opted_out": [], "quiet_start": "21:00", "quiet_end": "07:00", "digest": False,
                   "language": None, "effective_language": "es", "email_on_file": True, "phone_on_file": False}
    body = {"opted_out": ["sms", "email"], "quiet_start": "20:30", "quiet_end": "06:45", "language": "en"}
    put = ana.put("/preferences", json=body)
    assert put.status_code == 200 and put.get_json()["effective_language"] == "en"
    assert ana.get("/preferences").get_json()["opted_out"] == ["email", "sms"]
    bad = ana.put("/preferences", json={"opted_out": ["inapp"], "quiet_start": "25:00", "colour": "red"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} >= {"opted_out.0", "quiet_start", "colour"}
    digest = ana.put("/preferences", json={"digest": True})
    assert digest.status_code == 422 and digest.get_json()["code"] == "digest_teachers_only"
    lee = client_for(app, token, "teacher", "t-1", school_ids=["s-1"])
    assert lee.put("/preferences", json={"digest": True}).get_json()["digest"] is True


def test_webhooks_are_for_admins_and_the_secret_is_shown_once(app, token):
    # A public address (registration checks it; nothing is sent here); names need DNS, absent in tests.
    admin = client_for(app, token, "district_admin", "a-1")
    created = admin.post("/webhooks", json={"url": "https://192.0.32.10/hook", "kinds": ["report_ready"]})
    assert created.status_code == 201 and len(created.get_json()["secret"]) >= 32
    listed = admin.get("/webhooks").get_json()
    assert [w["id"] for w in listed] == [created.get_json()["id"]] and "secret" not in listed[0]
    guardian = client_for(app, token, "guardian", "g-1")
    assert guardian.post("/webhooks", json={"url": "https://192.0.32.10"}).status_code == 403
    bad = admin.post("/webhooks", json={"url": "not a url", "kinds": ["gossip"]})
    assert bad.status_code == 422 and {e["field"] for e in bad.get_json()["errors"]} == {"url", "kinds.0"}
    head = client_for(app, token, "school_admin", "sa-1", school_ids=["s-1"])
    assert head.post("/webhooks", json={"url": "https://192.0.32.10/h", "school_ids": ["s-9"]}).status_code == 403
    own = head.post("/webhooks", json={"url": "https://192.0.32.10/h"}).get_json()
    assert own["school_ids"] == ["s-1"]
    assert [w["id"] for w in head.get("/webhooks").get_json()] == [own["id"]]  # not the district-wide one
    assert head.delete(f"/webhooks/{created.get_json()['id']}").status_code == 404
    assert admin.delete(f"/webhooks/{own['id']}").status_code == 204
    assert head.get("/webhooks").get_json() == []


def test_openapi_documents_the_endpoints(app):
    spec = app.test_client().get("/openapi.json").get_json()
    assert {"/inbox", "/inbox/{item_id}/read", "/preferences", "/webhooks", "/webhooks/{webhook_id}"} <= set(
        spec["paths"])
    assert spec["components"]["schemas"]["PreferencesIn"]["additionalProperties"] is False
