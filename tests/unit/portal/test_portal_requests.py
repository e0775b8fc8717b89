"""The portal's request-window pages without servers: the family's times (form <-> API
body, errors in the page's language, the invitation's link, withdraw) and the admin's
preview, pin, publish page, against a fake scheduling API that records what was asked."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from werkzeug.datastructures import MultiDict

from services.portal import create_app, forms
from services.portal.client import ApiError

NOW = datetime.now(timezone.utc)
WINDOW = {"window_id": "w-1", "school_id": "sch-1", "name": "Fall conferences", "status": "open",
          "time_zone": "America/Los_Angeles", "slot_minutes": 20, "modality": "in_person",
          "booking_mode": "requests", "first_come_open": False, "policy": "per_household",
          "requests_deadline": (NOW + timedelta(days=2)).isoformat(),
          "days": [{"date": "2026-12-16", "start": "15:00", "end": "19:00"},
                   {"date": "2026-12-17", "start": "08:00", "end": "12:00"}]}
CHILDREN = [{"id": "st-1", "given_name": "Henry", "family_name": "Gutiérrez", "grade": "03", "school_id": "sch-1"},
            {"id": "st-2", "given_name": "Sofía", "family_name": "Gutiérrez", "grade": "07", "school_id": "sch-1"}]
SLOT = {"slot_id": "t-2:2026-12-16T23:20:00Z", "teacher_id": "t-2", "teacher_name": "Mr. Ortiz",
        "start": "2026-12-16T23:20:00Z", "end": "2026-12-16T23:40:00Z", "local_date": "2026-12-16",
        "local_start": "15:20", "local_end": "15:40"}
PLAN = {"window_id": "w-1", "version": 3, "status": "proposed", "trigger": "preview",
        "solved_at": NOW.isoformat(), "pins": [],
        "conferences": [{"guardian_id": "g-1", "student_id": "st-1", "teacher_id": "t-1", "slot_id": "t-1:a",
                         "private_slot_id": None, "start": "2026-12-16T23:00:00Z", "end": "2026-12-16T23:20:00Z",
                         "room": "12", "modality": "in_person", "interpreter_id": "i-1",
                         "interpreter_language": "es", "pinned": False}],
        "unassigned": [{"guardian_id": "g-9", "student_ids": ["st-9"], "reason": "no_overlap_with_free_time",
                        "details": {}}],
        "warnings": [], "stages": [],
        "metrics": {"families": 2, "families_assigned": 1, "priority_families": 0, "priority_assigned": 0},
        "booked_families": [], "offered_families": [], "bookings": None, "published_at": None}


class FakeApi:
    """The services as the portal calls them; `fail` makes one method raise."""

    def __init__(self, window=None, saved=None, plan=None, fail=None):
        self.window_doc, self.saved, self.plan, self.fail = dict(window or WINDOW), saved, plan, fail or {}
        self.calls: list[tuple] = []

    def _maybe_fail(self, name):
        if name in self.fail:
            raise self.fail[name]

    # roster
    def me(self):
        return {"children": CHILDREN, "schools": [{"id": "sch-1", "time_zone": "America/Los_Angeles"}]}

    def student(self, sid):
        return {"id": sid, "teacher_ids": ["t-1"] if sid == "st-1" else ["t-2", "t-3", "t-4"]}

    def school_people(self, school_id):
        return {"students": [{"id": "st-1", "given_name": "Henry", "family_name": "Gutiérrez"},
                             {"id": "st-9", "given_name": "Mia", "family_name": "Lee"}],
                "teachers": [{"id": "t-1", "given_name": "Ana", "family_name": "Ruiz"}],
                "guardians": [{"id": "g-1", "given_name": "Andrés", "family_name": "Gutiérrez"},
                              {"id": "g-9", "given_name": "Jo", "family_name": "Lee"}]}

    # scheduling
    def window(self, window_id):
        return dict(self.window_doc)

    def windows(self, school_id):
        return [dict(self.window_doc)]

    def slots(self, window_id, *, teacher_id=None, on=None, free=False):
        if teacher_id == "t-3":
            return []  # no times in this window: not offered to the family
        return [{**SLOT, "teacher_id": teacher_id, "slot_id": f"{teacher_id}:b",
                 "teacher_name": {"t-1": "Ms. Ruiz", "t-2": "Mr. Ortiz", "t-4": "Ms. Kim"}.get(teacher_id, "T"),
                 "start": (NOW + timedelta(days=5)).isoformat()}]

    def bookings(self, window_id=None, status=None):
        return []

    def conference_request(self, window_id, guardian_id):
        return self.saved

    def submit_request(self, window_id, guardian_id, body):
        self.calls.append(("submit", window_id, guardian_id, body))
        self._maybe_fail("submit")
        return {**body, "status": "active"}

    def withdraw_request(self, window_id, guardian_id):
        self.calls.append(("withdraw", window_id, guardian_id))
        self._maybe_fail("withdraw")
        return {"status": "withdrawn"}

    def window_requests(self, window_id):
        return [{"guardian_id": "g-9", "students": [{"student_id": "st-9", "teacher_id": "t-1"}],
                 "ranges": [{"date": "2026-12-17", "start": "08:00", "end": "09:30"}], "modality": "phone",
                 "interpreter_language": "vi", "private_talk": False}]

    def priorities(self, window_id):
        return [{"window_id": window_id, "guardian_id": g, "priority": 1, "reason": r}
                for g, r in getattr(self, "marked", {}).items()]

    def mark_priority(self, window_id, guardian_id, reason):
        self.calls.append(("mark", window_id, guardian_id, reason))
        self.marked = {**getattr(self, "marked", {}), guardian_id: reason}

    def unmark_priority(self, window_id, guardian_id):
        self.calls.append(("unmark", window_id, guardian_id))
        getattr(self, "marked", {}).pop(guardian_id, None)

    def interpreters(self, window_id):
        return [{"interpreter_id": "i-1", "languages": ["es"], "ranges": []}]

    def capacity(self, window_id):
        return {"window_id": window_id, "requests": 2,
                "roster_warnings": [{"kind": "teacher", "subject": "t-1", "capacity": 12, "demand": 30,
                                     "message": "t-1: 12 slots for 30 conferences"}],
                "request_warnings": []}

    def assignment(self, window_id):
        return self.plan

    def preview_assignment(self, window_id):
        self.calls.append(("preview", window_id))
        self._maybe_fail("preview")
        return PLAN

    def pin_conference(self, window_id, student_id, slot_id):
        self.calls.append(("pin", window_id, student_id, slot_id))
        self._maybe_fail("pin")
        return PLAN

    def unpin_conference(self, window_id, student_id):
        self.calls.append(("unpin", window_id, student_id))
        return PLAN

    def publish_assignment(self, window_id, version):
        self.calls.append(("publish", window_id, version))
        self._maybe_fail("publish")
        return {**PLAN, "status": "published", "bookings": 1}

    def unread_count(self):
        return 0

    def schools(self):
        return [{"id": "sch-1", "name": "North Elementary", "time_zone": "America/Los_Angeles"}]

    def follow_ups(self, student_id):
        return []


@pytest.fixture
def app():
    return create_app({"secret_key": "test", "dev_login": False})


def client_as(app, fake, monkeypatch, role="guardian", sub="g-1", lang="en"):
    from services.portal.views import admin, admin_assignment, family, family_booking, family_request, me

    for module in (admin, admin_assignment, family, family_booking, family_request, me):
        monkeypatch.setattr(module, "api", lambda token=None: fake)
    client = app.test_client()
    with client.session_transaction() as s:
        s["user"] = {"sub": sub, "role": role, "token": "t", "name": "X", "school_ids": ["sch-1"], "lang": lang}
        s["lang"] = lang
        s["csrf"] = "tok"
    return client


def form(**extra):
    data = {"csrf_token": "tok", "rows": "3", "student_id": ["st-1", "st-2"], "teacher_st-2": "t-2",
            "range_date_0": "2026-12-16", "range_start_0": "15:00", "range_end_0": "17:00",
            "range_date_1": "2026-12-17", "range_start_1": "08:30", "range_end_1": "10:00",
            "modality": "video", "interpreter_language": "es", "private_talk": "yes"}
    data.update(extra)
    return data


# -- the form <-> body -----------------------------------------------------------------
def test_request_form_becomes_the_api_body_with_each_childs_teacher_and_several_times():
    body, problems = forms.conference_request(MultiDict(form()), CHILDREN, {"st-1": ["t-1"], "st-2": ["t-2", "t-3"]})
    assert problems == {}
    assert body == {"students": [{"student_id": "st-1", "teacher_id": "t-1"},
                                 {"student_id": "st-2", "teacher_id": "t-2"}],
                    "ranges": [{"date": "2026-12-16", "start": "15:00", "end": "17:00"},
                               {"date": "2026-12-17", "start": "08:30", "end": "10:00"}],
                    "modality": "video", "private_talk": True, "interpreter_language": "es"}


def test_request_form_names_what_the_portal_sees_wrong_itself():
    bad = MultiDict(form(**{"student_id": [], "range_end_0": "14:00", "range_start_1": "",
                            "modality": "carrier_pigeon", "interpreter_language": "xx"}))
    body, problems = forms.conference_request(bad, CHILDREN, {"st-1": ["t-1"]})
    assert problems == {"students": ["choose_child"], "range-0": ["end_before_start"], "range-1": ["incomplete"]}
    assert body["modality"] == "in_person" and "interpreter_language" not in body
    _, none = forms.conference_request(MultiDict({"rows": "2", "student_id": "st-1"}), CHILDREN, {})
    assert none == {"range-0": ["no_time"]}


def test_stored_request_fills_the_form_with_a_spare_row_and_more_adds_one():
    saved = {"students": [{"student_id": "st-2", "teacher_id": "t-3"}], "modality": "phone",
             "interpreter_language": "vi", "private_talk": True,
             "ranges": [{"date": "2026-12-16", "start": "15:00:00", "end": "16:00:00"}] * 3}
    values = forms.request_values(saved)
    assert values["students"] == ["st-2"] and values["teachers"] == {"st-2": "t-3"}
    assert len(values["ranges"]) == 4 and values["ranges"][0] == {"date": "2026-12-16", "start": "15:00",
                                                                     "end": "16:00"}
    typed = forms.request_values(None, MultiDict(form(more="1")))
    assert len(typed["ranges"]) == 4 and typed["ranges"][1]["start"] == "08:30"
    assert forms.request_field("ranges.1.end") == "range-1" and forms.request_field("students.0") == "students"
    assert forms.range_problem({"date": "2026-12-16", "start": "19:30", "end": "20:00"}, WINDOW["days"]) == \
        "outside_hours"
    assert forms.range_problem({"date": "2026-12-20", "start": "15:00", "end": "16:00"}, WINDOW["days"]) == \
        "not_a_day"


def test_a_window_takes_requests_only_while_open_and_before_its_deadline():
    assert forms.takes_requests(WINDOW, NOW)
    assert not forms.takes_requests(WINDOW, NOW + timedelta(days=3))
    assert not forms.takes_requests({**WINDOW, "booking_mode": "first_come"}, NOW)
    assert not forms.takes_requests({**WINDOW, "status": "draft"}, NOW)
    assert not forms.takes_requests({**WINDOW, "first_come_open": True}, NOW)


def test_window_form_sends_the_booking_mode_and_the_deadline_in_school_time():
    base = [("school_id", "sch-1"), ("day_0", "2026-12-16"), ("slot_minutes", "20")]
    body = forms.window(MultiDict(base + [("booking_mode", "requests"),
                                          ("requests_deadline", "2026-12-10T17:00")]), "America/Los_Angeles")
    assert body["booking_mode"] == "requests" and body["requests_deadline"] == "2026-12-10T17:00:00-08:00"
    assert "booking_mode" not in forms.window(MultiDict(base + [("booking_mode", "first_come")]), None)
    assert forms.window_field("requests_deadline") == "requests_deadline"


# -- the family's page -------------------------------------------------------------------
def test_invitation_link_leads_a_request_window_to_the_request_page(app, monkeypatch):
    client = client_as(app, FakeApi(), monkeypatch)
    resp = client.get("/family/windows/w-1/book")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/family/windows/w-1/request")
    closed = client_as(app, FakeApi({**WINDOW, "requests_deadline": (NOW - timedelta(hours=1)).isoformat()}),
                       monkeypatch)
    assert closed.get("/family/windows/w-1/book").status_code == 200  # offered times are booked there
    first_come = client_as(app, FakeApi({**WINDOW, "booking_mode": "first_come"}), monkeypatch)
    assert first_come.get("/family/windows/w-1/request").headers["Location"].endswith("/family/windows/w-1/book")


def test_request_page_in_spanish_shows_the_deadline_children_teachers_and_times(app, monkeypatch):
    client = client_as(app, FakeApi(), monkeypatch, lang="es")
    html = client.get("/family/windows/w-1/request", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es"' in html and "¿Cuándo puede venir?" in html
    assert "Díganos antes del" in html and "hora del Pacífico" in html
    assert 'name="range_date_2"' in html and 'name="range_date_3"' not in html  # three empty times
    assert 'id="teacher_st-2"' in html and "Mr. Ortiz" in html and "Ms. Kim" in html
    assert 'value="t-3"' not in html  # a teacher with no times in this window is not offered
    assert 'id="teacher_st-1"' not in html and "Ms. Ruiz" in html  # one teacher: nothing to choose
    assert "Enviar mis horarios" in html and "withdraw-form" not in html


def test_sending_times_puts_the_request_and_confirms(app, monkeypatch):
    fake = FakeApi()
    client = client_as(app, fake, monkeypatch)
    resp = client.post("/family/windows/w-1/request", data=form())
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/family/windows/w-1/request")
    (call,) = fake.calls
    assert call[:3] == ("submit", "w-1", "g-1") and len(call[3]["ranges"]) == 2
    assert "We have your times" in client.get("/family/windows/w-1/request").get_data(as_text=True)


def test_add_another_time_sends_nothing_and_keeps_what_was_typed(app, monkeypatch):
    fake = FakeApi()
    html = client_as(app, fake, monkeypatch).post("/family/windows/w-1/request", data=form(more="1")) \
        .get_data(as_text=True)
    assert fake.calls == [] and 'name="range_date_3"' in html and 'value="08:30"' in html


def test_portal_side_problems_are_shown_in_spanish_next_to_the_time(app, monkeypatch):
    fake = FakeApi()
    client = client_as(app, fake, monkeypatch, lang="es")
    resp = client.post("/family/windows/w-1/request", data=form(range_end_1="08:00"),
                       headers={"Accept-Language": "es"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and fake.calls == []
    assert 'id="range-1-error"' in html and "El final debe ser después del inicio." in html
    assert 'href="#range-1"' in html


def test_a_422_from_scheduling_is_explained_in_the_pages_language(app, monkeypatch):
    refused = ApiError(422, {"code": "invalid_request", "detail": "The request is not valid.",
                             "errors": [{"field": "ranges.0", "message": "is outside the conference hours"}]},
                       "scheduling")
    client = client_as(app, FakeApi(fail={"submit": refused}), monkeypatch, lang="es")
    html = client.post("/family/windows/w-1/request", data=form(range_start_0="19:00", range_end_0="20:00"),
                       headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Sus horarios necesitan un arreglo." in html
    assert "fuera del horario de las conferencias" in html
    assert "not valid" not in html and "outside the conference hours" not in html


def test_after_the_deadline_the_request_is_read_only(app, monkeypatch):
    saved = {"status": "active", "students": [{"student_id": "st-1", "teacher_id": "t-1"}], "modality": "in_person",
             "ranges": [{"date": "2026-12-16", "start": "15:00", "end": "16:00"}], "private_talk": False,
             "interpreter_language": None, "updated_at": NOW.isoformat()}
    late = {**WINDOW, "requests_deadline": (NOW - timedelta(hours=1)).isoformat()}
    html = client_as(app, FakeApi(late, saved), monkeypatch).get("/family/windows/w-1/request").get_data(as_text=True)
    assert "request-form" not in html and "withdraw-form" not in html and "request-sent" in html
    refused = ApiError(409, {"code": "requests_closed", "detail": "The deadline for requests has passed."},
                       "scheduling")
    client = client_as(app, FakeApi(fail={"withdraw": refused}, saved=saved), monkeypatch)
    resp = client.post("/family/windows/w-1/request/withdraw", data={"csrf_token": "tok"}, follow_redirects=True)
    assert "The deadline to send your times has passed." in resp.get_data(as_text=True)


def test_withdraw_before_the_deadline(app, monkeypatch):
    saved = {"status": "active", "students": [], "ranges": [], "modality": "in_person", "private_talk": False}
    fake = FakeApi(saved=saved)
    client = client_as(app, fake, monkeypatch)
    assert "withdraw-form" in client.get("/family/windows/w-1/request").get_data(as_text=True)
    assert client.post("/family/windows/w-1/request/withdraw", data={"csrf_token": "tok"}).status_code == 302
    assert fake.calls == [("withdraw", "w-1", "g-1")]
    assert client.post("/family/windows/w-1/request/withdraw").status_code == 400  # no CSRF token


def test_family_home_asks_for_times_in_a_request_window(app, monkeypatch):
    html = client_as(app, FakeApi(), monkeypatch).get("/family/").get_data(as_text=True)
    assert "/family/windows/w-1/request" in html and "Tell us when you can come" in html
    assert "/family/windows/w-1/book" not in html


def test_request_pages_are_for_families_only(app, monkeypatch):
    teacher = client_as(app, FakeApi(), monkeypatch, role="teacher", sub="t-1")
    assert teacher.get("/family/windows/w-1/request").status_code == 404
    assert teacher.post("/family/windows/w-1/request/withdraw", data={"csrf_token": "tok"}).status_code == 404
    family = client_as(app, FakeApi(), monkeypatch)
    assert family.get("/admin/windows/w-1/assignment").status_code == 404
    assert family.post("/admin/windows/w-1/assignment/publish", data={"csrf_token": "tok", "version": "1"}) \
        .status_code == 404


# -- the admin's page ---------------------------------------------------------------------
def test_assignment_page_shows_capacity_schedule_and_who_is_left_out_and_why(app, monkeypatch):
    client = client_as(app, FakeApi(plan=PLAN), monkeypatch, role="school_admin", sub="adm-1")
    html = client.get("/admin/windows/w-1/assignment").get_data(as_text=True)
    assert "Ana Ruiz: 12 times for 30 conferences" in html
    assert 'id="conf-st-1"' in html and "Henry Gutiérrez" in html and "Andrés Gutiérrez" in html
    assert "15:00–15:20" in html  # 23:00 UTC in Los Angeles
    assert 'data-family="g-9"' in html and "None of the teacher&#39;s free times" in html
    assert 'id="place-st-9"' in html  # a family left out can be placed by hand
    assert "The times 1 family sent" in html and "08:00–09:30" in html and "Vietnamese" in html
    assert "publish-form" not in html and "You can publish after the deadline" in html


def test_assignment_page_in_spanish(app, monkeypatch):
    client = client_as(app, FakeApi(plan=PLAN), monkeypatch, role="school_admin", sub="adm-1", lang="es")
    html = client.get("/admin/windows/w-1/assignment", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Horario propuesto" in html and "Familias sin hora" in html
    assert not re.search(r"Proposed schedule|Families without a time|Why:", html)


def test_preview_pin_unpin_and_publish_call_scheduling_and_say_what_happened(app, monkeypatch):
    late = {**WINDOW, "requests_deadline": (NOW - timedelta(hours=1)).isoformat()}
    fake = FakeApi(late, plan=PLAN)
    client = client_as(app, fake, monkeypatch, role="school_admin", sub="adm-1")
    assert 'name="version" value="3"' in client.get("/admin/windows/w-1/assignment").get_data(as_text=True)
    resp = client.post("/admin/windows/w-1/assignment/preview", data={"csrf_token": "tok"}, follow_redirects=True)
    assert "1 of 2 families have a time" in resp.get_data(as_text=True)
    client.post("/admin/windows/w-1/assignment/pins/st-1", data={"csrf_token": "tok", "slot_id": "t-1:b"})
    client.post("/admin/windows/w-1/assignment/pins/st-1/remove", data={"csrf_token": "tok"})
    resp = client.post("/admin/windows/w-1/assignment/publish", data={"csrf_token": "tok", "version": "3"},
                       follow_redirects=True)
    assert "Published: 1 conference is booked" in resp.get_data(as_text=True)
    assert fake.calls == [("preview", "w-1"), ("pin", "w-1", "st-1", "t-1:b"), ("unpin", "w-1", "st-1"),
                          ("publish", "w-1", 3)]


def test_a_refused_pin_or_publish_is_explained(app, monkeypatch):
    fails = {"pin": ApiError(409, {"code": "pin_breaks_rules", "detail": "x"}, "scheduling"),
             "publish": ApiError(409, {"code": "assignment_changed", "detail": "x"}, "scheduling")}
    client = client_as(app, FakeApi(plan=PLAN, fail=fails), monkeypatch, role="school_admin", sub="adm-1", lang="es")
    es = {"Accept-Language": "es"}
    html = client.post("/admin/windows/w-1/assignment/pins/st-1", data={"csrf_token": "tok", "slot_id": "t-1:b"},
                       headers=es, follow_redirects=True).get_data(as_text=True)
    assert "rompe una regla" in html
    html = client.post("/admin/windows/w-1/assignment/publish", data={"csrf_token": "tok", "version": "3"},
                       headers=es, follow_redirects=True).get_data(as_text=True)
    assert "El horario propuesto cambió" in html


def test_published_result_lists_bookings_and_families_offered_times(app, monkeypatch):
    done = {**PLAN, "status": "published", "bookings": 1, "booked_families": ["g-1"], "offered_families": ["g-9"],
            "published_at": NOW.isoformat()}
    html = client_as(app, FakeApi(plan=done), monkeypatch, role="school_admin", sub="adm-1") \
        .get("/admin/windows/w-1/assignment").get_data(as_text=True)
    assert 'id="result"' in html and "1 conference booked" in html
    assert "1 family was offered the nearest free times: Jo Lee" in html
    assert "publish-form" not in html and "preview-form" not in html and 'class="pin' not in html


def test_the_school_serves_a_family_first_and_takes_it_back(app, monkeypatch):
    fake = FakeApi(plan=PLAN)
    client = client_as(app, fake, monkeypatch, role="school_admin", sub="adm-1")
    assert 'id="reason-g-9"' in client.get("/admin/windows/w-1/assignment").get_data(as_text=True)
    html = client.post("/admin/windows/w-1/priorities/g-9", data={"csrf_token": "tok", "reason": "missed_last_time"},
                       follow_redirects=True).get_data(as_text=True)
    assert "The family is served first." in html and "Did not come last time" in html
    assert 'name="remove"' in html and 'id="reason-g-9"' not in html
    client.post("/admin/windows/w-1/priorities/g-9", data={"csrf_token": "tok", "remove": "1"})
    refused = client.post("/admin/windows/w-1/priorities/g-9", data={"csrf_token": "tok", "reason": "vip"},
                          follow_redirects=True).get_data(as_text=True)
    assert "Choose why this family is served first." in refused
    assert fake.calls == [("mark", "w-1", "g-9", "missed_last_time"), ("unmark", "w-1", "g-9")]


def test_first_come_window_has_no_schedule_to_make(app, monkeypatch):
    fake = FakeApi({**WINDOW, "booking_mode": "first_come"})
    html = client_as(app, fake, monkeypatch, role="school_admin", sub="adm-1") \
        .get("/admin/windows/w-1/assignment").get_data(as_text=True)
    assert "Families choose their own times" in html and "preview-form" not in html


# -- no English on the Spanish pages (the page inventory test checks them against the whole system) --
DATA = {"Fall conferences", "Henry", "Sofía", "Gutiérrez", "Henry Gutiérrez", "Mia Lee", "Jo Lee", "Ana Ruiz",
        "Andrés Gutiérrez", "Ms. Ruiz", "Mr. Ortiz", "Ms. Kim", "X"}


@pytest.mark.parametrize("who,path,fake", [
    ("guardian", "/family/windows/w-1/request", FakeApi()),
    ("guardian", "/family/windows/w-1/request", FakeApi(
        {**WINDOW, "requests_deadline": (NOW - timedelta(hours=1)).isoformat()},
        {"status": "active", "students": [{"student_id": "st-1", "teacher_id": "t-1"}], "modality": "video",
         "ranges": [{"date": "2026-12-16", "start": "15:00", "end": "16:00"}], "private_talk": True,
         "interpreter_language": "es", "updated_at": NOW.isoformat()})),
    ("guardian", "/family/", FakeApi()),
    ("school_admin", "/admin/windows/w-1/assignment", FakeApi(plan=PLAN)),
    ("school_admin", "/admin/windows/w-1/assignment", FakeApi(plan={
        **PLAN, "status": "published", "bookings": 1, "booked_families": ["g-1"], "offered_families": ["g-9"],
        "published_at": NOW.isoformat()})),
    ("school_admin", "/admin/windows/w-1/assignment", FakeApi({**WINDOW, "booking_mode": "first_come"})),
    ("school_admin", "/admin/windows", FakeApi()),
])
def test_request_window_pages_have_no_english_in_spanish(app, monkeypatch, who, path, fake):
    from tests.spanish_check import english_in

    client = client_as(app, fake, monkeypatch, role=who, sub="g-1" if who == "guardian" else "adm-1", lang="es")
    resp = client.get(path, headers={"Accept-Language": "es"})
    assert resp.status_code == 200
    assert english_in(resp.get_data(as_text=True), data=DATA) == []


def test_the_english_check_sees_english_on_the_english_request_page(app, monkeypatch):
    from tests.spanish_check import english_in

    html = client_as(app, FakeApi(), monkeypatch).get("/family/windows/w-1/request").get_data(as_text=True)
    assert len(english_in(html, data=DATA)) >= 3
