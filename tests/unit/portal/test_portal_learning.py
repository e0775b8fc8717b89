"""The data talk in the portal, without servers: the student's "my learning" page, the
teacher's data-talk page and its note, the family's read-only page, a goal started from
an area to grow (pre-filled, its measure linked to the standard), and check-ins from the
gradebook marked beside hand-recorded ones. The services are a fake `Api` that answers
what the roster's and goals' APIs answer (shapes from their schemas)."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from werkzeug.datastructures import MultiDict

from services.portal import charts, create_app, forms
from services.portal.client import ApiError

STUDENT, OTHER, TEACHER, GUARDIAN = "d~st1", "d~st9", "d~t1", "d~g1"
FRACTIONS, READING = "CCSS.MATH.3.NF.A.1", "CCSS.ELA.RF.3.4"

LEARNING = {
    "student_id": STUDENT, "as_of": "2026-12-03",
    "areas": [
        {"objective_id": FRACTIONS, "title": FRACTIONS, "scale_title": "1-4", "scale_min": 1.0, "scale_max": 4.0,
         "latest_score": 1.5, "latest_date": "2026-11-20", "change": None,
         "points": [{"date": "2026-10-02", "score": 1.0, "line_item_id": "li-1", "title": "Fractions quiz 1"},
                    {"date": "2026-11-20", "score": 1.5, "line_item_id": "li-2", "title": "Fractions quiz 2"}]},
        {"objective_id": READING, "title": READING, "scale_title": "0-100", "scale_min": 0.0, "scale_max": 100.0,
         "latest_score": 90.0, "latest_date": "2026-11-18", "change": 0.3,
         "points": [{"date": "2026-09-15", "score": 60.0, "line_item_id": "li-3", "title": "Fluency check"},
                    {"date": "2026-11-18", "score": 90.0, "line_item_id": "li-3", "title": "Fluency check"}]}],
    "strengths": [], "areas_to_grow": [], "goal_starters": [
        {"objective_id": FRACTIONS, "title": FRACTIONS,
         "focus": {"kind": "standard", "code": FRACTIONS, "label": FRACTIONS},
         "measure": {"unit": "1-4", "baseline": 1.5, "target": 4.0, "learning_objective_id": FRACTIONS,
                     "line_item_id": "li-2"}}]}
LEARNING["strengths"] = [LEARNING["areas"][1]]
LEARNING["areas_to_grow"] = [LEARNING["areas"][0]]
EMPTY = {"student_id": STUDENT, "as_of": "2026-12-03", "areas": [], "strengths": [], "areas_to_grow": [],
         "goal_starters": []}


class FakeApi:
    """What the services answer; a child who is not the caller's is 404, as the roster says."""

    def __init__(self, mine=(STUDENT,), learning=LEARNING):
        self.mine, self.data = set(mine), learning
        self.talks: list[dict] = []
        self.created: list[dict] = []

    def _own(self, sid):
        if sid not in self.mine:
            raise ApiError(404, {"code": "student_not_found", "detail": "No student."}, "roster")

    def learning(self, sid, as_of=None):
        self._own(sid)
        return self.data

    def data_talks(self, sid):
        self._own(sid)
        return list(reversed(self.talks))

    def record_data_talk(self, sid, body):
        self._own(sid)
        talk = {**body, "id": f"dt-{len(self.talks)}", "student_id": sid, "teacher_id": TEACHER}
        self.talks.append(talk)
        return talk

    def import_gradebook(self, filename, stream, partial):
        self.uploaded = (filename, stream.read(), partial)
        return 201, {"status": "applied", "changes": 2, "skipped_rows": 0, "error_count": 0, "seconds": 0.2,
                     "counts": {"gb_line_items": {"create": 1, "update": 0, "deactivate": 0},
                                "gb_results": {"create": 1, "update": 0, "deactivate": 0}}, "errors": []}

    def student(self, sid):
        self._own(sid)
        return {"id": sid, "given_name": "Henry", "family_name": "Lee", "school_id": "d~s1", "grade": "03"}

    def me(self):
        return {"children": [{"id": STUDENT, "given_name": "Henry", "family_name": "Lee", "school_id": "d~s1"}],
                "schools": []}

    def check_goal(self, sid, plan, goal_id=None):
        return {"feedback": [], "can_submit": True}

    def create_goal(self, sid, plan):
        self.created.append(plan)
        return {"goal_id": "g-new", **plan}

    def goals(self, sid, cycle=None):
        self._own(sid)
        plan = {"statement": "I will practise fractions.", "focus": {"kind": "standard", "label": FRACTIONS},
                "trackable": {"method": "My results", "measure": LEARNING["goal_starters"][0]["measure"]},
                "specific_actions": [], "term": "short"}
        return {"cycle": "2026-fall", "goals": [{"goal_id": "g-1", "status": "submitted", "plan": plan,
                                                  "set_by": "student"}]}

    def checkins(self, goal_id):
        return {"checkins": [
            {"checkin_id": "c-1", "goal_id": goal_id, "on": "2026-11-10", "status": "on_track", "note": "I practised",
             "measure_value": None, "by_role": "student", "source": "hand"},
            {"checkin_id": "gb-1", "goal_id": goal_id, "on": "2026-11-20", "status": "on_track", "note": "",
             "measure_value": 2.0, "by_role": "service", "source": "gradebook",
             "learning_objective_id": FRACTIONS}]}

    def follow_ups(self, sid):
        return []

    def unread_count(self):
        return 0


