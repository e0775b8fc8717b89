"""The demo district generator: deterministic, valid, realistic."""
import csv
import time
from collections import Counter, defaultdict

import pytest

from services.roster.adapters.demo.district import generate
from services.roster.adapters.oneroster.bundle import load_bundle


def files_of(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "district"
    started = time.perf_counter()
    summary = generate(out, schools=10, students=5000, seed=42)
    elapsed = time.perf_counter() - started
    return out, summary, elapsed, load_bundle(out)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a = generate(tmp_path / "a", schools=3, students=300, seed=1)
    generate(tmp_path / "b", schools=3, students=300, seed=1)
    generate(tmp_path / "c", schools=3, students=300, seed=2)
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    assert files_of(tmp_path / "a") != files_of(tmp_path / "c")
    assert a["students"] == 300 and a["schools"] == 3
    generate(tmp_path / "a.zip", schools=3, students=300, seed=1, as_zip=True)
    generate(tmp_path / "b.zip", schools=3, students=300, seed=1, as_zip=True)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


@pytest.mark.parametrize("version", ["1.1", "1.2"])
@pytest.mark.parametrize("as_zip", [False, True])
def test_generated_bundle_loads_without_errors(tmp_path, version, as_zip):
    out = tmp_path / ("demo.zip" if as_zip else "demo")
    summary = generate(out, schools=3, students=400, seed=5, version=version, as_zip=as_zip)
    bundle = load_bundle(out)
    assert bundle.errors == [], [str(e) for e in bundle.errors[:5]]
    assert bundle.version == version
    kinds = Counter(u.kind for u in bundle.users.values())
    assert kinds["student"] == 400 == summary["students"]
    assert kinds["teacher"] == summary["teachers"]
    assert kinds["guardian"] == summary["guardians"]
    assert kinds["administrator"] == 1 + 3  # district admin and a principal per school


def test_fast_and_sized_like_a_district(district):
    out, summary, elapsed, bundle = district
    assert elapsed < 5, f"5,000 students took {elapsed:.1f}s"
    assert bundle.errors == []
    assert summary["students"] == 5000 and summary["schools"] == 10
    assert 20 <= summary["students"] / summary["teachers"] <= 24  # about 1 per 22
    assert summary["classes"] == summary["teachers"]  # a homeroom each
    orgs = Counter(o.type for o in bundle.orgs.values())
    assert orgs == {"district": 1, "school": 10}
    (session,) = bundle.sessions.values()
    assert (str(session.start_date), str(session.end_date)) == ("2026-08-15", "2027-06-10")
    assert session.type == "schoolYear"
    per_school = Counter(u.primary_org_id for u in bundle.users.values() if u.kind == "student")
    assert set(per_school.values()) == {500}  # evenly spread
    grades = Counter(u.grade for u in bundle.users.values() if u.kind == "student")
    assert sorted(grades) == ["01", "02", "03", "04", "05", "06", "07", "08", "KG"]
    assert max(grades.values()) - min(grades.values()) <= 10
    # every student is in exactly one homeroom, with a teacher
    enrolled = Counter(e.user_id for e in bundle.enrollments.values() if e.role == "student")
    assert len(enrolled) == 5000 and set(enrolled.values()) == {1}


def test_families_siblings_and_separated_guardians(district):
    _, summary, _, bundle = district
    users, links = bundle.users, bundle.guardian_links.values()
    guardians_of, students_of = defaultdict(set), defaultdict(set)
    for link in links:
        guardians_of[link.student_id].add(link.guardian_id)
        students_of[link.guardian_id].add(link.student_id)
    assert set(guardians_of) == {u.sourced_id for u in users.values() if u.kind == "student"}
    assert {len(g) for g in guardians_of.values()} == {1, 2}
    families = {frozenset(kids) for kids in students_of.values()}
    assert len(families) == summary["families"]
    siblings = [kids for kids in families if len(kids) > 1]
    assert 0.10 <= len(siblings) / len(families) <= 0.20  # about 15%
    assert {len(kids) for kids in siblings} == {2, 3}
    homeroom = {e.user_id: e.class_id for e in bundle.enrollments.values()
                if e.role == "student"}
    same_school_other_teacher = [
        kids for kids in siblings
        if len({users[k].primary_org_id for k in kids}) == 1
        and len({homeroom[k] for k in kids}) == len(kids)]
    assert len(same_school_other_teacher) > 0.5 * len(siblings)
    across_schools = [k for k in siblings if len({users[s].primary_org_id for s in k}) > 1]
    assert across_schools  # a family with children at two schools
    # Separated: two guardians of one child with different homes (home phone) and emails.
    pairs = [sorted(g) for g in guardians_of.values() if len(g) == 2]
    separated = [(a, b) for a, b in pairs if users[a].phone != users[b].phone]
    together = [(a, b) for a, b in pairs if users[a].phone == users[b].phone]
    assert separated and together
    assert all(users[a].email != users[b].email for a, b in separated)
    assert 0.05 <= len(separated) / len(pairs) <= 0.30


def test_languages_and_time_zones(district):
    out, _, _, bundle = district
    languages = Counter(u.language for u in bundle.users.values() if u.kind == "guardian")
    total = sum(languages.values())
    assert set(languages) == {"en", "es", "vi", "zh", "so", "ar"}
    assert languages.most_common(1)[0][0] == "en"
    assert 0.18 <= languages["es"] / total <= 0.32  # about a quarter
    for rare in ("vi", "zh", "so", "ar"):
        assert 0 < languages[rare] / total < 0.06
    zones = Counter(o.time_zone for o in bundle.orgs.values() if o.type == "school")
    assert {"America/Los_Angeles", "America/Denver", "America/New_York"} <= set(zones)
    assert zones.most_common(1)[0][0] == "America/Los_Angeles"
    assert all(o.languages[0] == "en" for o in bundle.orgs.values())
    assert any("es" in o.languages for o in bundle.orgs.values() if o.type == "school")
    # Obviously fake contact details only.
    for user in bundle.users.values():
        assert user.email.endswith("example.org")
        for number in (user.phone, user.sms):
            assert number is None or number[5:8] == "555"
    with open(out / "users.csv", encoding="utf-8", newline="") as f:
        assert any(r["familyName"] == "Nguyễn" for r in csv.DictReader(f))


def test_v12_carries_preferred_names_and_secondary_roles(tmp_path):
    generate(tmp_path / "v12", schools=4, students=2000, seed=3, version="1.2")
    bundle = load_bundle(tmp_path / "v12")
    assert bundle.errors == []
    assert any(u.preferred_name for u in bundle.users.values())
    multi = [u for u in bundle.users.values() if len(u.org_ids) > 1]
    assert multi and all(u.kind == "guardian" for u in multi)
    assert all(u.primary_org_id == u.org_ids[0] for u in multi)
    roles = Counter(u.role for u in bundle.users.values())
    assert roles["principal"] == 4 and roles["districtAdministrator"] == 1


def test_bad_arguments():
    with pytest.raises(ValueError):
        generate("unused", version="2.0")
    with pytest.raises(ValueError):
        generate("unused", schools=0)
