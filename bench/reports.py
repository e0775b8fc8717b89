"""Whole-district report batch vs rendering the same reports with no data access.

Seeds the reports read models for a demo district (default 5,000 students in 10
schools, 2 goals each, 4 check-ins per goal, roster, invitations, bookings, conferences,
parent input, follow-ups: ~22 events per student) through the projection functions'
bulk path (the one `confer reports rebuild` uses, event log included), then runs the
real batch job (`batch.run_job`: stream students, render, store, ReportReady per student
into the outbox, progress) in HTML and PDF. The baseline renders the same students'
reports from documents already in memory (build the model + render; no database), in
the same chunks on the same render pool (same placement).

Prints per format: batch seconds, ms per student, baseline seconds, ratio
(baseline / batch, 1.0 = no overhead), and peak memory (RSS of this process sampled
during the batch, ru_maxrss, and the database server's RSS).

    .venv/bin/python bench/reports.py [--students 5000] [--schools 10] [--repeat 3]
                                      [--pdf-students N]   # PDF on the first N students' schools
                                      [--processes N] [--formats html,pdf] [--no-log]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import signal
import statistics
import os
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Benchmarks run the services with dev secrets, like the tests.
os.environ.setdefault("CONFER_DEV_MODE", "1")

import psutil  # noqa: E402

from services.access import StudentDirectory# noqa: E402
from services.common.auth import Principal  # noqa: E402
from services.common.catalogue import latest  # noqa: E402
from services.common.consumer import Event  # noqa: E402
from services.common.envelope import new_event  # noqa: E402
from services.common.store import Store  # noqa: E402
from services.common.testing import MongoDaemon  # noqa: E402
from services.reports.application import jobs
from services.reports.adapters import repository  # noqa: E402
from services.reports.application.batch import CHUNK, job_query, run_job  # noqa: E402
from services.reports.adapters.eventlog import replay  # noqa: E402
from services.reports.adapters.rendering.pool import Renderer, default_processes, render_pool  # noqa: E402
from services.reports.adapters.repository import STUDENTS  # noqa: E402

DISTRICT = "org-district"
T0 = dt.datetime(2026, 9, 20, 15, 0, tzinfo=dt.timezone.utc)
GIVEN = ("José", "Ana", "Nguyễn", "Liam", "Sofía", "Amina", "Wei", "Noah", "Camila", "Omar")
FAMILY = ("Muñoz", "García", "Trần", "Smith", "Peña", "Hassan", "Chen", "Johnson", "López", "Ali")
LANGS = ("en",) * 13 + ("es",) * 5 + ("vi", "so")
STATUSES = ("on_track", "on_track", "needs_support", "achieved")
SPECS: dict[str, object] = {}


def ev(name: str, data: dict, at: dt.datetime, school: str | None) -> Event:
    """An event as the consumer would see it (catalogue-valid; see `check_sample`)."""
    spec = SPECS.get(name) or SPECS.setdefault(name, latest(name))
    return Event(str(uuid.uuid4()), spec.type, name, spec.version, None, at.isoformat().replace("+00:00", "Z"), data,
                 None, DISTRICT, school)


def district(students: int, schools: int, seed: int = 42):
    rng = random.Random(seed)
    for s in range(schools):
        yield ev("SchoolUpdated", {"school_id": f"sch-{s:03d}", "name": f"{GIVEN[s % 10]} Elementary {s}",
                                   "time_zone": "America/Los_Angeles", "languages": ["en", "es"], "active": True},
                 T0, f"sch-{s:03d}")
    teachers = set()
    for i in range(students):
        school, n = f"sch-{i % schools:03d}", i // schools
        teacher, sid, gid, bid = f"tch-{i % schools:03d}-{n // 22:03d}", f"stu-{i:06d}", f"grd-{i:06d}", f"bk-{i:06d}"
        at = T0 + dt.timedelta(seconds=i)
        if teacher not in teachers:
            teachers.add(teacher)
            yield ev("PersonProfileChanged", {"person_id": teacher, "role": "teacher", "given_name": rng.choice(GIVEN),
                                              "family_name": rng.choice(FAMILY), "school_ids": [school]}, at, school)
        family, lang = rng.choice(FAMILY), rng.choice(LANGS)
        yield ev("PersonProfileChanged", {"person_id": sid, "role": "student", "given_name": rng.choice(GIVEN),
                                          "family_name": family, "language": "en", "school_ids": [school],
                                          "grade": str(n % 6)}, at, school)
        yield ev("StudentEnrolled", {"student_id": sid, "school_id": school, "class_id": f"cls-{teacher}",
                                     "teacher_ids": [teacher], "grade": str(n % 6), "school_year": "2026-2027"},
                 at, school)
        yield ev("PersonProfileChanged", {"person_id": gid, "role": "guardian", "given_name": rng.choice(GIVEN),
                                          "family_name": family, "language": lang, "school_ids": [school]}, at, school)
        yield ev("GuardianLinked", {"guardian_id": gid, "student_id": sid, "school_id": school}, at, school)
        yield ev("InvitationDue", {"window_id": f"w-{school}", "school_id": school, "guardian_id": gid,
                                   "student_ids": [sid], "booking_closes_at": "2026-10-10T00:00:00Z"}, at, school)
        if rng.random() < 0.6:
            yield ev("ParentInputSubmitted", {"student_id": sid, "guardian_id": gid, "school_id": school,
                                              "cycle": "2026-fall", "private_talk_requested": rng.random() < 0.1,
                                              "family_goal_count": rng.randint(1, 3)}, at, school)
        start = f"2026-10-{12 + n % 5:02d}T{15 + n % 4}:00:00Z"
        yield ev("ConferenceBooked", {"booking_id": bid, "window_id": f"w-{school}", "school_id": school,
                                      "student_id": sid, "teacher_id": teacher, "guardian_id": gid, "start": start,
                                      "end": start.replace(":00:00Z", ":20:00Z"), "modality": "in_person",
                                      "booked_by_role": "guardian"}, at, school)
        conf = {"booking_id": bid, "school_id": school, "student_id": sid, "teacher_id": teacher, "cycle": "2026-fall"}
        if rng.random() < 0.9:
            yield ev("ConferenceHeld", {**conf, "held_at": start}, at, school)
            yield ev("FollowUpDue", {**conf, "guardian_ids": [gid], "due_at": "2026-10-28T14:00:00Z"}, at, school)
        else:
            yield ev("ConferenceNoShow", {**conf, "start": start}, at, school)
        for g in range(2):
            yield from goal(rng, sid, school, f"goal-{i:06d}-{g}", g, at)


def goal(rng, sid: str, school: str, goal_id: str, g: int, at: dt.datetime):
    base = {"goal_id": goal_id, "student_id": sid, "school_id": school}
    yield ev("GoalCreated", {**base, "cycle": "2026-fall", "focus_kind": "standard", "term": ("short", "long")[g],
                             "status": "draft", "target_date": "2026-12-18"}, at, school)
    yield ev("GoalContentChanged", {
        **base, "statement": ("Read 20 minutes every night and retell the story", "Know my multiplication facts")[g],
        "focus": {"kind": "standard", "label": ("Reading fluency", "Multiplication")[g], "code": ("RL.4", "4.OA")[g]},
        "term": ("short", "long")[g], "status": "agreed",
        "plan": {"specific_actions": ["Practise every day", "Keep a log", "Show my teacher on Fridays"],
                 "trackable": {"method": "Weekly check", "measure": None},
                 "achievable_reasons": ["I like it", "My family helps"], "target_date": "2026-12-18"},
        "supports": {"teacher": ["Weekly check-in"], "family": ["Ask me about it"], "student": ["Keep the log"]},
        "next_steps": "Keep going"}, at + dt.timedelta(days=20), school)
    for c in range(4):
        yield ev("GoalProgressRecorded", {
            **base, "checkin_id": f"ck-{goal_id}-{c}", "date": (dt.date(2026, 10, 5) + dt.timedelta(days=14 * c
                                                                                                  )).isoformat(),
            "status": rng.choice(STATUSES), "value": float(rng.randint(2, 20)), "recorded_by_role": "student"},
            at + dt.timedelta(days=21 + 14 * c), school)


def check_sample(n: int = 60) -> None:
    """The generated data is valid against the event catalogue (what the bus would carry)."""
    for e in list(district(3, 1))[:n]:
        new_event(latest(e.name), e.data, subject=None, district_id=DISTRICT, school_id=e.school_id)


class PeakRss:
    """Peak RSS of this process plus its render pool (not the database server), sampled."""

    def __init__(self, exclude: int):
        self.proc, self.exclude, self.peak, self._stop = psutil.Process(), exclude, 0, threading.Event()

    def rss(self) -> int:
        total = self.proc.memory_info().rss
        for child in self.proc.children(recursive=True):
            try:
                if child.pid != self.exclude:
                    total += child.memory_info().rss
            except psutil.Error:
                pass
        return total

    def __enter__(self):
        self.peak = self.rss()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.rss())

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()


def run_batch(store, fmt: str, school_ids: list[str] | None, processes: int | None) -> tuple[float, int]:
    admin = Principal(sub="bench", role="district_admin", district_id=DISTRICT)
    took, done = 0.0, 0
    for school in school_ids or [None]:
        owner = jobs.new_owner()
        started = time.perf_counter()
        job = jobs.create_job(store, admin, period="2026-11", school_id=school, fmt=fmt, owner=owner)
        job = run_job(store, job["_id"], owner, processes=processes)
        took += time.perf_counter() - started
        done += job["done"]
        assert job["failed"] == 0, job["errors"]
    return took, done


class MemoryRenderer(Renderer):
    """The batch's renderer with guardians from memory: no database access at all."""

    def __init__(self, db, job, pool, guardians):
        super().__init__(db, job, pool)
        self.all_guardians = guardians

    def guardians(self, docs):
        return self.all_guardians


