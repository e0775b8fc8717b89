"""The access rules as a matrix, pure: every role against every kind of record, with
the platform's decide() / decide_school() and the roster's list rules on top."""
import pytest

from services.access import READ, WRITE, StudentRecord, decide, decide_school
from services.common.auth import Principal
from services.roster.application import access

D = "d-1"
OWN = StudentRecord("st1", D, "s1", ("t1",), ("g1",), "03")          # g1's child, in t1's class at s1
CLASSMATE = StudentRecord("st2", D, "s1", ("t1",), ("g2",), "03")    # another family's child, t1's class
OTHER_CLASS = StudentRecord("st5", D, "s1", ("t2",), ("g5",), "04")  # same school, another teacher
OTHER_SCHOOL = StudentRecord("st3", D, "s2", ("t3",), ("g3",), "03")
OTHER_DISTRICT = StudentRecord("st9", "d-2", "s1", ("t1",), ("g1",), "03")

PRINCIPALS = {
    "student": Principal("st1", "student", D),
    "guardian": Principal("g1", "guardian", D),
    "teacher": Principal("t1", "teacher", D, ("s1",)),
    "school_admin": Principal("a1", "school_admin", D, ("s1",)),
    "district_admin": Principal("a0", "district_admin", D),
    "service+scope": Principal("svc", "service", D, scopes=("students:read", "schools:read")),
    "service": Principal("svc", "service", D),
}
RECORDS = {"own": OWN, "classmate": CLASSMATE, "other_class": OTHER_CLASS, "other_school": OTHER_SCHOOL,
           "other_district": OTHER_DISTRICT}
#                     own    classmate other_class other_school other_district
READ_MATRIX = {
    "student":        (True,  False,    False,      False,       False),
    "guardian":       (True,  False,    False,      False,       False),
    "teacher":        (True,  True,     False,      False,       False),
    "school_admin":   (True,  True,     True,       False,       False),
    "district_admin": (True,  True,     True,       True,        False),
    "service+scope":  (True,  True,     True,       True,        False),
    "service":        (False, False,    False,      False,       False),
}


@pytest.mark.parametrize("role", list(READ_MATRIX))
def test_read_student_matrix(role):
    principal = PRINCIPALS[role]
    got = tuple(decide(principal, READ, record) for record in RECORDS.values())
    assert got == READ_MATRIX[role], dict(zip(RECORDS, got))
    # The roster's own rule is the platform's, with its scope.
    assert tuple(access.may_read_student(principal, r) for r in RECORDS.values()) == READ_MATRIX[role]


def test_services_never_write_and_others_write_what_they_read():
    assert not decide(PRINCIPALS["service+scope"], WRITE, OWN)
    for role in ("student", "guardian", "teacher", "school_admin", "district_admin"):
        assert decide(PRINCIPALS[role], WRITE, OWN) == READ_MATRIX[role][0]


#                     s1 (own school) s2 (other)  s1 of another district
SCHOOL_MATRIX = {
    "student":        (False, False, False),
    "guardian":       (False, False, False),
    "teacher":        (True,  False, False),
    "school_admin":   (True,  False, False),
    "district_admin": (True,  True,  False),
    "service+scope":  (False, False, False),
    "service":        (False, False, False),
}


@pytest.mark.parametrize("role", list(SCHOOL_MATRIX))
def test_school_wide_data_matrix(role):
    principal = PRINCIPALS[role]
    got = (decide_school(principal, "s1", D), decide_school(principal, "s2", D), decide_school(principal, "s1", "d-2"))
    assert got == SCHOOL_MATRIX[role]


#                     s1 view, s2 view, s1 classes, s2 classes
ROSTER_SCHOOL_MATRIX = {
    "student":        (True,  False, False, False),   # their own school, no class lists
    "guardian":       (True,  False, False, False),   # their children's schools
    "teacher":        (True,  False, True,  False),
    "school_admin":   (True,  False, True,  False),
    "district_admin": (True,  True,  True,  True),
    "service+scope":  (True,  True,  True,  True),    # schools:read
    "service":        (False, False, False, False),
}


@pytest.mark.parametrize("role", list(ROSTER_SCHOOL_MATRIX))
def test_roster_school_and_class_lists(role):
    principal, related = PRINCIPALS[role], {"s1"}
    got = (access.may_view_school(principal, "s1", D, related), access.may_view_school(principal, "s2", D, related),
           access.may_list_classes(principal, "s1", D), access.may_list_classes(principal, "s2", D))
    assert got == ROSTER_SCHOOL_MATRIX[role]
    assert not access.may_view_school(principal, "s1", "d-2", related)


TEACHER_T1 = {"_id": "t1", "district_id": D, "school_ids": ["s1"]}
TEACHER_T3 = {"_id": "t3", "district_id": D, "school_ids": ["s2"]}
#                     t1's list, t3's list
TEACHER_LIST_MATRIX = {
    "student": (False, False), "guardian": (False, False), "teacher": (True, False),
    "school_admin": (True, False), "district_admin": (True, True), "service+scope": (True, True),
    "service": (False, False),
}


@pytest.mark.parametrize("role", list(TEACHER_LIST_MATRIX))
def test_teacher_class_lists(role):
    principal = PRINCIPALS[role]
    got = (access.may_list_students_of(principal, TEACHER_T1), access.may_list_students_of(principal, TEACHER_T3))
    assert got == TEACHER_LIST_MATRIX[role]


def test_another_teacher_of_the_same_school_may_not_list_t1s_students():
    assert not access.may_list_students_of(Principal("t2", "teacher", D, ("s1",)), TEACHER_T1)


def test_guardian_lists_only_their_own_children():
    g1, g2 = {"_id": "g1", "district_id": D}, {"_id": "g2", "district_id": D}
    guardian = PRINCIPALS["guardian"]
    assert access.may_list_children_of(guardian, g1, [])
    assert not access.may_list_children_of(guardian, g2, ["anything"])  # another family: never
    # Anyone else sees a guardian's list only through children they may read.
    assert access.may_list_children_of(PRINCIPALS["teacher"], g2, ["st2"])
    assert not access.may_list_children_of(PRINCIPALS["teacher"], g2, [])
    assert not access.may_list_children_of(PRINCIPALS["district_admin"], {"_id": "g9", "district_id": "d-2"}, ["x"])
