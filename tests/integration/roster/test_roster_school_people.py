"""A school's people in one call (teachers, students, families; names only), for the
school's administrators and the district admin; everyone else: 404."""
import pytest

from services.roster.application.imports import import_bundle


@pytest.fixture
def imported(roster, matrix_bundle):
    settings, store = roster
    import_bundle(store, str(matrix_bundle))
    return store


def test_a_schools_people_in_one_answer(imported, client_for):
    admin = client_for("school_admin", sub="d-matrix~a1", school_ids=("d-matrix~s1",))
    people = admin.get("/schools/d-matrix~s1/people")
    assert people.status_code == 200, people.get_json()
    body = people.get_json()
    assert {t["id"] for t in body["teachers"]} == {"d-matrix~t1", "d-matrix~t2"}
    assert {s["id"]: s["guardian_ids"] for s in body["students"]} == {
        "d-matrix~st1": ["d-matrix~g1"], "d-matrix~st2": ["d-matrix~g2"], "d-matrix~st4": ["d-matrix~g1"]}
    assert {g["id"]: g["child_ids"] for g in body["guardians"]} == {
        "d-matrix~g1": ["d-matrix~st1", "d-matrix~st4"], "d-matrix~g2": ["d-matrix~st2"]}
    assert all(t["classes"] for t in body["teachers"])
    assert "email" not in str(body) and "phone" not in str(body)  # names only
    assert client_for("district_admin", sub="d-matrix~a0").get("/schools/d-matrix~s2/people").status_code == 200
    for caller in (dict(role="school_admin", sub="d-matrix~a1", school_ids=("d-matrix~s1",)),
                   dict(role="teacher", sub="d-matrix~t1"), dict(role="guardian", sub="d-matrix~g1"),
                   dict(role="student", sub="d-matrix~st1")):
        assert client_for(**caller).get("/schools/d-matrix~s2/people").status_code == 404, caller
    assert client_for("teacher", sub="d-matrix~t1").get("/schools/d-matrix~s1/people").status_code == 404
