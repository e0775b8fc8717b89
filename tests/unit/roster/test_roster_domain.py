"""plan_import: creates, updates, deactivations, idempotence."""
import pytest

from roster_fixtures import DATA, copy_bundle, edit
from services.roster.adapters.demo.district import generate
from services.roster.domain.rules import KINDS, Stored, as_stored, plan_import
from services.roster.adapters.oneroster.bundle import load_bundle


def snapshot(bundle) -> dict:
    """The store after importing the bundle into an empty store."""
    return plan_import({}, bundle).applied_to({})


def ids(changes) -> set[str]:
    return {c.sourced_id for c in changes}


@pytest.fixture(scope="module")
def demo_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "bundle"
    generate(out, schools=4, students=600, seed=7)
    bundle = load_bundle(out)
    assert bundle.errors == []
    return bundle


def test_demo_bundle_into_empty_store_is_all_creates(demo_bundle):
    plan = plan_import({}, demo_bundle)
    sizes = {"orgs": 5, "sessions": 1, "people": len(demo_bundle.users),
             "classes": len(demo_bundle.classes),
             "enrolments": len(demo_bundle.enrollments),
             "guardian_links": len(demo_bundle.guardian_links)}
    assert plan.summary() == {k: {"create": n, "update": 0, "deactivate": 0}
                              for k, n in sizes.items()}
    assert plan.totals() == {"create": sum(sizes.values()), "update": 0, "deactivate": 0}
    assert all(c.reason == "new" and c.record is not None
               for c in plan["people"].creates)
    assert list(plan.kinds) == list(KINDS)  # dependency order for the importer


def test_planning_again_after_applying_is_empty(demo_bundle):
    store = snapshot(demo_bundle)
    again = plan_import(store, demo_bundle)
    assert again.is_empty
    assert again.totals() == {"create": 0, "update": 0, "deactivate": 0}
    # Applying an empty plan changes nothing either.
    assert again.applied_to(store) == store


def test_a_changed_row_is_one_update(tmp_path):
    store = snapshot(load_bundle(DATA / "v11"))
    folder = copy_bundle(tmp_path)
    edit(folder, "users.csv", "maria.garcia@example.org", "maria.g@example.org")
    bundle = load_bundle(folder)
    plan = plan_import(store, bundle)
    assert plan.totals() == {"create": 0, "update": 1, "deactivate": 0}
    (change,) = plan["people"].updates
    assert change.sourced_id == "g1" and change.reason == "changed"
    assert change.record.email == "maria.g@example.org"
    assert change.fingerprint == bundle.users["g1"].fingerprint != store["people"]["g1"][0]
    assert plan_import(plan.applied_to(store), bundle).is_empty


def test_tobedeleted_deactivates_the_record_and_its_links(tmp_path):
    store = snapshot(load_bundle(DATA / "v11"))
    folder = copy_bundle(tmp_path)
    edit(folder, "users.csv", "g2,active,", "g2,tobedeleted,")
    edit(folder, "enrollments.csv", "e3,active,", "e3,tobedeleted,")
    plan = plan_import(store, load_bundle(folder))
    assert ids(plan["people"].deactivations) == {"g2"}
    assert ids(plan["enrolments"].deactivations) == {"e3"}
    assert ids(plan["guardian_links"].deactivations) == {"g2::st1"}
    assert {c.reason for c in plan["people"].deactivations} == {"tobedeleted"}
    assert plan.totals() == {"create": 0, "update": 0, "deactivate": 3}
    after = plan.applied_to(store)
    assert after["people"]["g2"] == Stored(store["people"]["g2"][0], False)
    # Deactivated stays deactivated; the same bundle again plans nothing.
    assert plan_import(after, load_bundle(folder)).is_empty


def test_missing_from_a_bulk_file_deactivates(tmp_path):
    store = snapshot(load_bundle(DATA / "v11"))
    folder = copy_bundle(tmp_path)
    edit(folder, "classes.csv", "c2,active,,Kindergarten Homeroom,KG,,HRK,homeroom,,s1,y1,,,\n",
         "")
    edit(folder, "enrollments.csv", "e3,active,,c2,s1,st2,student,false,,\n", "")
    plan = plan_import(store, load_bundle(folder))
    assert ids(plan["classes"].deactivations) == {"c2"}
    assert ids(plan["enrolments"].deactivations) == {"e3"}
    assert {c.reason for c in plan["classes"].deactivations} == {"missing"}
    assert plan.totals()["deactivate"] == 2
    # full=False (a partial export) never deactivates by absence.
    assert plan_import(store, load_bundle(folder), full=False).is_empty


