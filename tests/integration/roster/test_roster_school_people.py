"""A school's people in one call (teachers, students, families; names only), for the
school's administrators and the district admin; everyone else: 404."""
import pytest

from services.roster.importer import import_bundle


@pytest.fixture
def imported(roster, matrix_bundle):
    settings, store = roster
    import_bundle(store, str(matrix_bundle))
    return store


def test_a_schools_people_in_one_answer(imported, client_for):
    people = client_for("school_admin", sub="a1", school_ids=("s1",)).get("/schools/s1/people")
    assert people.status_code == 200, people.get_json()
    body = people.get_json()
    assert {t["id"] for t in body["teachers"]} == {"t1", "t2"}
    assert {s["id"]: s["guardian_ids"] for s in body["students"]} == {"st1": ["g1"], "st2": ["g2"], "st4": ["g1"]}
    assert {g["id"]: g["child_ids"] for g in body["guardians"]} == {"g1": ["st1", "st4"], "g2": ["st2"]}
    assert all(t["classes"] for t in body["teachers"])
    assert "email" not in str(body) and "phone" not in str(body)  # names only
    assert client_for("district_admin", sub="a0").get("/schools/s2/people").status_code == 200
    for caller in (dict(role="school_admin", sub="a1", school_ids=("s1",)), dict(role="teacher", sub="t1"),
                   dict(role="guardian", sub="g1"), dict(role="student", sub="st1")):
        assert client_for(**caller).get("/schools/s2/people").status_code == 404, caller
    assert client_for("teacher", sub="t1").get("/schools/s1/people").status_code == 404
