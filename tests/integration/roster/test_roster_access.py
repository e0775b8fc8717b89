"""The access rules through the read API, as a matrix over the hand-made district
(roster_support.MATRIX): s1 has t1 teaching c1 (st1, st4: g1's children) and t2
teaching c2 (st2: g2's child); s2 has t3 teaching c3 (st3: g3's child). What the
caller may not see is 404, never 403."""
import pytest

from services.roster.application.imports import import_bundle

CALLERS = {
    "student": dict(role="student", sub="d-matrix~st1"),
    "guardian": dict(role="guardian", sub="d-matrix~g1"),
    "teacher": dict(role="teacher", sub="d-matrix~t1"),  # schools from the roster (t1 teaches at s1)
    "school_admin": dict(role="school_admin", sub="d-matrix~a1", school_ids=("d-matrix~s1",)),
    "district_admin": dict(role="district_admin", sub="a0"),
    "service+scope": dict(role="service", sub="reports", scopes=("students:read", "schools:read")),
    "service": dict(role="service", sub="reports"),
}
ROLES = list(CALLERS)
# path -> expected status per caller, in CALLERS order
#                                 student guardian teacher s_admin d_admin svc+scope svc
MATRIX = {
    "/students/d-matrix~st1":                (200, 200, 200, 200, 200, 200, 404),  # own child / class student
    "/students/d-matrix~st4":                (404, 200, 200, 200, 200, 200, 404),  # sibling: g1's other child
    "/students/d-matrix~st2":                (404, 404, 404, 200, 200, 200, 404),  # another family, same school
    "/students/d-matrix~st3":                (404, 404, 404, 404, 200, 200, 404),  # another school
    "/students/nobody":             (404, 404, 404, 404, 404, 404, 404),
    "/teachers/d-matrix~t1/students":        (404, 404, 200, 200, 200, 200, 404),  # class students
    "/teachers/d-matrix~t2/students":        (404, 404, 404, 200, 200, 200, 404),  # a colleague's class
    "/teachers/d-matrix~t3/students":        (404, 404, 404, 404, 200, 200, 404),  # another school's teacher
    "/guardians/d-matrix~g1/children":       (200, 200, 200, 200, 200, 200, 404),  # own family
    "/guardians/d-matrix~g2/children":       (404, 404, 404, 200, 200, 200, 404),  # another family
    "/guardians/d-matrix~g3/children":       (404, 404, 404, 404, 200, 200, 404),  # another school's family
    "/schools/d-matrix~s1/classes":          (404, 404, 200, 200, 200, 200, 404),  # own school
    "/schools/d-matrix~s2/classes":          (404, 404, 404, 404, 200, 200, 404),  # another school
}
S1, S2 = "d-matrix~s1", "d-matrix~s2"  # Confer ids are district-scoped (services/roster/domain/ids.py)
SCHOOLS = {"student": [S1], "guardian": [S1], "teacher": [S1], "school_admin": [S1],
           "district_admin": [S1, S2], "service+scope": [S1, S2], "service": []}


@pytest.fixture
def imported(roster, matrix_bundle):
    _, store = roster
    assert import_bundle(store, matrix_bundle)["status"] == "applied"
    return store


def ids(resp):
    return [item["id"] for item in resp.get_json()["items"]]


@pytest.mark.parametrize("caller", ROLES)
def test_read_api_matrix(caller, imported, client_for):
    client = client_for(**CALLERS[caller])
    got = {path: client.get(path).status_code for path in MATRIX}
    expected = {path: codes[ROLES.index(caller)] for path, codes in MATRIX.items()}
    assert got == expected
    denied = client.get("/students/d-matrix~st3") if expected["/students/d-matrix~st3"] == 404 else None
    if denied is not None:
        assert denied.mimetype == "application/problem+json" and denied.get_json()["code"] == "student_not_found"
    assert ids(client.get("/schools")) == SCHOOLS[caller]


