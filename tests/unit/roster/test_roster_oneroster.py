"""Loading OneRoster 1.1 / 1.2 CSV bundles: normalisation, zip, fingerprints."""
import csv
import io
from datetime import date

import pytest

from roster_fixtures import DATA, copy_bundle, edit, zip_folder
from services.roster.adapters.oneroster.bundle import load_bundle


def test_v11_folder_loads_and_normalises():
    b = load_bundle(DATA / "v11")
    assert b.errors == [] and b.ok
    assert b.version == "1.1"
    assert b.mode["users.csv"] == "bulk" and b.mode["demographics.csv"] == "bulk"
    assert b.orgs["s1"].time_zone == "America/Denver"
    assert b.orgs["s1"].languages == ("en", "es")  # "ES" normalised
    assert b.orgs["s2"].time_zone == "America/Los_Angeles"  # default
    assert b.orgs["s2"].languages == ("en",)
    assert b.orgs["d1"].type == "district" and b.orgs["s1"].parent_id == "d1"
    session = b.sessions["y1"]
    assert (session.start_date, session.end_date) == (date(2026, 8, 15), date(2027, 6, 10))
    st1 = b.users["st1"]
    assert (st1.kind, st1.given_name, st1.family_name) == ("student", "José", "García")
    assert st1.grades == ("03",) and st1.grade == "03"
    assert st1.org_ids == ("s1",) and st1.primary_org_id == "s1"
    assert st1.language == "en"  # default
    assert b.users["g1"].kind == "guardian" and b.users["g1"].language == "es"
    assert b.users["g1"].sms == "+12065550101" and b.users["g1"].phone is None
    assert b.users["g2"].kind == "guardian" and b.users["g2"].language == "es-MX"
    assert b.users["a1"].kind == "administrator"
    assert b.classes["c1"].school_id == "s1" and b.classes["c1"].session_ids == ("y1",)
    e1 = b.enrollments["e1"]
    assert (e1.class_id, e1.user_id, e1.role, e1.primary) == ("c1", "t1", "teacher", True)
    assert e1.begin_date == date(2026, 8, 15) and e1.end_date is None
    assert b.enrollments["e2"].primary is False
    # g1 and the students declare each other; g2 is declared only by st1.
    pairs = {(l.guardian_id, l.student_id) for l in b.guardian_links.values()}
    assert pairs == {("g1", "st1"), ("g1", "st2"), ("g2", "st1")}
    assert all(l.active for l in b.guardian_links.values())


def test_v12_folder_loads_roles_and_preferred_names():
    b = load_bundle(DATA / "v12")
    assert b.errors == []
    assert b.version == "1.2" and b.mode["roles.csv"] == "bulk"
    st1 = b.users["st1"]
    assert st1.role == "student" and st1.preferred_name == "Alex"
    assert st1.display_name == "Alex Nguyễn"
    assert st1.primary_org_id == "s2"
    g1 = b.users["g1"]  # two roles: the primary one comes first
    assert g1.role == "parent" and g1.org_ids == ("s2", "s1")
    assert g1.primary_org_id == "s2" and g1.language == "vi"
    assert b.users["a1"].role == "districtAdministrator"
    assert b.users["a1"].kind == "administrator"
    assert b.orgs["s2"].languages == ("en", "vi", "zh-Hant")
    assert set(b.guardian_links) == {"g1::st1"}


@pytest.mark.parametrize("name", ["v11", "v12"])
@pytest.mark.parametrize("prefix", ["", "export-2026/"])
def test_zip_loads_like_the_folder(tmp_path, name, prefix):
    folder = load_bundle(DATA / name)
    zipped = load_bundle(zip_folder(DATA / name, tmp_path / "b.zip", prefix))
    assert zipped.errors == []
    assert zipped.version == folder.version
    for kind in ("orgs", "sessions", "users", "classes", "enrollments", "guardian_links"):
        a, z = getattr(folder, kind), getattr(zipped, kind)
        assert {k: r.fingerprint for k, r in a.items()} == \
               {k: r.fingerprint for k, r in z.items()}, kind


def test_fingerprint_ignores_layout_and_status_but_not_content(tmp_path):
    base = load_bundle(DATA / "v11")
    folder = copy_bundle(tmp_path)
    lines = (folder / "users.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    # Move the last column (metadata.preferredLanguage) first and reverse the rows.
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header[-1]] + header[:-1])
    for row in reversed(rows[1:]):
        writer.writerow([row[-1]] + row[:-1])
    (folder / "users.csv").write_text(out.getvalue(), encoding="utf-8")
    edit(folder, "orgs.csv", "s2,,,Hillcrest", "s2,tobedeleted,2026-09-01T00:00:00Z,Hillcrest")
    edit(folder, "enrollments.csv", "e3,active,,c2,s1,st2,student,false,,",
         "e3,active,,c2,s1,st2,student,false,,2027-06-10")
    moved = load_bundle(folder)
    assert moved.errors == []
    assert {k: u.fingerprint for k, u in moved.users.items()} == \
           {k: u.fingerprint for k, u in base.users.items()}
    assert moved.users["a1"].line == 2 and base.users["a1"].line == 7
    assert moved.orgs["s2"].active is False
    assert moved.orgs["s2"].fingerprint == base.orgs["s2"].fingerprint
    assert moved.enrollments["e3"].fingerprint != base.enrollments["e3"].fingerprint
