"""What the portal's pages share: a refusal a person can act on is said on the page (in
their language) and anything else goes to the error pages; a check-in is saved and the
page goes back to the goal's card; a service's document keeps its type under its own CSP."""
from types import SimpleNamespace

import pytest

from services.portal import create_app
from services.portal.client import ApiError
from services.portal.messages import refusal
from services.portal.security import CSP, DOCUMENT_CSP, document
from services.portal.views import checkins


@pytest.fixture(scope="module")
def app():
    return create_app({"secret_key": "test-secret-" * 4, "dev_login": False})


def test_a_conflict_or_an_invalid_form_is_said_on_the_page_in_the_page_language(app):
    busy = ApiError(409, {"code": "family_busy"}, "scheduling")
    with app.test_request_context("/", headers={"Accept-Language": "es"}):
        assert refusal(busy).startswith("Usted ya tiene una conferencia a esa hora.")
        assert refusal(ApiError(422, {"detail": "Not a date."}, "goals")) == "Not a date."  # goals speaks Spanish


@pytest.mark.parametrize("status,statuses", [(500, (409, 422)), (404, (409, 422)), (409, (422,)), (403, (409, 422))])
def test_anything_else_goes_on_to_the_error_pages(app, status, statuses):
    exc = ApiError(status, {"detail": "no"}, "roster")
    with app.test_request_context("/"), pytest.raises(ApiError) as raised:
        refusal(exc, statuses)
    assert raised.value is exc


class _Api:
    def __init__(self, error: ApiError | None = None):
        self.error, self.saved = error, []

    def add_checkin(self, goal_id, body):
        if self.error:
            raise self.error
        self.saved.append((goal_id, body))

    def checkins(self, goal_id):
        return {"checkins": [{"on": "2026-11-01", "status": "on_track", "goal": goal_id}]}


def _record(app, monkeypatch, fake, form):
    monkeypatch.setattr(checkins, "api", lambda: fake)
    with app.test_request_context("/student/goals/g-1/checkin", method="POST", data=form):
        from flask import get_flashed_messages

        response = checkins.record("g-1", "Saved!", "/student/goals")
        return response, get_flashed_messages(with_categories=True)


def test_a_check_in_is_saved_and_the_page_goes_back_to_the_goal(app, monkeypatch):
    fake = _Api()
    response, flashed = _record(app, monkeypatch, fake, {"status": "needs_support", "note": " hard ",
                                                         "back": "/student/check-in"})
    assert fake.saved == [("g-1", {"status": "needs_support", "note": "hard"})]
    assert response.location == "/student/check-in#goal-g-1" and flashed == [("success", "Saved!")]
    response, _ = _record(app, monkeypatch, _Api(), {"status": "on_track", "back": "https://evil.test/"})
    assert response.location == "/student/goals#goal-g-1"  # never back to another site


def test_a_refused_check_in_is_flashed_and_a_broken_service_is_not(app, monkeypatch):
    response, flashed = _record(app, monkeypatch, _Api(ApiError(409, {"code": "goal_not_active"}, "goals")),
                                {"status": "on_track"})
    assert response.location == "/student/goals#goal-g-1" and flashed[0][0] == "error"
    with pytest.raises(ApiError):
        _record(app, monkeypatch, _Api(ApiError(503, {}, "goals")), {"status": "on_track"})


def test_only_goals_being_worked_on_are_checked_in_on():
    goals = [{"goal_id": g, "status": s} for g, s in (("a", "draft"), ("b", "submitted"), ("c", "agreed"),
                                                      ("d", "achieved"))]
    assert [g["goal_id"] for g in checkins.active(_Api(), goals)] == ["b", "c"]
    assert all(g["checkins"][0]["goal"] == g["goal_id"] for g in checkins.with_checkins(_Api(), goals))


def test_a_document_keeps_its_type_and_name_under_its_own_policy(app):
    upstream = SimpleNamespace(content=b"%PDF-1.7", headers={
        "Content-Type": "application/pdf", "Content-Disposition": 'attachment; filename="r.pdf"',
        "Set-Cookie": "x=1", "Content-Security-Policy": "default-src *"})
    with app.test_request_context("/"):
        response = app.process_response(document(upstream))
    assert response.mimetype == "application/pdf" and response.headers["Content-Disposition"].endswith('"r.pdf"')
    assert response.headers["Content-Security-Policy"] == DOCUMENT_CSP != CSP
    assert "x=1" not in response.headers.get("Set-Cookie", "")  # only the type and the name pass through
    assert response.get_data() == b"%PDF-1.7"
