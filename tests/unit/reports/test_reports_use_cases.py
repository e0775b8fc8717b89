"""The reports' use cases on the in-memory store: report jobs (recording, claiming,
chunks, finishing, the lease), stored reports and conference summaries (their
refusals), with the events they emit and what they store."""
from datetime import datetime, timedelta, timezone

import pytest

from services.common.auth import Principal
from services.common.errors import Forbidden, Invalid, NotFound
from services.common.fake_store import FakeStore
from services.reports.application import batch, jobs, reports

from tests.unit.reports.fakes import attach_fakes

T0 = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)
ADMIN = Principal(sub="adm-1", role="district_admin", district_id="d-1")


class Clock:
    def __init__(self):
        self.now = T0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(clock):
    store = FakeStore("reports", repositories=attach_fakes, clock=clock)
    store.data["proj_schools"] = {"sch-1": {"_id": "sch-1", "district_id": "d-1", "name": "Oak"}}
    store.data["proj_students"] = {"stu-1": {"_id": "stu-1", "district_id": "d-1", "school_id": "sch-1",
                                             "guardian_ids": ["g-1"], "teacher_ids": ["t-1"]}}
    return store


def a_job(store, **kw):
    return jobs.create_job(store, ADMIN, period="2026-11", **kw)


def test_a_district_job_is_recorded_queued_with_its_timer_due_now(store):
    job = a_job(store)
    stored = store.data["report_jobs"][job["_id"]]
    assert (stored["status"], stored["district_id"], stored["school_id"], stored["owner"]) == \
        ("queued", "d-1", None, None)
    timer = store.data["timers"][jobs.timer_key(job["_id"])]
    assert timer["due_at"] == T0 and timer["status"] == "pending" and timer["payload"] == {"job_id": job["_id"]}
    assert store.published == []


def test_a_job_is_refused_for_a_bad_format_period_or_role(store):
    with pytest.raises(Invalid) as bad:
        a_job(store, fmt="docx")
    assert bad.value.code == "bad_format"
    with pytest.raises(Forbidden):
        jobs.create_job(store, Principal(sub="t-1", role="teacher", district_id="d-1"), period="2026-11")
    with pytest.raises(NotFound) as other:  # a school of another district is not found
        jobs.create_job(store, Principal(sub="a", role="district_admin", district_id="d-2"), period="2026-11",
                        school_id="sch-1")
    assert other.value.code == "school_not_found"
    assert "report_jobs" not in store.data or store.data["report_jobs"] == {}


def test_one_runner_claims_a_queued_job_until_its_lease_lapses(store, clock):
    job = a_job(store)
    assert store.atomic(lambda uow: jobs.claim(uow, job["_id"], "runner-a")) is True
    assert store.atomic(lambda uow: jobs.claim(uow, job["_id"], "runner-b")) is False
    stored = store.data["report_jobs"][job["_id"]]
    assert (stored["status"], stored["owner"], stored["claims"]) == ("running", "runner-a", 1)
    assert store.data["timers"][jobs.timer_key(job["_id"])]["due_at"] == T0 + jobs.LEASE  # the watchdog
    clock.now = T0 + jobs.LEASE + timedelta(seconds=1)
    assert store.atomic(lambda uow: jobs.claim(uow, job["_id"], "runner-b")) is True
    assert (stored["owner"], stored["claims"], stored["started_at"]) == ("runner-b", 2, T0)


def test_a_job_claimed_too_often_fails_instead(store, clock):
    job = a_job(store)
    for i in range(jobs.MAX_CLAIMS):
        clock.now = T0 + i * (jobs.LEASE + timedelta(seconds=1))
        assert store.atomic(lambda uow: jobs.claim(uow, job["_id"], f"runner-{i}")) is True
    clock.now += jobs.LEASE + timedelta(seconds=1)
    assert store.atomic(lambda uow: jobs.claim(uow, job["_id"], "runner-last")) is False
    stored = store.data["report_jobs"][job["_id"]]
    assert (stored["status"], stored["owner"], stored["finished_at"]) == ("failed", None, clock.now)


def done(student_id, school_id="sch-1"):
    return {"student_id": student_id, "school_id": school_id, "lang": "es", "content": f"<p>{student_id}</p>"}