@pytest.fixture
def app():
    return create_app({"secret_key": "test-secret", "dev_login": False, "cookie_secure": False})


@pytest.fixture
def fake(monkeypatch):
    api = FakeApi()
    for module in ("student", "teacher", "family", "admin"):
        monkeypatch.setattr(f"services.portal.views.{module}.api", lambda api=api: api)
    monkeypatch.setattr("services.portal.views.me.unread_count", lambda: 0)
    return api


def _client(app, sub, role, lang="en"):
    client = app.test_client()
    with client.session_transaction() as s:
        s["user"] = {"sub": sub, "role": role, "token": "t", "name": "Henry Lee", "school_ids": ["d~s1"],
                     "schools": {"d~s1": {"name": "Sch", "tz": "America/Los_Angeles"}}}
        s["csrf"] = "tok"
        s["lang"] = lang
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_my_learning_shows_my_results_as_a_chart_with_a_table_and_kind_words(app, fake):
    page = _client(app, STUDENT, "student").get("/student/learning")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<svg role="img"') == 2 and html.count("<desc id=") == 2  # a chart per standard, in words
    assert html.count('class="learning-table"') == 2  # ... with the same numbers in a table
    text = _text(html)
    assert "Fractions quiz 1" in text and "1.5 / 4" in text
    assert "You grew in CCSS.ELA.RF.3.4: from 60 to 90. Great work!" in text
    assert "CCSS.MATH.3.NF.A.1 is a good place to grow next. You are at 1.5 out of 4 now" in text
    assert "2 results from October 2, 2026 to November 20, 2026, from 1 to 1.5." in text  # the alt text
    for word in ("average", "rank", "class", "others"):  # only the child's own results
        assert word not in text.lower().replace("class=", ""), word
    start = re.search(r'href="([^"]*start=[^"]*)"[^>]*>Start a goal from this', html)
    assert start and "/student/goals/new?start=CCSS.MATH.3.NF.A.1" in start.group(1)


def test_my_learning_in_spanish(app, fake):
    text = _text(_client(app, STUDENT, "student", "es").get("/student/learning").get_data(as_text=True))
    assert "Mi aprendizaje" in text and "Empezar una meta con esto" in text
    assert "Creciste en CCSS.ELA.RF.3.4: de 60 a 90. ¡Muy buen trabajo!" in text
    assert "Start a goal" not in text and "You grew" not in text


def test_no_results_yet_says_so_without_a_chart(app, fake):
    fake.data = EMPTY
    html = _client(app, STUDENT, "student").get("/student/learning").get_data(as_text=True)
    assert "<svg" not in html and "No results yet" in html


def test_a_goal_started_from_an_area_to_grow_is_prefilled_and_its_measure_linked(app, fake):
    client = _client(app, STUDENT, "student")
    html = client.get(f"/student/goals/new?start={FRACTIONS}").get_data(as_text=True)
    assert 'id="goal-start"' in html
    assert f'name="focus_code" value="{FRACTIONS}"' in html
    assert re.search(r'name="focus_kind" value="standard"\s+checked', html)
    assert f'name="measure_objective" value="{FRACTIONS}"' in html and 'name="measure_target" value="4"' in html
    assert "each time my teacher adds a new one" in html  # how it is tracked, in a child's words
    # Saved as the form posts it: the measure stays linked to the standard.
    form = {"csrf_token": "tok", "action_button": "save", "statement": "I will practise fractions 10 minutes a day.",
            "focus_kind": "standard", "focus_label": FRACTIONS, "focus_code": FRACTIONS,
            "track_method": "My results", "measure_keep": "yes", "measure_unit": "1-4", "measure_baseline": "1.5",
            "measure_target": "3", "measure_objective": FRACTIONS, "measure_line_item": "li-2"}
    assert client.post("/student/goals/new", data=form).status_code == 302
    plan = fake.created[-1]
    assert plan["focus"] == {"kind": "standard", "label": FRACTIONS, "code": FRACTIONS}
    assert plan["trackable"]["measure"] == {"unit": "1-4", "baseline": 1.5, "target": 3.0,
                                            "learning_objective_id": FRACTIONS, "line_item_id": "li-2"}
    # Unticking "keep my results linked" drops the measure.
    client.post("/student/goals/new", data={**form, "measure_keep": ""})
    assert "measure" not in fake.created[-1]["trackable"]


