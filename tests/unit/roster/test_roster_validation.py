"""Validation of OneRoster bundles: every problem is a RowError at its file, line and
column, and all of them are collected in one pass."""
import pytest

from roster_fixtures import copy_bundle, edit, where
from services.roster.adapters.oneroster.bundle import load_bundle
from services.roster.domain.vocabulary import RowError

# (file to edit, old text, new text) -> expected (file, line, column, words in reason)
MALFORMED = {
    "missing column": (
        "users.csv", ",givenName,familyName,", ",givenName,surname,",
        ("users.csv", 1, "familyName", "missing required column")),
    "unknown org": (
        "users.csv", "st2,active,,true,s1,", "st2,active,,true,s9,",
        ("users.csv", 4, "orgSourcedIds", "unknown org 's9'")),
    "unknown class": (
        "enrollments.csv", "e3,active,,c2,", "e3,active,,c7,",
        ("enrollments.csv", 4, "classSourcedId", "unknown class 'c7'")),
    "unknown session": (
        "classes.csv", "s1,y1,,,\nc2", "s1,y2,,,\nc2",
        ("classes.csv", 2, "termSourcedIds", "unknown academic session 'y2'")),
    "unknown agent": (
        "users.csv", '"st1,st2"', '"st1,st3"',
        ("users.csv", 5, "agentSourcedIds", "unknown user 'st3'")),
    "bad date": (
        "academicSessions.csv", "2027-06-10", "2027-13-01",
        ("academicSessions.csv", 2, "endDate", "bad date '2027-13-01'")),
    "US date": (
        "enrollments.csv", "2026-08-15,2027-06-10", "08/15/2026,2027-06-10",
        ("enrollments.csv", 3, "beginDate", "must be YYYY-MM-DD")),
    "duplicate sourcedId": (
        "classes.csv", "c2,active,,Kindergarten", "c1,active,,Kindergarten",
        ("classes.csv", 3, "sourcedId", "duplicate sourcedId 'c1' (first on line 2)")),
    "unknown role": (
        "users.csv", "s1,teacher,", "s1,wizard,",
        ("users.csv", 2, "role", "unknown role 'wizard'")),
    "unknown enrolment role": (
        "enrollments.csv", "t1,teacher,", "t1,coach,",
        ("enrollments.csv", 2, "role", "unknown role 'coach'")),
    "bad status": (
        "orgs.csv", "s1,active,", "s1,deleted,",
        ("orgs.csv", 3, "status", "unknown status 'deleted'")),
    "bad time zone": (
        "orgs.csv", "America/Denver", "Mountain Time",
        ("orgs.csv", 3, "metadata.timezone", "unknown IANA time zone")),
    "bad grade": (
        "classes.csv", "Homeroom,KG,", "Homeroom,K,",
        ("classes.csv", 3, "grades", "unknown grade 'K'")),
    "bad email": (
        "users.csv", "dana.lee@example.org", "dana.lee",
        ("users.csv", 2, "email", "not an email address")),
    "blank required value": (
        "users.csv", ",Sam,Ng,", ",Sam,,",
        ("users.csv", 7, "familyName", "a value is required")),
    "class at a district": (
        "classes.csv", "HRK,homeroom,,s1", "HRK,homeroom,,d1",
        ("classes.csv", 3, "schoolSourcedId", "'d1' is a district, not a school")),
    "enrolment school differs from class": (
        "enrollments.csv", "e3,active,,c2,s1", "e3,active,,c2,s2",
        ("enrollments.csv", 4, "schoolSourcedId", "belongs to school 's1'")),
    "teacher as agent": (
        "users.csv", '"st1,st2"', '"st1,t1"',
        ("users.csv", 5, "agentSourcedIds", "'t1' (teacher) cannot be an agent")),
    "demographics for an unknown user": (
        "demographics.csv", "st2,active,,2021-01-20", "st9,active,,2021-01-20",
        ("demographics.csv", 3, "sourcedId", "unknown user 'st9'")),
    "unsupported version": (
        "manifest.csv", "oneroster.version,1.1", "oneroster.version,1.0",
        ("manifest.csv", 3, "oneroster.version", "unsupported OneRoster version '1.0'")),
    "bad manifest mode": (
        "manifest.csv", "file.classes,bulk", "file.classes,full",
        ("manifest.csv", 6, "file.classes", "mode must be bulk, delta or absent")),
    "manifest lists a missing file": (
        "manifest.csv", "file.courses,absent", "file.courses,bulk",
        ("courses.csv", None, None, "manifest says bulk but the file is missing")),
    "file present but absent in manifest": (
        "manifest.csv", "file.demographics,bulk", "file.demographics,absent",
        ("demographics.csv", None, None, "file is present but the manifest says absent")),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_row_is_reported_where_it_is(tmp_path, case):
    file, old, new, (e_file, e_line, e_column, words) = MALFORMED[case]
    folder = copy_bundle(tmp_path)
    edit(folder, file, old, new)
    b = load_bundle(folder)
    matching = [e for e in b.errors if (e.file, e.line, e.column) == (e_file, e_line, e_column)]
    assert matching, [str(e) for e in b.errors]
    assert any(words in e.reason for e in matching), [str(e) for e in matching]
    assert not b.ok
    assert len(b.errors) == len(set(b.errors))  # no duplicate reports


def test_missing_required_column_makes_the_file_unusable(tmp_path):
    folder = copy_bundle(tmp_path)
    edit(folder, "users.csv", ",givenName,familyName,", ",givenName,surname,")
    b = load_bundle(folder)
    assert b.errors == [RowError("users.csv", 1, "familyName", "missing required column")]
    assert "users.csv" in b.failed and not b.is_bulk("users.csv")
    assert b.users == {}


def test_row_with_unknown_reference_is_rejected_not_dropped_silently(tmp_path):
    folder = copy_bundle(tmp_path)
    edit(folder, "users.csv", "st2,active,,true,s1,", "st2,active,,true,s9,")
    b = load_bundle(folder)
    assert "st2" not in b.users and "st2" in b.rejected["users.csv"]
    # Its enrolment still points at a user the bundle knows: no cascade of errors.
    assert "e3" in b.enrollments
    assert where(b) == {("users.csv", 4, "orgSourcedIds")}


def test_all_errors_are_collected_at_once(tmp_path):
    folder = copy_bundle(tmp_path)
    edit(folder, "academicSessions.csv", "2026-08-15", "2026-8-15")
    edit(folder, "users.csv", "s1,teacher,", "s1,wizard,")
    with open(folder / "classes.csv", "a", encoding="utf-8") as f:
        f.write("c1,active,,Again,03,,HR3,homeroom,,s1,y1,,,\n")
    edit(folder, "enrollments.csv", "e3,active,,c2,s1,st2", "e3,active,,c2,s1,zz")
    b = load_bundle(folder)
    assert where(b) == {("academicSessions.csv", 2, "startDate"), ("users.csv", 2, "role"),
                        ("classes.csv", 4, "sourcedId"),
                        ("enrollments.csv", 4, "userSourcedId")}


def test_latin1_bytes_are_an_encoding_error_on_their_line(tmp_path):
    folder = copy_bundle(tmp_path)
    text = (folder / "users.csv").read_text(encoding="utf-8")
    (folder / "users.csv").write_bytes(text.encode("latin-1"))
    b = load_bundle(folder)
    encoding = [e for e in b.errors if "UTF-8" in e.reason]
    # José García (line 3), Ana García (4), María García (5), Pedro López (6)
    assert [(e.file, e.line) for e in encoding] == [("users.csv", n) for n in (3, 4, 5, 6)]
    assert "0xE9" in encoding[0].reason


def test_utf8_bom_is_accepted(tmp_path):
    folder = copy_bundle(tmp_path)
    for name in ("manifest.csv", "users.csv", "orgs.csv"):
        data = (folder / name).read_bytes()
        (folder / name).write_bytes(b"\xef\xbb\xbf" + data)
    b = load_bundle(folder)
    assert b.errors == []
    assert b.users["st1"].given_name == "José" and "s1" in b.orgs


def test_line_numbers_count_physical_lines_of_quoted_newlines(tmp_path):
    folder = copy_bundle(tmp_path)
    edit(folder, "classes.csv", "Grade 3 Homeroom", '"Grade 3\nHomeroom"')
    edit(folder, "classes.csv", "Homeroom,KG,", "Homeroom,K,")
    b = load_bundle(folder)
    assert b.classes["c1"].title == "Grade 3\nHomeroom"
    assert where(b) == {("classes.csv", 4, "grades")}


def test_missing_manifest(tmp_path):
    folder = copy_bundle(tmp_path)
    (folder / "manifest.csv").unlink()
    b = load_bundle(folder)
    assert b.errors == [RowError("manifest.csv", None, None, "missing manifest.csv")]
    assert b.version is None and b.users == {}


def test_not_a_bundle(tmp_path):
    junk = tmp_path / "export.zip"
    junk.write_bytes(b"not a zip")
    assert where(load_bundle(junk)) == {("export.zip", None, None)}
    assert where(load_bundle(tmp_path / "nowhere")) == {(str(tmp_path / "nowhere"), None, None)}


def test_v12_user_without_a_role_is_an_error(tmp_path):
    folder = copy_bundle(tmp_path, "v12")
    edit(folder, "roles.csv", "r2,active,,st1,primary,student,,,s2,\n", "")
    b = load_bundle(folder)
    assert ("users.csv", 3, "role") in where(b)
    assert "st1" not in b.users


def test_v12_role_for_an_unknown_user_or_org(tmp_path):
    folder = copy_bundle(tmp_path, "v12")
    edit(folder, "roles.csv", "r3,active,,g1,secondary,parent,,,s1,",
         "r3,active,,g9,secondary,parent,,,s7,")
    b = load_bundle(folder)
    assert where(b) == {("roles.csv", 4, "userSourcedId"), ("roles.csv", 4, "orgSourcedId")}


def test_delta_file_references_are_not_checked_against_a_delta(tmp_path):
    """A delta users.csv may name orgs the store already holds."""
    folder = copy_bundle(tmp_path)
    edit(folder, "manifest.csv", "file.orgs,bulk", "file.orgs,delta")
    edit(folder, "users.csv", "st2,active,,true,s1,", "st2,active,,true,s9,")
    b = load_bundle(folder)
    assert b.errors == [] and b.users["st2"].org_ids == ("s9",)
