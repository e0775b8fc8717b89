"""The shared access matrix over the roster's projection fails closed on a missing
district, in a decision and in a listing filter alike. Pure: no database."""
import pytest

from services.access import READ, WRITE, StudentDirectory, StudentRecord, decide, decide_school
from services.common.auth import Principal

GUARDIAN = Principal("g-1", "guardian", "d-1")
CHILD = StudentRecord("st-1", "d-1", "s-1", teacher_ids=("t-1",), guardian_ids=("g-1",))


def test_a_record_without_a_district_is_nobodys():
    orphan = StudentRecord("st-1", None, "s-1", teacher_ids=("t-1",), guardian_ids=("g-1",))
    assert decide(GUARDIAN, WRITE, CHILD)
    assert not decide(GUARDIAN, READ, orphan)
    assert not decide(Principal("a-1", "district_admin", "d-1"), READ, orphan)
    assert not decide_school(Principal("a-1", "district_admin", "d-1"), "s-1", None)


@pytest.mark.parametrize("role,extra", [("district_admin", {}), ("guardian", {"guardian_ids": "g-1"}),
                                        ("teacher", {"teacher_ids": "g-1"}), ("student", {"_id": "g-1"})])
def test_listings_are_scoped_to_the_callers_district(role, extra):
    assert StudentDirectory(None).visible_filter(Principal("g-1", role, "d-1")) == {"district_id": "d-1", **extra}
    nowhere = StudentDirectory(None).visible_filter(Principal("g-1", role, ""))
    assert nowhere["district_id"] == {"$in": []}


def test_roles_without_listings_see_nothing():
    assert StudentDirectory(None).visible_filter(Principal("svc", "service", "d-1")) == {"_id": {"$in": []}}
