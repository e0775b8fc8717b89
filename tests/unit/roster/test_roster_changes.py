"""Pure import pipeline: plan -> documents to write -> events; and versioned reads."""
from collections import Counter

from roster_fixtures import DATA, copy_bundle, edit
from services.roster.changeset import build_changes, empty_state, snapshot
from services.roster.domain import plan_import
from services.roster.event_rules import derive
from services.roster.oneroster import load_bundle
from services.roster.repository import resolve, visible_query


def run(state, bundle):
    writes, after = build_changes(plan_import(snapshot(state), bundle), state, "d1")
    return writes, after, derive(state, after)


def names(events):
    return Counter(e.name for e in events)


def first_import():
    return run(empty_state(), load_bundle(DATA / "v11"))


def test_first_import_writes_every_record_with_tenant_keys_and_announces_it():
    writes, after, events = first_import()
    assert {w.kind for w in writes} == {"orgs", "sessions", "people", "classes", "enrolments", "guardian_links"}
    assert all(w.before is None and w.after["district_id"] == "d1" for w in writes)
    student = after["people"]["st1"]
    assert (student["school_id"], student["school_ids"], student["grade"]) == ("s1", ["s1"], "03")
    assert after["guardian_links"]["g1::st1"]["school_id"] == "s1"
    assert after["orgs"]["s1"]["school_id"] == "s1" and after["orgs"]["d1"]["school_id"] is None
    assert names(events) == {"SchoolUpdated": 2, "PersonProfileChanged": 6, "TeacherAssigned": 1,
                             "StudentEnrolled": 2, "GuardianLinked": 3}
    enrolled = next(e for e in events if e.name == "StudentEnrolled" and e.subject == "st1")
    assert enrolled.data == {"student_id": "st1", "school_id": "s1", "class_id": "c1", "teacher_ids": ["t1"],
                             "grade": "03", "school_year": "2027"}
    profile = next(e for e in events if e.name == "PersonProfileChanged" and e.subject == "g1")
    assert profile.data["email"] == "maria.garcia@example.org" and profile.data["language"] == "es"


def test_the_same_bundle_again_writes_and_emits_nothing():
    _, after, _ = first_import()
    writes, _, events = run(after, load_bundle(DATA / "v11"))
    assert writes == [] and events == []


def test_a_changed_email_is_one_private_profile_event(tmp_path):
    _, state, _ = first_import()
    folder = copy_bundle(tmp_path)
    edit(folder, "users.csv", "maria.garcia@example.org", "maria.g@example.org")
    writes, _, events = run(state, load_bundle(folder))
    assert [(w.kind, w.id) for w in writes] == [("people", "g1")]
    assert [(e.name, e.subject) for e in events] == [("PersonProfileChanged", "g1")]
    assert events[0].data["email"] == "maria.g@example.org"


def test_tobedeleted_and_a_dropped_link_deactivate(tmp_path):
    _, state, _ = first_import()
    folder = copy_bundle(tmp_path)
    edit(folder, "users.csv", "st2,active,", "st2,tobedeleted,")
    edit(folder, "users.csv", '"g1,g2",03', "g1,03")  # st1 no longer lists g2
    edit(folder, "enrollments.csv", "e3,active,", "e3,tobedeleted,")
    writes, after, events = run(state, load_bundle(folder))
    assert after["people"]["st2"]["active"] is False
    assert set(names(events)) == {"PersonProfileChanged", "PersonDeactivated", "GuardianUnlinked",
                                  "StudentUnenrolled"}
    assert ("PersonDeactivated", "st2") in [(e.name, e.subject) for e in events]
    assert ("GuardianUnlinked", "st1") in [(e.name, e.subject) for e in events]
    # Coming back reactivates and announces the student again.
    writes, _, events = run(after, load_bundle(DATA / "v11"))
    assert {"StudentUpdated", "StudentEnrolled", "GuardianLinked"} <= set(names(events))


def test_a_new_teacher_for_a_class_re_announces_its_students(tmp_path):
    _, state, _ = first_import()
    folder = copy_bundle(tmp_path)
    edit(folder, "enrollments.csv", "e1,active,,c1,s1,t1,", "e1,active,,c1,s1,a1,")
    edit(folder, "users.csv", "a1,active,,true,d1,administrator", "a1,active,,true,s1,teacher")
    _, _, events = run(state, load_bundle(folder))
    enrolled = [e for e in events if e.name == "StudentEnrolled"]
    assert [(e.subject, e.data["teacher_ids"]) for e in enrolled] == [("st1", ["a1"])]
    assert ("TeacherAssigned", "a1") in [(e.name, e.subject) for e in events]


def test_versioned_reads_hide_a_staging_import():
    committed = {"_id": "p1", "name": "new", "import_id": "imp-2", "prev": {"name": "old", "import_id": "imp-1"}}
    created = {"_id": "p2", "name": "fresh", "import_id": "imp-2"}
    assert resolve(committed, []) == {"_id": "p1", "name": "new", "import_id": "imp-2"}
    assert resolve(committed, ["imp-2"]) == {"_id": "p1", "name": "old", "import_id": "imp-1"}
    assert resolve(created, ["imp-2"]) is None
    assert visible_query({"name": "x"}, []) == {"name": "x"}
    hidden = visible_query({"_id": "p1", "name": "x"}, ["imp-2"])
    assert hidden["$or"][1] == {"_id": "p1", "prev.name": "x", "import_id": {"$in": ["imp-2"]},
                                "prev": {"$exists": True}}


def test_outbox_entries_are_validated_ordered_and_shaped_like_the_platforms():
    from datetime import datetime, timezone

    import pytest

    from services.common.envelope import InvalidEvent, validate_event
    from services.roster.staged_events import OutboxEntries

    now = datetime(2026, 8, 1, tzinfo=timezone.utc)
    entries = OutboxEntries(import_id="imp-1", district_id="d1", now=now, correlation_id="c-1")
    link = {"guardian_id": "g1", "student_id": "st1", "school_id": "s1"}
    entries.add("GuardianLinked", link, subject="st1", school_id="s1")
    second = entries.add("GuardianLinked", {**link, "student_id": "st2"}, subject="st2", school_id="s1")
    with pytest.raises(InvalidEvent):
        entries.add("GuardianLinked", {**link, "colour": "red"}, subject="st3", school_id="s1")
    validate_event(second["envelope"])
    assert second["envelope"]["subject"] == "st2" and second["envelope"]["correlationid"] == "c-1"
    assert [e["seq"] for e in entries.entries] == [0, 1]
    assert {e["_id"] for e in entries.entries} == {e["envelope"]["id"] for e in entries.entries}
    assert set(second) == {"_id", "status", "created_at", "seq", "type", "name", "routing_key", "private",
                           "envelope", "attempts", "district_id", "school_id", "import_id"}
    assert second["status"] == "pending" and second["created_at"] == now
    (chunk,) = entries.chunks()
    assert chunk["_id"] == "imp-1:e:000000" and len(chunk["entries"]) == 2
