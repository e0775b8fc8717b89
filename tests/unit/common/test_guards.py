"""The one tenancy check and the one role check: fail closed on a missing district."""
import pytest

from services.common.auth import Principal
from services.common.errors import Forbidden
from services.common.guards import district_scope, require_role, same_district

ADMIN = Principal("a-1", "district_admin", "d-1")


def test_same_district_reads_a_document_or_a_district_id():
    assert same_district(ADMIN, {"_id": "x", "district_id": "d-1"})
    assert same_district(ADMIN, "d-1")
    assert not same_district(ADMIN, {"_id": "x", "district_id": "d-2"})
    assert not same_district(ADMIN, "d-2")


@pytest.mark.parametrize("record", [{"_id": "x"}, {"_id": "x", "district_id": None}, {"district_id": ""}, None, ""])
def test_a_record_without_a_district_is_in_no_district(record):
    assert not same_district(ADMIN, record)


@pytest.mark.parametrize("district", ["", None])
def test_a_caller_without_a_district_matches_nothing(district):
    nobody = Principal("a-1", "district_admin", district)
    assert not same_district(nobody, {"district_id": district})
    assert not same_district(nobody, district)
    assert not same_district(nobody, {})
    assert district_scope(nobody, school_id="s-1") == {"district_id": {"$in": []}, "school_id": "s-1"}


def test_district_scope_adds_the_callers_district():
    assert district_scope(ADMIN) == {"district_id": "d-1"}
    assert district_scope(ADMIN, _id="g-1") == {"district_id": "d-1", "_id": "g-1"}


def test_require_role():
    require_role(ADMIN, "school_admin", "district_admin")
    with pytest.raises(Forbidden) as err:
        require_role(Principal("g-1", "guardian", "d-1"), "teacher")
    assert err.value.code == "role_not_allowed"