def test_lists_show_only_what_the_caller_may_see(imported, client_for):
    st1, st4 = "d-matrix~st1", "d-matrix~st4"
    assert ids(client_for(**CALLERS["teacher"]).get("/teachers/d-matrix~t1/students")) == [st1, st4]
    assert ids(client_for(**CALLERS["guardian"]).get("/guardians/d-matrix~g1/children")) == [st1, st4]
    assert ids(client_for(**CALLERS["student"]).get("/guardians/d-matrix~g1/children")) == [st1]  # not the sibling
    assert ids(client_for(**CALLERS["school_admin"]).get("/schools/d-matrix~s1/classes")) == ["d-matrix~c1",
                                                                                          "d-matrix~c2"]
    record = client_for(**CALLERS["guardian"]).get("/students/d-matrix~st1").get_json()
    assert record["guardian_ids"] == ["d-matrix~g1"] and record["teacher_ids"] == ["d-matrix~t1"]
    assert record["classes"] == [{"id": "d-matrix~c1", "title": "Grade 3 Homeroom", "teacher_ids": ["d-matrix~t1"]}]
    assert "email" not in record


def test_another_district_sees_nothing(imported, client_for):
    for caller in ("guardian", "district_admin", "service+scope"):
        client = client_for(**CALLERS[caller], district_id="d-other")
        assert client.get("/students/d-matrix~st1").status_code == 404
        assert client.get("/guardians/d-matrix~g1/children").status_code == 404
        assert ids(client.get("/schools")) == []


def test_me_is_the_callers_own_record(imported, client_for):
    guardian = client_for(**CALLERS["guardian"]).get("/me").get_json()
    assert guardian["person"]["id"] == "d-matrix~g1" and guardian["person"]["email"] == "g1@example.org"
    assert [c["id"] for c in guardian["children"]] == ["d-matrix~st1", "d-matrix~st4"]
    assert [s["id"] for s in guardian["schools"]] == ["d-matrix~s1"]
    teacher = client_for(**CALLERS["teacher"]).get("/me").get_json()
    assert [c["id"] for c in teacher["classes"]] == ["d-matrix~c1"]
    assert [s["id"] for s in teacher["students"]] == ["d-matrix~st1", "d-matrix~st4"]
    admin = client_for(**CALLERS["district_admin"]).get("/me").get_json()
    assert admin["person"] is None and [s["id"] for s in admin["schools"]] == ["d-matrix~s1", "d-matrix~s2"]
    student = client_for(**CALLERS["student"]).get("/me").get_json()
    assert student["person"]["id"] == "d-matrix~st1" and student["children"] == [] and student["students"] == []


def test_pagination(imported, client_for):
    admin = client_for(**CALLERS["district_admin"])
    first = admin.get("/schools?limit=1").get_json()
    second = admin.get("/schools?limit=1&offset=1").get_json()
    assert (first["total"], first["limit"], first["offset"]) == (2, 1, 0)
    assert [first["items"][0]["id"], second["items"][0]["id"]] == ["d-matrix~s1", "d-matrix~s2"]
    assert admin.get("/teachers/d-matrix~t1/students?limit=1&offset=1").get_json()["items"][0]["id"] == "d-matrix~st4"
    for bad in ("limit=201", "limit=0", "offset=-1", "colour=red"):
        resp = admin.get(f"/schools?{bad}")
        assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert admin.get("/schools?limit=200").status_code == 200


def test_guardian_asking_for_another_familys_child_gets_404_not_403(imported, client_for):
    guardian = client_for(**CALLERS["guardian"])
    for path in ("/students/d-matrix~st2", "/guardians/d-matrix~g2/children", "/students/d-matrix~st3"):
        resp = guardian.get(path)
        assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    # Same answer as for a child that does not exist: existence does not leak.
    assert guardian.get("/students/d-matrix~st2").get_json()["detail"] == "No student d-matrix~st2."
    assert guardian.get("/students/st404").get_json()["detail"] == "No student st404."
