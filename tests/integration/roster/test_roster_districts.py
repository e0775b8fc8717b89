"""Two districts whose SIS exports use the same sourcedIds (st1, g1, s1 ...): both import
(no duplicate key), every record and event carries the district's own Confer ids, and
neither district's people see the other's."""
from collections import Counter

from roster_support import MATRIX, write_bundle
from services.common.store import OUTBOX
from services.roster.application.imports import import_bundle
from services.roster.adapters.repository import PEOPLE


def test_colliding_sourced_ids_import_and_stay_apart(roster, tmp_path, client_for):
    _, store = roster
    north = import_bundle(store, write_bundle(tmp_path / "north", MATRIX), district_id="d-north")
    south = import_bundle(store, write_bundle(tmp_path / "south", MATRIX), district_id="d-south")
    assert north["status"] == south["status"] == "applied"
    assert north["counts"] == south["counts"]
    people = Counter(d["district_id"] for d in store.db[PEOPLE].find())
    assert people == {"d-north": 11, "d-south": 11}
    both = store.db[PEOPLE].find({"sourced_id": "st1"}).sort("_id", 1)
    assert [(d["_id"], d["district_id"]) for d in both] == [("d-north~st1", "d-north"), ("d-south~st1", "d-south")]

    # Events name the district's own ids, so every consumer's projections stay apart too.
    enrolled = [e["envelope"] for e in store.db[OUTBOX].find({"name": "StudentEnrolled"})]
    assert {(e["districtid"], e["data"]["student_id"].split("~")[0]) for e in enrolled} == \
        {("d-north", "d-north"), ("d-south", "d-south")}
    assert all(e["data"]["school_id"].startswith(e["districtid"] + "~") and
               all(t.startswith(e["districtid"] + "~") for t in e["data"]["teacher_ids"]) for e in enrolled)

    north_parent = client_for("guardian", "d-north~g1", district_id="d-north")
    assert [c["id"] for c in north_parent.get("/me").get_json()["children"]] == ["d-north~st1", "d-north~st4"]
    assert north_parent.get("/students/d-north~st1").get_json()["sourced_id"] == "st1"
    assert north_parent.get("/students/d-south~st1").status_code == 404
    south_admin = client_for("district_admin", "admin", district_id="d-south")
    assert [s["id"] for s in south_admin.get("/schools").get_json()["items"]] == ["d-south~s1", "d-south~s2"]
    assert south_admin.get("/students/d-north~st1").status_code == 404
    assert south_admin.get("/guardians/d-north~g1/children").status_code == 404
    # A token naming the other district's person is nobody here.
    impostor = client_for("guardian", "d-north~g1", district_id="d-south")
    assert impostor.get("/me").get_json()["children"] == []

    # Re-importing either changes nothing in either.
    assert import_bundle(store, tmp_path / "north", district_id="d-north")["status"] == "unchanged"
    assert import_bundle(store, tmp_path / "south", district_id="d-south")["status"] == "unchanged"
