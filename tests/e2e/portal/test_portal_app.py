"""The portal's own plumbing, without servers or a browser: settings, session and CSRF,
security headers, the Spanish catalogue, form <-> API body conversions."""
from __future__ import annotations

import pytest
from babel.messages.pofile import read_po
from werkzeug.datastructures import MultiDict

from services.portal import HERE, create_app, forms
from services.portal.client import ApiError
from services.portal.config import PortalSettings


@pytest.fixture
def app():
    return create_app({"secret_key": "test-secret", "dev_login": False, "cookie_secure": True})


def test_production_needs_a_secret_key_and_no_dev_sign_in(monkeypatch):
    from services.common.production import NotReadyForProduction

    assert PortalSettings(secret_key=None, dev_login=True).secret_key  # dev mode: derived, stable
    monkeypatch.delenv("CONFER_DEV_MODE")
    for kw in ({"secret_key": None}, {"secret_key": "change-me-in-production"},
               {"secret_key": "k" * 48, "dev_login": True}, {"secret_key": "k" * 48, "cookie_secure": False}):
        with pytest.raises(NotReadyForProduction):
            PortalSettings(**kw)
    assert PortalSettings(secret_key="k" * 48).dev_login is False


def test_dev_sign_in_exists_only_when_turned_on(app):
    assert app.test_client().get("/dev/login").status_code == 404
    for path in ("/dev/mail", "/dev/clock"):  # the dev mail page and clock: development mode only
        assert app.test_client().get(path).status_code == 404
        assert create_app({"secret_key": "x", "dev_login": True}).test_client().get(path).status_code == 404
    assert app.test_client().get("/login").status_code == 503  # neither OIDC nor dev sign-in configured
    dev = create_app({"secret_key": "x", "dev_login": True})
    assert dev.test_client().get("/login").headers["Location"].startswith("/dev/login")


def test_pages_need_a_signed_in_person_of_the_right_role(app):
    client = app.test_client()
    resp = client.get("/family/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    with client.session_transaction() as s:
        s["user"] = {"sub": "stu-1", "role": "student", "token": "t", "name": "Ana", "school_ids": []}
    other = client.get("/family/")  # a family's link opened by the student: not found, not "forbidden"
    assert other.status_code == 404
    assert 'id="switch-account"' in other.get_data(as_text=True)  # ... and a way to sign in as the family


def test_forms_need_the_csrf_token_and_the_cookie_is_locked_down(app):
    client = app.test_client()
    page = client.get("/")
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert client.post("/lang", data={"lang": "es"}).status_code == 400
    with client.session_transaction() as s:
        s["csrf"] = "tok"
    resp = client.post("/lang", data={"lang": "es", "csrf_token": "tok", "next": "/"})
    assert resp.status_code == 302
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert 'lang="es"' in client.get("/").get_data(as_text=True)


def test_spanish_catalogue_translates_every_message():
    with (HERE / "translations" / "es" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert not untranslated
    assert len(catalog) > 300


def test_goal_editor_fields_become_an_all_star_plan_and_back():
    form = MultiDict([("statement", " I will read. "), ("focus_kind", "standard"), ("focus_label", "Fluency"),
                      ("action", "Read 10 minutes"), ("action", ""), ("action", "Ask for help"),
                      ("track_method", "A chart"), ("reason", "I like books"), ("target_date", "2026-12-01"),
                      ("support_family", "Quiet room\n\nLibrary visits")])
    plan = forms.goal_plan(form)
    assert plan["statement"] == "I will read." and plan["specific_actions"] == ["Read 10 minutes", "Ask for help"]
    assert plan["supports"]["family"] == ["Quiet room", "Library visits"] and plan["target_date"] == "2026-12-01"
    values = forms.goal_values(plan)
    assert values["actions"][:2] == plan["specific_actions"] and len(values["actions"]) >= 4
    assert forms.field_anchor("specific_actions[2]") == "action-2"
    assert forms.inline_feedback([{"field": "trackable.method", "severity": "error", "message": "m"}]) == {
        "track_method": [{"severity": "error", "message": "m", "code": None}]}


def test_booking_form_books_ticked_children_with_or_without_chosen_times():
    children = [{"id": "s1"}, {"id": "s2"}]
    auto = forms.booking(MultiDict([("student_id", "s1"), ("student_id", "s2"), ("mode", "auto"),
                                    ("date", "2026-11-24"), ("private_s2", "yes"), ("interpreter_language", "es")]),
                         children)
    assert auto == {"students": [{"student_id": "s1", "private_talk": False},
                                 {"student_id": "s2", "private_talk": True}],
                    "interpreter_language": "es", "date": "2026-11-24"}
    chosen = forms.booking(MultiDict([("student_id", "s1"), ("mode", "choose"), ("slot_s1", "t:1")]), children)
    assert chosen == {"students": [{"student_id": "s1", "private_talk": False, "slot_id": "t:1"}]}


def test_problem_field_errors_in_both_shapes():
    flat = ApiError(422, {"errors": [{"field": "hopes", "message": "too long"}]})
    assert flat.field_errors() == {"hopes": ["too long"]}
    nested = ApiError(422, {"errors": {"hopes": ["too long"]}})
    assert nested.field_errors() == {"hopes": ["too long"]}
