"""Batch jobs: the web app records a job, the worker runs it (progress, stored reports,
one ReportReady per student on the bus); `confer reports batch` does the same in the
foreground with a progress bar. Access: a family sees only its own children."""
import gzip
import time

from click.testing import CliRunner

from reports_events import OTHER_SCHOOL, SCHOOL, klass, student
from services.cli import main
from services.reports.adapters.repository import JOBS, RENDERED


def seed(reports):
    events, expects = klass(5)
    other, other_expect = student(20, school=OTHER_SCHOOL, teacher="tch-2")
    reports.publish(events + other)
    return expects, other_expect


def test_job_runs_in_the_worker_with_progress_and_report_ready_per_student(reports, bus_tap):
    tap = bus_tap()
    expects, other = seed(reports)
    resp = reports.post("/report-jobs", {"period": "2026-11", "school_id": SCHOOL}, role="school_admin",
                        school_ids=[SCHOOL])
    assert resp.status_code == 202, resp.get_json()
    job = resp.get_json()
    assert job["status"] == "queued" and resp.headers["Location"].endswith(f"/report-jobs/{job['id']}")

    seen, deadline = [], time.monotonic() + 60
    while time.monotonic() < deadline:
        view = reports.get(resp.headers["Location"], role="school_admin", school_ids=[SCHOOL]).get_json()
        seen.append((view["status"], view["done"], view["total"], view["progress"]))
        if view["status"] == "done":
            break
        time.sleep(0.05)
    assert view["status"] == "done", seen
    assert (view["total"], view["done"], view["failed"], view["progress"]) == (5, 5, 0, 1.0)
    assert all(s[3] <= 1.0 for s in seen)

    ready = tap.wait_for("ReportReady", 5, timeout=30)
    assert sorted(m["data"]["student_id"] for m in ready) == sorted(e["student_id"] for e in expects)
    assert all(m["data"]["period"] == "2026-11" and m["data"]["formats"] == ["html"] for m in ready)
    assert all(m["schoolid"] == SCHOOL and m["districtid"] == "d-1" for m in ready)
    time.sleep(0.3)
    assert len(tap.of_type("ReportReady")) == 5  # once per student

    first = expects[0]
    report_id = ready[0]["data"]["report_id"]
    owner = next(e for e in expects if e["student_id"] == ready[0]["data"]["student_id"])
    resp = reports.get(f"/reports/{report_id}", role="guardian", sub=owner["guardian_id"])
    assert resp.status_code == 200 and owner["goals"][0]["statement"] in resp.get_data(as_text=True)
    zipped = reports.get(f"/reports/{report_id}", role="guardian", sub=owner["guardian_id"],
                         headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.mimetype == "text/html"
    assert owner["goals"][0]["statement"] in gzip.decompress(zipped.get_data()).decode()

    # A guardian of another child sees none of it (404, existence does not leak).
    stranger = other["guardian_id"]
    assert reports.get(f"/reports/{report_id}", role="guardian", sub=stranger).status_code == 404
    assert reports.get(f"/students/{first['student_id']}/reports/2026-11", role="guardian",
                       sub=stranger).status_code == 404
    assert reports.get(f"/conferences/{first['booking_id']}/summary", role="guardian",
                       sub=stranger).status_code == 404
    # ... a teacher only their students, a school admin only their school.
    assert reports.get(f"/students/{first['student_id']}/reports/2026-11", role="teacher",
                       sub="tch-2").status_code == 404
    assert reports.get(f"/students/{other['student_id']}/reports/2026-11", role="teacher",
                       sub="tch-2").status_code == 200
    assert reports.get(f"/report-jobs/{job['id']}", role="school_admin", sub="adm-2",
                       school_ids=[OTHER_SCHOOL]).status_code == 404
    assert reports.post("/report-jobs", {"period": "2026-11", "school_id": SCHOOL}, role="school_admin",
                        school_ids=[OTHER_SCHOOL]).status_code == 404
    assert reports.post("/report-jobs", {"period": "2026-11"}, role="school_admin",
                        school_ids=[SCHOOL]).status_code == 403
    assert reports.post("/report-jobs", {"period": "2026-11"}, role="guardian", sub=stranger).status_code == 403


def test_job_request_is_validated(reports):
    bad = reports.post("/report-jobs", {"period": "2026-13"})
    assert bad.status_code == 422 and "period" in {e["field"] for e in bad.get_json()["errors"]}
    bad = reports.post("/report-jobs", {"period": "2026-11", "colour": "red"})
    assert bad.status_code == 422 and "colour" in {e["field"] for e in bad.get_json()["errors"]}
    assert reports.get("/report-jobs/job-nope").status_code == 404


def test_cli_batch_renders_pdfs_with_a_progress_bar(reports, bus_tap):
    tap = bus_tap()
    seed(reports)
    result = CliRunner().invoke(main, ["reports", "batch", "--period", "2026-11", "--format", "pdf"], env={
        "MONGO_URL": reports.settings.mongo_url, "MONGO_DB": reports.settings.mongo_db}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Rendering" in result.output and "done: 6 rendered, 0 failed" in result.output
    docs = list(reports.store.db[RENDERED].find({}, {"content": 1, "format": 1}))
    assert len(docs) == 6 and all(d["format"] == "pdf" and d["content"][:5] == b"%PDF-" for d in docs)
    assert reports.store.db[JOBS].find_one({})["status"] == "done"
    tap.wait_for("ReportReady", 6, timeout=30)  # the worker's relay publishes the CLI's outbox


def test_a_job_whose_runner_died_is_resumed_from_its_cursor(reports):
    from datetime import timedelta

    from services.common.auth import Principal
    from services.common.timers import TIMERS
    from services.common.testing import wait_until
    from services.reports.application import jobs

    expects, _ = seed(reports)
    store = reports.store
    admin = Principal(sub="adm", role="district_admin", district_id="d-1")
    job = jobs.create_job(store, admin, period="2026-11", school_id=SCHOOL, owner="ghost-runner")
    # The ghost rendered the first two students, then died: its lease and watchdog lapse.
    past = store.clock() - timedelta(seconds=1)
    store.db[JOBS].update_one({"_id": job["_id"]}, {"$set": {
        "total": 5, "done": 2, "cursor_school": SCHOOL, "cursor": expects[1]["student_id"], "lease_until": past}})
    store.db[TIMERS].update_one({"_id": jobs.timer_key(job["_id"])}, {"$set": {"due_at": past}})

    done = wait_until(lambda: (j := store.db[JOBS].find_one({"_id": job["_id"]}))["status"] == "done" and j,
                      timeout=30, message="job resumed and finished")
    assert (done["done"], done["claims"], done["owner"]) == (5, 2, None)
    rendered = sorted(d["student_id"] for d in store.db[RENDERED].find({}, {"student_id": 1}))
    assert rendered == [e["student_id"] for e in expects[2:]]
    assert store.db[TIMERS].find_one({"_id": jobs.timer_key(job["_id"])})["status"] == "cancelled"


def test_the_render_pool_renders_what_the_process_renders(reports, monkeypatch):
    from services.common.auth import Principal
    from services.reports.application import jobs
    from services.reports.adapters.rendering import pool as renderer
    from services.reports.application.batch import run_job

    seed(reports)
    monkeypatch.setattr(renderer, "POOL_MIN_STUDENTS", 0)
    admin = Principal(sub="adm", role="district_admin", district_id="d-1")
    contents = []
    for processes in (2, 1):
        job = jobs.create_job(reports.store, admin, period="2026-11", owner=f"runner-{processes}")
        assert run_job(reports.store, job["_id"], f"runner-{processes}", processes=processes)["done"] == 6
        contents.append({d["_id"]: d["content"] for d in reports.store.db[RENDERED].find({})})
    assert len(contents[0]) == 6 and contents[0] == contents[1]
