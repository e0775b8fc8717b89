"""Rendering a chunk of students' reports for a batch job, optionally on a pool of
processes.

`Renderer` holds the lookups many students share (school and teacher names, read once
per job) and builds each report model in the calling process (cheap, pure); rendering
(Jinja for HTML, reportlab for PDF: CPU-bound Python) runs on a `RenderPool` when one
is given, so reports render on every core while the calling process streams students
and commits. The pool's processes are fresh interpreters running `render_worker`
(not forks: the service's worker has threads and a database client; and not
multiprocessing, whose children would re-import the whole service): ~30 MB each.
"""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import Counter

from services.access import StudentDirectory
from services.common import logs

from services.reports.application.facts import labels
from services.reports.domain.model import Period, build_model, choose_lang, homeroom_teacher
from services.reports.entrypoints.render_worker import read_frame, render_one, write_frame
from services.reports.adapters.repository import PEOPLE

POOL_MIN_STUDENTS = 200  # below this, starting processes costs more than it saves
RENDERED_TOTAL = Counter("confer_reports_rendered_total", "Reports rendered by batch jobs", ["format", "outcome"])
log = logs.get("confer.reports.renderer")


def default_processes(fmt: str = "pdf") -> int:
    """PDF (reportlab, ~30 ms a report) renders on up to 4 processes; HTML (~1 ms) in the
    job's own process: starting workers and shipping pages costs more than it saves."""
    if fmt != "pdf":
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))


class RenderPool:
    """Worker processes rendering slices of a chunk; one request in flight per worker."""

    def __init__(self, processes: int):
        root = str(Path(__file__).resolve().parents[4])  # where `services` is importable from
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        self.procs = [subprocess.Popen([sys.executable, "-m", "services.reports.entrypoints.render_worker"], env=env,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(processes)]

    def submit(self, work: list) -> list[int]:
        """Send contiguous slices to the workers; returns the slice sizes for `results`.
        Collect the results before submitting again: a worker blocked writing a big
        answer nobody reads would never read the next request."""
        per = -(-len(work) // len(self.procs)) if work else 0
        sizes = []
        for i, proc in enumerate(self.procs):
            part = work[i * per:(i + 1) * per]
            if part:
                write_frame(proc.stdin, part)
            sizes.append(len(part))
        return sizes

    def results(self, sizes: list[int]):
        for proc, size in zip(self.procs, sizes):
            if size:
                yield from read_frame(proc.stdout)

    def close(self) -> None:
        for proc in self.procs:
            try:
                proc.stdin.close()
            except OSError:
                pass
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def render_pool(processes: int | None, students: int, fmt: str = "pdf"):
    """A pool for a job of `students`, or None (render in this process)."""
    processes = default_processes(fmt) if processes is None else processes
    if processes <= 1 or students < POOL_MIN_STUDENTS:
        yield None
        return
    pool = RenderPool(processes)
    try:
        yield pool
    finally:
        pool.close()


class Renderer:
    def __init__(self, db, job: dict, pool: RenderPool | None = None):
        self.db, self.fmt, self.pool = db, job["format"], pool
        self.period = Period.parse(job["period"])
        self.teachers = labels(db, job["district_id"])["teachers"]
        self.schools = {d["_id"]: d for d in db[StudentDirectory.SCHOOLS].find({"district_id": job["district_id"]})}

    def guardians(self, docs: list[dict]) -> dict:
        firsts = sorted({d["guardian_ids"][0] for d in docs if d.get("guardian_ids")})
        return {g["_id"]: g for g in self.db[PEOPLE].find({"_id": {"$in": firsts}}, {"language": 1})}

    def model(self, doc: dict, guardian: dict | None) -> dict:
        school = self.schools.get(doc.get("school_id")) or {}
        return build_model(doc, self.period, lang=choose_lang(doc, school, guardian=guardian),
                           school_name=school.get("name") or "",
                           teacher_name=self.teachers.get(homeroom_teacher(doc)) or "",
                           time_zone=school.get("time_zone"))

    def submit(self, docs: list[dict]) -> tuple:
        """Build the models and start rendering them (on the pool, if any)."""
        guardians = self.guardians(docs)
        items, failed = [], []
        for doc in docs:
            try:
                items.append((doc, self.model(doc, guardians.get((doc.get("guardian_ids") or [None])[0]))))
            except Exception as exc:  # noqa: BLE001
                failed.append({"student_id": doc["_id"], "error": repr(exc)[:300]})
        work = [(model, self.fmt) for _, model in items]
        return items, failed, (self.pool.submit(work) if self.pool else work)

    def collect(self, pending: tuple) -> tuple[list[dict], list[dict]]:
        """Wait for a submitted chunk: ([{student_id, school_id, lang, content}], [{student_id, error}])."""
        items, failed, sent = pending
        results = self.pool.results(sent) if self.pool else map(render_one, sent)
        done = []
        for (doc, model), (ok, content) in zip(items, results):
            if ok:
                done.append({"student_id": doc["_id"], "school_id": doc.get("school_id"), "lang": model["lang"],
                             "content": content})
            else:
                failed.append({"student_id": doc["_id"], "error": content})
        for f in failed:
            log.warning("report failed", student_id=f["student_id"], error=f["error"])
        RENDERED_TOTAL.labels(self.fmt, "ok").inc(len(done))
        if failed:
            RENDERED_TOTAL.labels(self.fmt, "failed").inc(len(failed))
        return done, failed

    def chunk(self, docs: list[dict]) -> tuple[list[dict], list[dict]]:
        return self.collect(self.submit(docs))
