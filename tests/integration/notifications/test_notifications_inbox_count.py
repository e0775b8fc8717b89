"""The portal's header count, and the development-only listing of everyone's in-app
messages (registered only when CONFER_DEV_MODE=1)."""
import pytest

from services.common.config import Settings
from services.common.service import build_app, make_store
from services.common.testing import run_handler
from services.notifications import SERVICE
from services.notifications.entrypoints.handlers import HANDLERS
from tests.integration.notifications.conftest import booked_event, fire, seed


@pytest.fixture
def store(mongo_daemon, db_name, clock, notify_env):
    settings = Settings(service="notifications", mongo_url=mongo_daemon.url, mongo_db=db_name)
    s = make_store(SERVICE, settings, clock=clock)
    s.ensure_indexes()
    seed(s)
    run_handler(s, HANDLERS, booked_event())
    fire(s)
    yield s, settings
    s.client.drop_database(db_name)


def client_for(app, token, role, sub, **kw):
    c = app.test_client()
    c.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token(role=role, sub=sub, **kw)}"
    return c


def test_unread_count_goes_down_as_messages_are_read(store, token, monkeypatch):
    monkeypatch.delenv("CONFER_DEV_MODE", raising=False)
    s, settings = store
    app = build_app(SERVICE, settings, store=s)
    ana = client_for(app, token, "guardian", "g-1")
    assert ana.get("/inbox/unread-count").get_json() == {"unread": 2}
    first = ana.get("/inbox").get_json()[0]
    assert first["link"].startswith("http") and "/family/" in first["link"]  # every in-app item leads to its page
    ana.post(f"/inbox/{first['id']}/read")
    assert ana.get("/inbox/unread-count").get_json() == {"unread": 1}
    assert client_for(app, token, "guardian", "g-9").get("/inbox/unread-count").get_json() == {"unread": 0}
    admin = client_for(app, token, "district_admin", "a-1")
    assert admin.get("/dev/inbox").status_code == 404  # not in production


def test_everyones_messages_are_listed_in_development_mode_only(store, token, monkeypatch):
    monkeypatch.setenv("CONFER_DEV_MODE", "1")
    s, settings = store
    app = build_app(SERVICE, settings, store=s)
    everyone = client_for(app, token, "district_admin", "a-1").get("/dev/inbox")
    assert everyone.status_code == 200 and {i["recipient_id"] for i in everyone.get_json()} >= {"g-1"}
    assert client_for(app, token, "guardian", "g-1").get("/dev/inbox").status_code == 403
