"""Report jobs: a durable job document and its lifecycle.

The web app only records a job (`create_job`) together with a durable timer due now.
The worker's timer runner fires it (`on_timer`, registered in TIMERS): in that
transaction the job is claimed with a lease and the timer is moved to the lease's end,
where it acts as a watchdog. After the claim commits, a thread of the worker runs the
batch (`batch.run_job`); each chunk it commits extends the lease and moves the watchdog
again. If the worker dies, the watchdog fires once the lease has lapsed and another
worker resumes from the last committed student. A job claimed MAX_CLAIMS times without
finishing is marked failed. `confer reports batch` creates a job already claimed by
itself and runs it in the foreground.
"""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from datetime import timedelta

from services.access import StudentDirectory
from services.common import logs, timers
from services.common.errors import Invalid, NotFound
from services.common.guards import require_role, same_district

from services.reports.domain.model import Period
from services.reports.adapters.repository import JOBS

TIMER_KIND = "report_job"
LEASE = timedelta(seconds=60)
MAX_CLAIMS = 5
FORMATS = ("html", "pdf")
log = logs.get("confer.reports.jobs")


def timer_key(job_id: str) -> str:
    return f"{TIMER_KIND}:{job_id}"


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _arm(uow, job: dict, due) -> None:
    timers.schedule(uow, timer_key(job["_id"]), TIMER_KIND, due, {"job_id": job["_id"]},
                    district_id=job["district_id"], school_id=job.get("school_id"))


def create_job(store, principal, *, period: str, school_id: str | None = None, fmt: str = "html",
               owner: str | None = None) -> dict:
    """Record a job for a school (school or district admin) or the district (district
    admin). With `owner`, the job starts claimed by that runner (the CLI)."""
    Period.parse(period)
    if fmt not in FORMATS:
        raise Invalid(f"Unknown format {fmt!r}.", code="bad_format", errors={"format": ["Use html or pdf."]})
    if school_id:
        require_role(principal, "school_admin", "district_admin")
        district_id = StudentDirectory(store.db).authorize_school(principal, school_id).get("district_id")
    else:
        require_role(principal, "district_admin")
        district_id = principal.district_id

    def work(uow):
        now = uow.now
        job = {"_id": f"job-{uuid.uuid4().hex}", "district_id": district_id, "school_id": school_id,
               "period": period, "format": fmt, "status": "running" if owner else "queued", "total": None,
               "done": 0, "failed": 0, "errors": [], "cursor": "", "claims": 1 if owner else 0,
               "owner": owner, "lease_until": now + LEASE if owner else None,
               "requested_by": {"sub": principal.sub, "role": principal.role},
               "created_at": now, "updated_at": now, "started_at": now if owner else None, "finished_at": None}
        uow.db[JOBS].insert_one(job, session=uow.session)
        _arm(uow, job, now + LEASE if owner else now)
        return job

    return store.atomic(work, district_id=district_id, school_id=school_id)


def get_job(store, principal, job_id: str) -> dict:
    job = store.db[JOBS].find_one({"_id": job_id})
    if job is None or not _may_see(principal, job):
        raise NotFound(f"No report job {job_id}.", code="job_not_found")
    return job


def _may_see(principal, job: dict) -> bool:
    if not same_district(principal, job):
        return False
    if principal.role == "district_admin" or job["requested_by"]["sub"] == principal.sub:
        return True
    return principal.role == "school_admin" and job.get("school_id") in principal.school_ids


def job_view(job: dict) -> dict:
    total = job.get("total")
    return {"id": job["_id"], "status": job["status"], "period": job["period"], "school_id": job.get("school_id"),
            "format": job["format"], "total": total, "done": job.get("done", 0), "failed": job.get("failed", 0),
            "progress": round(job.get("done", 0) / total, 4) if total else (1.0 if job["status"] == "done" else 0.0),
            "errors": job.get("errors", []), "created_at": job["created_at"], "started_at": job.get("started_at"),
            "finished_at": job.get("finished_at")}


def claim(uow, job_id: str, owner: str) -> bool:
    """Take the job if it is queued or its lease lapsed; arm the watchdog."""
    now = uow.now
    job = uow.db[JOBS].find_one({"_id": job_id}, session=uow.session)
    if not job or job["status"] not in ("queued", "running") or (job.get("lease_until") and job["lease_until"] > now):
        return False
    if job.get("claims", 0) >= MAX_CLAIMS:
        uow.db[JOBS].update_one({"_id": job_id}, {"$set": {"status": "failed", "finished_at": now, "updated_at": now,
                                                           "owner": None, "lease_until": None}}, session=uow.session)
        return False
    res = uow.db[JOBS].update_one(
        {"_id": job_id, "status": job["status"], "claims": job.get("claims", 0)},
        {"$set": {"status": "running", "owner": owner, "lease_until": now + LEASE, "updated_at": now,
                  "started_at": job.get("started_at") or now}, "$inc": {"claims": 1}}, session=uow.session)
    if res.modified_count != 1:
        return False
    _arm(uow, job, now + LEASE)
    return True


def extend(uow, job: dict, owner: str, changes: dict) -> None:
    """Record a chunk's progress; raises LostLease when another runner took the job."""
    now = uow.now
    update = {"$set": {**changes.get("$set", {}), "lease_until": now + LEASE, "updated_at": now}}
    update.update({k: v for k, v in changes.items() if k != "$set"})
    res = uow.db[JOBS].update_one({"_id": job["_id"], "owner": owner, "status": "running"}, update,
                                  session=uow.session)
    if res.matched_count != 1:
        raise LostLease(job["_id"])
    _arm(uow, job, now + LEASE)


def finish(store, job: dict, owner: str) -> None:
    def work(uow):
        now = uow.now
        res = uow.db[JOBS].update_one({"_id": job["_id"], "owner": owner, "status": "running"}, {"$set": {
            "status": "done", "finished_at": now, "updated_at": now, "owner": None, "lease_until": None}},
            session=uow.session)
        if res.matched_count != 1:
            raise LostLease(job["_id"])
        timers.cancel(uow, timer_key(job["_id"]))

    store.atomic(work, district_id=job["district_id"])


class LostLease(RuntimeError):
    """Another runner holds the job now: stop without writing."""


def on_timer(uow, timer: dict) -> None:
    """TIMERS callback: claim the job, then run it in a thread once the claim is committed."""
    job_id, owner = timer["payload"]["job_id"], new_owner()
    if claim(uow, job_id, owner):
        threading.Thread(target=_run_when_claimed, args=(uow.store, job_id, owner), daemon=True,
                         name=f"report-job-{job_id[-8:]}").start()


def _run_when_claimed(store, job_id: str, owner: str, wait: float = 30.0) -> None:
    from services.reports.application.batch import run_job

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if store.db[JOBS].find_one({"_id": job_id, "owner": owner}, {"_id": 1}):
            try:
                run_job(store, job_id, owner)
            except LostLease:
                log.info("report job taken over by another runner", job_id=job_id)
            except Exception as exc:  # noqa: BLE001 - the watchdog resumes it after the lease
                log.warning("report job interrupted; it resumes after its lease", job_id=job_id, error=repr(exc))
            return
        time.sleep(0.05)