def baseline(store, fmt: str, school_ids: list[str] | None, processes: int | None) -> tuple[float, int]:
    """Build the models and render the same students' reports from documents already in
    memory, chunk by chunk on the same pool as the batch (same placement), no database."""
    job = {"district_id": DISTRICT, "school_id": None, "format": fmt, "period": "2026-11"}
    query = job_query(job)
    if school_ids:
        query["school_id"] = {"$in": school_ids}
    docs = list(store.db[STUDENTS].find(query).sort([("school_id", 1), ("_id", 1)]))
    guardians = {d["_id"]: d for d in store.db["people"].find({"role": "guardian"}, {"language": 1})}
    size = CHUNK[fmt]
    started = time.perf_counter()
    with render_pool(processes, len(docs), fmt) as pool:
        renderer, pending, count = MemoryRenderer(store.db, job, pool, guardians), None, 0
        for i in range(0, len(docs), size):  # the batch's order: collect chunk k-1, submit chunk k
            if pending is not None:
                count += len(renderer.collect(pending)[0])
            pending = renderer.submit(docs[i:i + size])
        count += len(renderer.collect(pending)[0]) if pending else 0
    took = time.perf_counter() - started
    assert count == len(docs)
    return took, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--schools", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="HTML runs (median quoted); PDF runs once")
    parser.add_argument("--pdf-students", type=int, default=None, help="PDF only for about N students (whole schools)")
    parser.add_argument("--processes", type=int, default=None,
                        help="render pool size (default: the batch's own choice; 1 = inline)")
    parser.add_argument("--formats", default="html,pdf")
    parser.add_argument("--no-log", action="store_true", help="seed the read models without the event log")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so the database server is stopped too
    check_sample()
    daemon = MongoDaemon(transaction_lifetime=60).start()
    try:
        store = Store(daemon.url, "bench_reports", service="reports")
        store.on_indexes(repository.ensure_indexes)
        store.ensure_indexes()
        t = time.perf_counter()
        n_events = replay(store, district(args.students, args.schools), log=not args.no_log)
        print(f"seeded {n_events} events for {args.students} students in {time.perf_counter() - t:.1f} s "
              f"(bulk projection path, event log {'not ' if args.no_log else ''}included); "
              f"render processes: html {args.processes or default_processes('html')}, "
              f"pdf {args.processes or default_processes('pdf')}; load average {psutil.getloadavg()[0]:.1f}")
        server = psutil.Process(daemon.proc.pid)
        renderer_warmup(store)
        schools = sorted(d["_id"] for d in store.db[StudentDirectory.SCHOOLS].find({}, {"_id": 1}))
        for fmt, repeat in [(f, args.repeat if f == "html" else 1) for f in args.formats.split(",")]:
            subset = None
            if fmt == "pdf" and args.pdf_students and args.pdf_students < args.students:
                per = args.students / args.schools
                subset = schools[:max(1, round(args.pdf_students / per))]
            runs, bases, peaks = [], [], []
            for _ in range(repeat):  # interleaved, so both see the same machine load
                with PeakRss(exclude=daemon.proc.pid) as peak:
                    runs.append(run_batch(store, fmt, subset, args.processes))
                peaks.append(peak.peak)
                bases.append(baseline(store, fmt, subset, args.processes))
            took, done = statistics.median(r[0] for r in runs), runs[0][1]
            base = statistics.median(b[0] for b in bases)
            scope = "district" if subset is None else f"{len(subset)} schools"
            print(f"{fmt.upper():4s} batch ({scope}, {done} students, median of {repeat}): {took:7.1f} s = "
                  f"{took / done * 1000:6.2f} ms/student | baseline (render only) {base:7.1f} s = "
                  f"{base / done * 1000:6.2f} ms/student | ratio baseline/batch {base / took:.2f}x")
            if subset is not None:
                print(f"     extrapolated to {args.students} students: {took / done * args.students:.0f} s")
            print(f"     peak RSS during batch {max(peaks) / 2**20:.0f} MB (this process + render pool); ru_maxrss "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
                  f"database server RSS {server.memory_info().rss / 2**20:.0f} MB; "
                  f"load average {psutil.getloadavg()[0]:.1f}")
        print(f"outbox: {store.db['outbox'].count_documents({})} ReportReady events; "
              f"rendered_reports: {store.db['rendered_reports'].count_documents({})}")
    finally:
        daemon.cleanup()


def renderer_warmup(store) -> None:
    """Import reportlab, register fonts, compile templates before anything is timed."""
    job = {"district_id": DISTRICT, "school_id": None, "format": "pdf", "period": "2026-11"}
    doc = store.db[STUDENTS].find_one({})
    Renderer(store.db, job).chunk([doc])
    Renderer(store.db, {**job, "format": "html"}).chunk([doc])


if __name__ == "__main__":
    main()
