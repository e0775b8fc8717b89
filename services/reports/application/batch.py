"""Running a report job: stream the students of a school or the district, render each
report, and commit chunk by chunk.

Streaming: a cursor per school over `report_students` in _id order (batch_size =
chunk), from the job's last committed (school, student), so a resumed job skips what
is done and memory holds a few chunks, never the district. Lookups that many students
share (school and teacher names) are read once per job; guardians' languages once per
chunk. Rendering runs on a pool of render processes for big jobs (renderer.py).

Language: a batch report is for the family, so it is rendered in the language of the
student's first linked guardian, else the student's, else the school's first language.

Each chunk is one transaction: the rendered reports (replaced into `rendered_reports`,
one document per student, period and format; HTML gzipped), one ReportReady per student
into the outbox, and the job's progress, cursor and lease. Rendering the next chunk
overlaps with committing the previous one (a writer thread; the database is another
process), and chunks commit in order. A student whose report cannot be rendered is
counted as failed and named in the job's errors; the job goes on.
"""
from __future__ import annotations

import gzip
import queue
import threading
from typing import Callable, Iterator

from pymongo import ASCENDING, ReplaceOne

from services.reports.application import jobs
from services.reports.adapters.rendering.pool import Renderer, render_pool
from services.reports.adapters.repository import JOBS, RENDERED, STUDENTS, scope_filter

CHUNK = {"html": 500, "pdf": 50}  # students per transaction (~2 MB of reports and events)
MAX_ERRORS = 20


def report_id(period: str, student_id: str) -> str:
    return f"rpt-{period}-{student_id}"


def rendered_id(report: str, fmt: str) -> str:
    """One document per report and format, so a re-run replaces it whole (a replace is
    about half the database work of a partial update)."""
    return f"{report}:{fmt}"


def job_query(job: dict) -> dict:
    return {**scope_filter(job["district_id"], job.get("school_id")), "active": {"$ne": False}}


def students(db, job: dict, size: int) -> Iterator[tuple[str, dict]]:
    """(school key, student) in (school, _id) order from the job's cursor. One school at
    a time: the index (district_id, school_id, _id) serves each query, and a server that
    sorts in memory sorts one school, never the district. Inactive students are skipped."""
    if job.get("school_id"):
        schools = [job["school_id"]]
    else:
        schools = sorted(s or "" for s in db[STUDENTS].distinct("school_id", {"district_id": job["district_id"]}))
    done_school, last = job.get("cursor_school") or "", job.get("cursor") or ""
    for school in schools:
        if school < done_school:
            continue
        query = {"district_id": job["district_id"], "school_id": school or None,
                 "_id": {"$gt": last if school == done_school else ""}}
        for doc in db[STUDENTS].find(query).sort("_id", ASCENDING).batch_size(size):
            if doc.get("active") is not False:
                yield school, doc


def commit_chunk(store, job: dict, owner: str, done: list[dict], failed: list[dict], cursor: tuple[str, str],
                 errors_left: int) -> None:
    fmt, period = job["format"], job["period"]
    # HTML is stored gzipped (a quarter of the bytes for the database to take in) and
    # served as is to clients that accept gzip; PDF streams are compressed already.
    encoding = "gzip" if fmt == "html" else None
    stored = [gzip.compress(r["content"].encode(), compresslevel=1, mtime=0) if encoding else r["content"]
              for r in done]

    def work(uow):
        changes = {"$set": {"cursor_school": cursor[0], "cursor": cursor[1]},
                   "$inc": {"done": len(done), "failed": len(failed)}}
        if failed and errors_left > 0:
            changes["$push"] = {"errors": {"$each": failed[:errors_left]}}
        jobs.extend(uow, job, owner, changes)
        if not done:
            return
        now = uow.now
        docs = [{"report_id": report_id(period, r["student_id"]), "format": fmt, "student_id": r["student_id"],
                 "school_id": r["school_id"], "district_id": job["district_id"], "period": period, "lang": r["lang"],
                 "job_id": job["_id"], "content": stored[i], "encoding": encoding, "rendered_at": now}
                for i, r in enumerate(done)]
        uow.db[RENDERED].bulk_write([ReplaceOne({"_id": rendered_id(d["report_id"], fmt)}, d, upsert=True)
                                     for d in docs], ordered=False, session=uow.session)
        for r in done:
            uow.emit("ReportReady", {"report_id": report_id(period, r["student_id"]), "student_id": r["student_id"],
                                     "school_id": r["school_id"], "period": period, "formats": [fmt]},
                     subject=r["student_id"], school_id=r["school_id"])

    store.atomic(work, district_id=job["district_id"])


class _Writer:
    """Commits chunks in order on a thread, at most one chunk behind the renderer."""

    def __init__(self, store, job: dict, owner: str, on_progress: Callable[[int], None] | None):
        self.store, self.job, self.owner, self.on_progress = store, job, owner, on_progress
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.errors_left = MAX_ERRORS - len(job.get("errors") or [])
        self.thread = threading.Thread(target=self._loop, daemon=True, name="report-writer")
        self.thread.start()

    def _loop(self) -> None:
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    done, failed, school, last = item
                    commit_chunk(self.store, self.job, self.owner, done, failed, (school, last), self.errors_left)
                    self.errors_left -= len(failed)
                    if self.on_progress:
                        self.on_progress(len(done) + len(failed))
                except BaseException as exc:  # noqa: BLE001 - re-raised by put/close
                    self.error = exc

    def put(self, item) -> None:
        if self.error:
            raise self.error
        self.queue.put(item)

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error:
            raise self.error


def run_job(store, job_id: str, owner: str, *, on_progress: Callable[[int], None] | None = None,
            on_total: Callable[[int, int], None] | None = None, processes: int | None = None) -> dict:
    """Run (or resume) a claimed job to the end; returns the finished job document.
    `processes`: render pool size (default: PDF on the CPUs available, up to 4; HTML inline)."""
    db = store.db
    job = db[JOBS].find_one({"_id": job_id, "owner": owner})
    if job is None:
        raise jobs.LostLease(job_id)
    query = job_query(job)
    if job.get("total") is None:
        total = db[STUDENTS].count_documents(query)
        store.atomic(lambda uow: jobs.extend(uow, job, owner, {"$set": {"total": total}}))
        job["total"] = total
    if on_total:
        on_total(job["total"], job.get("done", 0) + job.get("failed", 0))
    with render_pool(processes, job["total"] - job.get("done", 0), job["format"]) as pool:
        _stream(store, job, owner, Renderer(db, job, pool), _Writer(store, job, owner, on_progress))
    jobs.finish(store, job, owner)
    return db[JOBS].find_one({"_id": job_id})


def _stream(store, job: dict, owner: str, renderer: Renderer, writer: _Writer) -> None:
    """Chunks of one school at a time: chunk k renders (on the pool) while chunk k-1 is
    handed to the writer, which commits it after chunk k-2."""
    size = CHUNK[job["format"]]
    batch: list[dict] = []
    school = None
    pending = None

    def send():
        nonlocal pending, batch
        ready = (*renderer.collect(pending[0]), *pending[1]) if pending else None
        pending = (renderer.submit(batch), (school, batch[-1]["_id"])) if batch else None
        batch = []
        if ready:  # the pool renders the next chunk meanwhile
            writer.put(ready)

    try:
        for doc_school, doc in students(store.db, job, size):
            if batch and doc_school != school:  # a chunk never spans two schools (the cursor is per school)
                send()
            school = doc_school
            batch.append(doc)
            if len(batch) >= size:
                send()
        send()
        send()
    finally:
        writer.close()
