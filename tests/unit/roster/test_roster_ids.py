"""Confer ids: every id and reference of a bundle in the district's namespace."""
from pathlib import Path

from services.roster.domain.ids import confer_id, scope_bundle, sourced_id
from services.roster.adapters.oneroster.bundle import load_bundle

DATA = Path(__file__).parent / "data" / "v11"


def test_every_id_and_reference_is_scoped_and_the_sourced_id_comes_back():
    raw = load_bundle(DATA)
    scoped = scope_bundle(raw, "d-x")
    assert set(scoped.users) == {confer_id("d-x", sid) for sid in raw.users}
    for sid, user in raw.users.items():
        mine = scoped.users[confer_id("d-x", sid)]
        assert mine.org_ids == tuple(f"d-x~{o}" for o in user.org_ids)
        assert mine.agent_ids == tuple(f"d-x~{a}" for a in user.agent_ids)
        assert sourced_id("d-x", mine.sourced_id) == sid
    for enrolment in scoped.enrollments.values():
        assert all(v.startswith("d-x~") for v in (enrolment.class_id, enrolment.user_id, enrolment.school_id))
    for key, link in scoped.guardian_links.items():
        assert key == f"{link.guardian_id}::{link.student_id}" and link.student_id.startswith("d-x~")
    assert all(c.school_id.startswith("d-x~") for c in scoped.classes.values())
    assert raw.errors == scoped.errors  # errors keep the files' own ids
    assert next(iter(raw.users)) in raw.users  # the loaded bundle itself is left as it was