def test_missing_from_a_delta_file_changes_nothing(tmp_path):
    store = snapshot(load_bundle(DATA / "v11"))
    folder = copy_bundle(tmp_path)
    edit(folder, "manifest.csv", "file.classes,bulk", "file.classes,delta")
    edit(folder, "classes.csv", "c2,active,,Kindergarten Homeroom,KG,,HRK,homeroom,,s1,y1,,,\n",
         "")
    edit(folder, "classes.csv", "Grade 3 Homeroom", "Grade Three Homeroom")
    plan = plan_import(store, load_bundle(folder))
    assert plan.summary()["classes"] == {"create": 0, "update": 1, "deactivate": 0}


def test_delta_users_restate_their_links(tmp_path):
    store = snapshot(load_bundle(DATA / "v11"))
    folder = copy_bundle(tmp_path)
    edit(folder, "manifest.csv", "file.users,bulk", "file.users,delta")
    # Only st1 is sent; it no longer lists g2 (and g2's own row is not in the delta).
    lines = (folder / "users.csv").read_text(encoding="utf-8").splitlines()
    (folder / "users.csv").write_text(
        "\n".join([lines[0], lines[2].replace('"g1,g2"', "g1")]) + "\n", encoding="utf-8")
    plan = plan_import(store, load_bundle(folder))
    assert ids(plan["guardian_links"].deactivations) == {"g2::st1"}
    assert {c.reason for c in plan["guardian_links"].deactivations} == {"unlisted"}
    assert plan["people"].deactivations == []  # absent from a delta is not deleted


def test_rejected_rows_and_unusable_files_never_deactivate(tmp_path):
    store = snapshot(load_bundle(DATA / "v11"))
    folder = copy_bundle(tmp_path)
    edit(folder, "users.csv", "st2,active,,true,s1,", "st2,active,,true,s9,")  # bad ref
    edit(folder, "classes.csv", "termSourcedIds", "terms")  # whole file unusable
    bundle = load_bundle(folder)
    assert "st2" not in bundle.users and "classes.csv" in bundle.failed
    plan = plan_import(store, bundle)
    assert plan["people"].deactivations == []
    assert plan["guardian_links"].deactivations == []  # g1::st2 is protected too
    assert plan["classes"].deactivations == []


def test_a_returning_record_is_reactivated(tmp_path):
    store = snapshot(load_bundle(DATA / "v11"))
    store["people"]["st1"] = Stored(store["people"]["st1"].fingerprint, False)
    plan = plan_import(store, load_bundle(DATA / "v11"))
    (change,) = plan["people"].updates
    assert (change.sourced_id, change.reason) == ("st1", "reactivated")
    assert plan.totals() == {"create": 0, "update": 1, "deactivate": 0}


def test_new_record_is_a_create_and_tobedeleted_unknown_is_nothing(tmp_path):
    store = snapshot(load_bundle(DATA / "v11"))
    folder = copy_bundle(tmp_path)
    with open(folder / "users.csv", "a", encoding="utf-8") as f:
        f.write("t2,active,,true,s1,teacher,kim,,Kim,Park,,,kim@example.org,,,,KG,,\n")
        f.write("t3,tobedeleted,,true,s1,teacher,old,,Old,Timer,,,,,,,,,\n")
    plan = plan_import(store, load_bundle(folder))
    assert ids(plan["people"].creates) == {"t2"}
    assert plan.totals() == {"create": 1, "update": 0, "deactivate": 0}


def test_store_snapshot_formats():
    assert as_stored("abc") == Stored("abc", True)
    assert as_stored(("abc", False)) == Stored("abc", False)
    assert as_stored({"fingerprint": "abc", "active": False}) == Stored("abc", False)
    bundle = load_bundle(DATA / "v11")
    raw = {kind: {sid: {"fingerprint": s.fingerprint, "active": s.active}
                  for sid, s in rows.items()} for kind, rows in snapshot(bundle).items()}
    assert plan_import(raw, bundle).is_empty
