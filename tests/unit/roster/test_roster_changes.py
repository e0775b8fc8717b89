"""Pure import pipeline: plan -> documents to write -> events; and versioned reads."""
from collections import Counter

from roster_fixtures import DATA, copy_bundle, edit
from services.roster.domain.changeset import build_changes, empty_state, snapshot
from services.roster.domain.rules import plan_import
from services.roster.domain.events import derive
from services.roster.adapters.oneroster.bundle import load_bundle
from services.roster.adapters.repository import resolve, visible_query


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


def test_staged_events_are_checked_before_anything_is_written_and_chunked_in_order():
    from datetime import datetime, timezone

    import pytest

    from services.common.envelope import InvalidEvent
    from services.roster.application.staged_events import StagedEvents

    now = datetime(2026, 8, 1, tzinfo=timezone.utc)
    staged = StagedEvents(import_id="imp-1", district_id="d1", now=now, correlation_id="c-1")
    link = {"guardian_id": "g1", "student_id": "st1", "school_id": "s1"}
    for n in range(5):
        staged.add("GuardianLinked", {**link, "student_id": f"st{n}"}, subject=f"st{n}", school_id=None)
    with pytest.raises(InvalidEvent):
        staged.add("GuardianLinked", {**link, "colour": "red"}, subject="st9", school_id="s1")
    with pytest.raises(InvalidEvent):
        staged.add("GuardianLinked", link, subject=7, school_id="s1")  # the envelope is checked too
    assert len(staged.events) == 5 and staged.count_by_name() == {"GuardianLinked": 5}
    assert staged.events[0] == {"name": "GuardianLinked", "data": {**link, "student_id": "st0"},
                                "subject": "st0", "school_id": "s1"}  # the school as uow.emit resolves it
    chunks = staged.chunks(size=2)
    assert [c["_id"] for c in chunks] == ["imp-1:e:000000", "imp-1:e:000001", "imp-1:e:000002"]
    assert [c["first_seq"] for c in chunks] == [0, 2, 4]
    assert [e["subject"] for c in chunks for e in c["events"]] == [f"st{n}" for n in range(5)]


class RecordingUnitOfWork:
    """Records what is emitted and where it is placed (the real one: tests/integration)."""

    def __init__(self):
        self.placed, self.emitted = None, []

    def continue_sequence(self, created_at, first_seq, **tags):
        self.placed = (created_at, first_seq, tags)

    def emit(self, name, data, **kw):
        self.emitted.append((name, data, kw))


def test_a_chunk_is_released_through_the_unit_of_works_emit_in_its_place_in_the_sequence():
    from datetime import datetime, timezone

    from services.roster.application.staged_events import StagedEvents, emit_chunk

    now = datetime(2026, 8, 1, tzinfo=timezone.utc)
    staged = StagedEvents(import_id="imp-1", district_id="d1", now=now, correlation_id=None)
    for n in range(3):
        staged.add("GuardianLinked", {"guardian_id": "g1", "student_id": f"st{n}", "school_id": "s1"},
                   subject=f"st{n}", school_id="s1")
    uow = RecordingUnitOfWork()
    emit_chunk(uow, staged.chunks(size=2)[1], started_at=now, district_id="d1")
    assert uow.placed == (now, 2, {"import_id": "imp-1"})
    assert uow.emitted == [("GuardianLinked", {"guardian_id": "g1", "student_id": "st2", "school_id": "s1"},
                            {"subject": "st2", "district_id": "d1", "school_id": "s1"})]


def test_a_chunk_staged_as_outbox_entries_before_an_upgrade_is_still_released():
    from datetime import datetime, timezone

    from services.common.catalogue import latest
    from services.common.envelope import new_event
    from services.common.store import outbox_entry
    from services.roster.application.staged_events import emit_chunk

    now = datetime(2026, 8, 1, tzinfo=timezone.utc)
    data = {"guardian_id": "g1", "student_id": "st1", "school_id": "s1"}
    spec = latest("GuardianLinked")
    env = new_event(spec, data, subject="st1", district_id="d1", school_id="s1", now=now)
    chunk = {"_id": "imp-1:e:000001", "import_id": "imp-1", "n": 1,
             "entries": [{**outbox_entry(env, spec, created_at=now, seq=1000), "import_id": "imp-1"}]}
    uow = RecordingUnitOfWork()
    emit_chunk(uow, chunk, started_at=now, district_id="d1")
    assert uow.placed == (now, 1000, {"import_id": "imp-1"})
    assert uow.emitted == [("GuardianLinked", data, {"subject": "st1", "district_id": "d1", "school_id": "s1"})]