def test_a_start_that_is_no_longer_an_area_to_grow_opens_a_plain_editor(app, fake):
    html = _client(app, STUDENT, "student").get("/student/goals/new?start=NOT.A.STANDARD").get_data(as_text=True)
    assert 'id="goal-start"' not in html and 'name="measure_objective"' not in html
    assert "not one of your areas to grow any more" in html


def test_check_ins_from_the_gradebook_are_marked_beside_hand_recorded_ones(app, fake):
    for client, path in ((_client(app, STUDENT, "student"), "/student/goals"),
                         (_client(app, GUARDIAN, "guardian"), f"/family/children/{STUDENT}/goals")):
        html = client.get(path).get_data(as_text=True)
        assert 'class="checkin source-gradebook"' in html and 'class="checkin source-hand"' in html, path
        assert "From the gradebook" in html and "score 2" in html
        assert "Linked to the results on CCSS.MATH.3.NF.A.1" in html and "Started at 1.5, aiming for 4." in html
    es = _client(app, STUDENT, "student", "es").get("/student/goals").get_data(as_text=True)
    assert "Del registro de notas" in es and "From the gradebook" not in es


def test_the_teacher_notes_a_data_talk_and_sees_it_listed(app, fake):
    client = _client(app, TEACHER, "teacher")
    page = client.get(f"/teacher/students/{STUDENT}/learning")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<svg role="img"') == 2 and "Henry grew in CCSS.ELA.RF.3.4: from 60 to 90." in _text(html)
    assert "No data talk noted yet." in html
    resp = client.post(f"/teacher/students/{STUDENT}/learning", data=MultiDict([
        ("csrf_token", "tok"), ("shared_at", "2026-12-02T15:30"), ("objective_id", FRACTIONS),
        ("objective_id", READING), ("celebrated", "Fluency up to 90"), ("struggles", "Fractions"), ("note", "")]))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#talks")
    talk = fake.talks[-1]
    assert talk["shared_at"] == "2026-12-02T23:30:00+00:00"  # typed in the school's time (Pacific)
    assert talk["objective_ids"] == [FRACTIONS, READING] and talk["celebrated"] == "Fluency up to 90"
    listed = _text(client.get(f"/teacher/students/{STUDENT}/learning").get_data(as_text=True))
    assert "Fluency up to 90" in listed and "Dec 2, 2026, 3:30" in listed


def test_a_data_talk_with_a_bad_time_is_not_saved_and_keeps_what_was_typed(app, fake):
    client = _client(app, TEACHER, "teacher")
    resp = client.post(f"/teacher/students/{STUDENT}/learning", data={
        "csrf_token": "tok", "shared_at": "yesterday", "celebrated": "Reading"})
    assert resp.status_code == 422 and not fake.talks
    html = resp.get_data(as_text=True)
    assert "Give the day and time" in html and ">Reading</textarea>" in html


def test_the_family_sees_its_own_child_read_only_and_no_one_else(app, fake):
    client = _client(app, GUARDIAN, "guardian")
    html = client.get(f"/family/children/{STUDENT}/learning").get_data(as_text=True)
    assert "Learning results of Henry" in html and html.count('class="learning-table"') == 2
    assert "<form" not in html.split("<main", 1)[1].split("</main>")[0]  # read-only
    assert "Start a goal" not in html
    assert client.get(f"/family/children/{OTHER}/learning").status_code == 404  # not their child
    fake.mine.add(OTHER)  # even if the roster would answer, the portal only opens the family's own children
    assert client.get(f"/family/children/{OTHER}/learning").status_code == 404


