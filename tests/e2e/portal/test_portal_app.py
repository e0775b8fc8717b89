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
    assert app.test_client().get("/login").status_code == 503  # neither OIDC nor dev sign-in configured
    dev = create_app({"secret_key": "x", "dev_login": True})
    assert dev.test_client().get("/login").headers["Location"].startswith("/dev/login")


def test_dev_pages_exist_only_in_development_mode(monkeypatch, tmp_path):
    dev = create_app({"secret_key": "x", "dev_login": True, "dev_mailbox": str(tmp_path)})
    monkeypatch.delenv("CONFER_DEV_MODE")
    production = create_app({"secret_key": "k" * 48, "dev_login": False, "cookie_secure": True})
    for path in ("/dev/login", "/dev/mail", "/dev/clock"):  # the dev sign-in, mail page and clock
        assert production.test_client().get(path).status_code == 404, path
    with dev.test_client() as client:  # the same pages are there in development mode
        with client.session_transaction() as s:
            s["user"] = {"sub": "adm", "role": "district_admin", "token": "t", "name": "A", "school_ids": []}
        assert client.get("/dev/mail").status_code == 200


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


def test_window_form_has_travel_gap_and_longest_wait_with_defaults_and_names_fields_to_fix():
    form = MultiDict([("school_id", "sch-1"), ("day_0", "2026-12-16"), ("day_0_start", "15:00"),
                      ("day_0_end", "19:00"), ("slot_minutes", "30")])
    body = forms.window(form, "America/Los_Angeles")
    assert (body["travel_gap_minutes"], body["max_idle_minutes"], body["slot_minutes"]) == (5, 15, 30)
    assert "cycle" not in body  # named by the scheduling service after the first day
    assert forms.window(MultiDict([*form.items(multi=True), ("travel_gap", "10"), ("max_idle", "30"),
                                   ("cycle", "2027-winter")]), None)["travel_gap_minutes"] == 10
    assert forms.SLOT_LENGTHS == (10, 15, 20, 30)
    assert forms.window_field("days[1].end") == "day_1_end" and forms.window_field("max_idle_minutes") == "max_idle"
    assert forms.evidence_errors({"note.what_it_shows": ["x"], "file.size": ["y"]}) == {
        "what_it_shows": ["x"], "file": ["y"]}


def test_labels_rooms_cycles_and_zones_read_right_in_both_languages(app):
    from services.portal import i18n
    from services.portal.messages import label

    for lang, expect in (("en", ("Room 14", "Library", "Winter 2026-27", "Fall 2026", "Pacific Time",
                                 "changes applied", "Chloe and Wesley")),
                         ("es", ("Aula 14", "Library", "Invierno 2026-27", "Otoño 2026", "hora del Pacífico",
                                 "cambios aplicados", "Chloe y Wesley"))):
        with app.test_request_context("/", headers={"Accept-Language": lang}):
            got = (i18n.f_room("14"), i18n.f_room("Library"), i18n.f_cycle("2027-winter"), i18n.f_cycle("2026-fall"),
                   i18n.zone_name("America/Los_Angeles"), label("import", "applied"),
                   i18n.f_listing(["Chloe", "Wesley"]))
            assert got == expect
            assert i18n.f_room("Room 14") == "Room 14"  # never "Room Room 14"
            assert "hora" in i18n.f_datetime("2026-12-17T01:00:00Z", "America/Los_Angeles") or lang == "en"
            assert "16" in i18n.f_datetime("2026-12-17T01:00:00Z", "America/Los_Angeles")  # December 16 there


def test_a_problem_in_english_never_shows_on_a_spanish_page(app):
    from services.portal.messages import problem_message

    english = ApiError(409, {"code": "some_new_code", "detail": "The thing is not right."}, "scheduling")
    localized = ApiError(422, {"code": "evidence_invalid", "detail": "Este trabajo necesita arreglos."}, "goals")
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert problem_message(english) == "Algo salió mal."
        assert problem_message(localized) == "Este trabajo necesita arreglos."
        assert problem_message(ApiError(409, {"code": "family_busy"}, "scheduling")).startswith(
            "Usted ya tiene una conferencia a esa hora.")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert problem_message(english) == "The thing is not right."
