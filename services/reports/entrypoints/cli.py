"""`confer reports ...`: batch rendering and rebuilding the read models.

    confer reports batch --period 2026-11 [--school ID] [--format html|pdf] [--district ID]
    confer reports rebuild [--yes]
    confer reports events            # how many events the log holds, by type

Both use MONGO_URL / MONGO_DB like the service. Rebuild while the reports worker is
stopped: events it projected during a rebuild could be dropped with the old models.
"""
from __future__ import annotations

import time

import click

from services.access import StudentDirectory
from services.common.auth import Principal
from services.common.config import Settings
from services.common.service import make_store


def _store():
    from services.reports import SERVICE

    store = make_store(SERVICE, Settings.from_env("reports"))
    store.ensure_indexes()
    return store


def _district(store, school_id: str | None, district_id: str | None) -> str:
    if district_id:
        return district_id
    if school_id:
        school = StudentDirectory(store.db).school(school_id)
        if school is None:
            raise click.UsageError(f"no school {school_id} in the reports read model")
        return school["district_id"]
    found = store.db[StudentDirectory.SCHOOLS].distinct("district_id")
    if len(found) != 1:
        raise click.UsageError(f"pass --district (the read model holds {len(found)} districts)")
    return found[0]


@click.group()
def cli() -> None:
    """Progress reports: batch rendering and read-model rebuilds."""


@cli.command()
@click.option("--period", required=True, help="Reporting month, e.g. 2026-11.")
@click.option("--school", "school_id", default=None, help="One school (default: the whole district).")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), default="html", show_default=True)
@click.option("--district", "district_id", default=None, help="District id (default: the only one known).")
def batch(period, school_id, fmt, district_id):
    """Render every student's report for a period, store it and emit ReportReady."""
    from services.reports.application import jobs
    from services.reports.application.batch import run_job

    store = _store()
    district_id = _district(store, school_id, district_id)
    operator = Principal(sub="cli:confer-reports", role="district_admin", district_id=district_id)
    owner = jobs.new_owner()
    job = jobs.create_job(store, operator, period=period, school_id=school_id, fmt=fmt, owner=owner)
    click.echo(f"job {job['_id']}: {fmt} reports for {school_id or 'district ' + district_id}, {period}")
    started = time.perf_counter()
    bar = None

    def on_total(total, done):
        nonlocal bar
        bar = click.progressbar(length=total, label="Rendering", show_pos=True, show_eta=True)
        bar.__enter__()
        bar.update(done)

    try:
        job = run_job(store, job["_id"], owner, on_progress=lambda n: bar and bar.update(n), on_total=on_total)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    elapsed = time.perf_counter() - started
    click.echo(f"done: {job['done']} rendered, {job['failed']} failed in {elapsed:.1f} s "
               f"({elapsed / max(job['done'], 1) * 1000:.1f} ms per student)")
    for err in job.get("errors") or []:
        click.echo(f"  failed {err['student_id']}: {err['error']}", err=True)


@cli.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def rebuild(yes):
    """Drop the read models and replay the event log into them."""
    from services.reports.adapters.eventlog import rebuild as do_rebuild
    from services.reports.adapters.repository import EVENT_LOG

    store = _store()
    total = store.db[EVENT_LOG].estimated_document_count()
    if not yes:
        click.confirm(f"Drop the reports read models and replay {total} events?", abort=True)
    started = time.perf_counter()
    with click.progressbar(length=total, label="Replaying", show_pos=True) as bar:
        count = do_rebuild(store, progress=bar.update)
    click.echo(f"replayed {count} events in {time.perf_counter() - started:.1f} s")


@cli.command()
def events():
    """Count the logged events by type."""
    from collections import Counter

    from services.reports.adapters.repository import EVENT_LOG

    counts = Counter(d["name"] for d in _store().db[EVENT_LOG].find({}, {"name": 1}))
    for name, n in sorted(counts.items()):
        click.echo(f"{n:8d}  {name}")