def test_a_chunk_stores_its_reports_emits_report_ready_and_records_progress(store):
    job = a_job(store, fmt="html", owner="runner-a")
    failed = [{"student_id": "stu-9", "error": "boom"}]
    batch.commit_chunk(store, job, "runner-a", [done("stu-1"), done("stu-2")], failed, ("sch-1", "stu-9"), 20)
    assert [(e["report_id"], e["formats"]) for e in store.events("ReportReady")] == \
        [("rpt-2026-11-stu-1", ["html"]), ("rpt-2026-11-stu-2", ["html"])]
    rendered = store.data["rendered_reports"]["rpt-2026-11-stu-1:html"]
    assert rendered["encoding"] == "gzip" and rendered["job_id"] == job["_id"] and rendered["lang"] == "es"
    stored = store.data["report_jobs"][job["_id"]]
    assert (stored["done"], stored["failed"], stored["cursor_school"], stored["cursor"]) == (2, 1, "sch-1", "stu-9")
    assert stored["errors"] == failed and stored["lease_until"] == T0 + jobs.LEASE
    batch.commit_chunk(store, job, "runner-a", [], [{"student_id": "stu-10", "error": "x"}], ("sch-1", "stu-10"), 0)
    assert store.data["report_jobs"][job["_id"]]["errors"] == failed  # no room left for more errors


def test_a_runner_that_lost_the_lease_writes_nothing(store, clock):
    job = a_job(store, owner="runner-a")
    clock.now = T0 + jobs.LEASE + timedelta(seconds=1)
    assert store.atomic(lambda uow: jobs.claim(uow, job["_id"], "runner-b")) is True
    with pytest.raises(jobs.LostLease):
        batch.commit_chunk(store, job, "runner-a", [done("stu-1")], [], ("sch-1", "stu-1"), 20)
    with pytest.raises(jobs.LostLease):
        jobs.finish(store, job, "runner-a")
    assert store.published == [] and store.data.get("rendered_reports", {}) == {}
    assert store.data["report_jobs"][job["_id"]]["status"] == "running"


def test_finishing_a_job_marks_it_done_and_cancels_its_watchdog(store):
    job = a_job(store, owner="runner-a")
    jobs.finish(store, job, "runner-a")
    stored = store.data["report_jobs"][job["_id"]]
    assert (stored["status"], stored["owner"], stored["finished_at"]) == ("done", None, T0)
    assert store.data["timers"][jobs.timer_key(job["_id"])]["status"] == "cancelled"
    assert jobs.job_view(jobs.get_job(store, ADMIN, job["_id"]))["progress"] == 1.0


def test_a_job_of_another_district_is_not_found(store):
    job = a_job(store)
    with pytest.raises(NotFound) as nf:
        jobs.get_job(store, Principal(sub="adm-2", role="district_admin", district_id="d-2"), job["_id"])
    assert nf.value.code == "job_not_found"


def test_a_stored_report_is_read_with_an_audit_entry_or_not_found(store):
    job = a_job(store, fmt="pdf", owner="runner-a")
    pdf = {**done("stu-1"), "content": b"%PDF-1.4"}
    batch.commit_chunk(store, job, "runner-a", [pdf], [], ("sch-1", "stu-1"), 20)
    content, fmt, encoding = reports.stored_report(store, ADMIN, "rpt-2026-11-stu-1")
    assert (content, fmt, encoding) == (b"%PDF-1.4", "pdf", None)
    assert [(a["student_id"], a["what"], a["actor_id"]) for a in store.data["audit_log"]] == \
        [("stu-1", "stored_report", "adm-1")]
    with pytest.raises(NotFound) as missing:
        reports.stored_report(store, ADMIN, "rpt-2026-11-stu-1", "html")
    assert missing.value.code == "report_not_found"
    with pytest.raises(NotFound) as hidden:  # not this guardian's child: no read, no audit entry
        reports.stored_report(store, Principal(sub="g-2", role="guardian", district_id="d-1"), "rpt-2026-11-stu-1")
    assert hidden.value.code == "student_not_found" and len(store.data["audit_log"]) == 1


def test_a_conference_summary_of_another_district_or_household_is_not_found(store):
    store.data["booking_index"] = {"bk-1": {"_id": "bk-1", "student_id": "stu-1", "school_id": "sch-1",
                                            "district_id": "d-1"}}
    store.data["report_students"] = {"stu-1": {"_id": "stu-1", "conferences": {
        "bk-1": {"id": "bk-1", "guardian_id": "g-other"}}}}
    with pytest.raises(NotFound) as elsewhere:
        reports.conference_summary(store, Principal(sub="a", role="district_admin", district_id="d-2"), "bk-1")
    assert elsewhere.value.code == "conference_not_found"
    with pytest.raises(NotFound) as household:  # the student's guardian, but another household booked it
        reports.conference_summary(store, Principal(sub="g-1", role="guardian", district_id="d-1"), "bk-1")
    assert household.value.code == "conference_not_found"
    store.data["report_students"]["stu-1"]["conferences"]["bk-1"]["guardian_id"] = "g-1"
    with pytest.raises(Forbidden) as staff_only:  # their own conference, but the teacher's summary
        reports.conference_summary(store, Principal(sub="g-1", role="guardian", district_id="d-1"), "bk-1",
                                   audience="teacher")
    assert staff_only.value.code == "audience_not_allowed"