def test_someone_elses_child_is_not_found_for_teacher_and_the_pages_are_for_their_roles(app, fake):
    teacher = _client(app, "d~t9", "teacher")
    assert teacher.get(f"/teacher/students/{OTHER}/learning").status_code == 404
    student = _client(app, STUDENT, "student")
    assert student.get(f"/teacher/students/{STUDENT}/learning").status_code == 404
    assert student.get(f"/family/children/{STUDENT}/learning").status_code == 404
    assert _client(app, GUARDIAN, "guardian").get("/student/learning").status_code == 404
    assert app.test_client().get("/student/learning").status_code == 302  # to sign-in


def test_learning_chart_geometry_is_on_the_scale_and_in_time():
    area = LEARNING["areas"][0]
    c = charts.learning(area, lambda d: str(d))
    assert [t["text"] for t in c["ticks"]] == ["1", "2.5", "4"]  # the scale's bottom to its top
    first, last = c["dots"]
    assert first["x"] < last["x"] and first["y"] > last["y"]  # later and higher
    assert c["bottom"] - first["y"] == pytest.approx(0)  # 1 sits on the bottom of a 1-4 scale
    assert [lab["text"] for lab in c["labels"]] == ["2026-10-02", "2026-11-20"]
    one = charts.learning({**area, "scale_min": None, "scale_max": None, "points": area["points"][:1]}, str)
    assert len(one["dots"]) == 1 and one["line"] == "" and len(one["labels"]) == 1


def test_data_talk_and_measure_form_fields():
    body = forms.data_talk(MultiDict([("shared_at", ""), ("objective_id", "a")]), "UTC",
                           datetime(2026, 12, 3, 10, tzinfo=timezone.utc))
    assert body["shared_at"] == "2026-12-03T10:00:00+00:00" and body["objective_ids"] == ["a"]
    assert forms.data_talk(MultiDict([("shared_at", "soon")]), "UTC")["shared_at"] is None
    assert forms.goal_measure(MultiDict([("measure_keep", "yes"), ("measure_unit", "1-4"),
                                         ("measure_baseline", "2"), ("measure_target", "x")])) is None
    values = forms.goal_values(forms.starter_plan(LEARNING["goal_starters"][0], "track"))
    assert values["focus_code"] == FRACTIONS and values["measure"]["learning_objective_id"] == FRACTIONS


def test_no_english_on_the_spanish_learning_pages(app, fake):
    from tests.spanish_check import english_in

    data = {FRACTIONS, READING, "Fractions quiz 1", "Fractions quiz 2", "Fluency check", "Henry", "Lee", "Henry Lee",
            "I will practise fractions.", "My results", "I practised", "Confer", "English", "1-4"}
    pages = [(_client(app, STUDENT, "student", "es"), "/student/learning"),
             (_client(app, STUDENT, "student", "es"), f"/student/goals/new?start={FRACTIONS}"),
             (_client(app, STUDENT, "student", "es"), "/student/goals"),
             (_client(app, TEACHER, "teacher", "es"), f"/teacher/students/{STUDENT}/learning"),
             (_client(app, GUARDIAN, "guardian", "es"), f"/family/children/{STUDENT}/learning"),
             (_client(app, GUARDIAN, "guardian", "es"), f"/family/children/{STUDENT}/goals")]
    fake.talks.append({"id": "dt-0", "shared_at": "2026-12-02T23:30:00+00:00", "objective_ids": [FRACTIONS],
                       "celebrated": "La lectura subió", "struggles": "", "note": ""})
    for client, path in pages:
        html = client.get(path).get_data(as_text=True)
        assert 'lang="es"' in html, path
        assert not english_in(html, data=data | {"La lectura subió"}), (path, english_in(html, data=data))


def test_a_district_admin_uploads_a_plain_results_file(app, fake):
    import io

    client = _client(app, "adm", "district_admin", "es")
    page = client.get("/admin/import").get_data(as_text=True)
    assert 'id="gradebook-form"' in page and 'name="what" value="gradebook"' in page
    resp = client.post("/admin/import", content_type="multipart/form-data", data={
        "csrf_token": "tok", "what": "gradebook", "file": (io.BytesIO(b"student,standard\n"), "results.csv")})
    assert resp.status_code == 200 and fake.uploaded == ("results.csv", b"student,standard\n", False)
    text = _text(resp.get_data(as_text=True))
    assert "Evaluaciones" in text and "Resultados" in text and "gb_results" not in text
    assert "built-in method" not in text  # the counts, not dict.update (Jinja looks attributes up first)
    assert re.search(r"Resultados 1 0 0", text), text
