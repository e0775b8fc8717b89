"""The reports service: read models built only from events, progress reports (HTML /
PDF, in the family's language), conference summaries, school and district dashboards
(JSON / HTML / CSV) and batch report jobs. `create_app()` is the web app; `confer worker
reports` runs its consumer, outbox relay and timers (which run the batch jobs).

    handlers.py    every consumed event -> eventlog.record (log + projection.py)
    eventlog.py    the event log, the bulk replay path, `rebuild`
    model.py       report models from a student's read-model document (pure)
    facts.py       dashboard rows from the same documents
    services.py    the read use cases; api.py / schemas.py the HTTP surface
    jobs.py        durable report jobs (claim, lease, watchdog timer); batch.py runs them
    cli.py         `confer reports batch | rebuild | events`
    render.py, pdf.py, charts.py, dashboard.py   rendering (no I/O)
"""
from __future__ import annotations


def create_app(config: dict | None = None, *, store=None):
    from services.common.config import Settings
    from services.common.service import build_app

    settings = Settings.from_env("reports", **(config or {}))
    return build_app(__getattr__("SERVICE"), settings, store=store)


def __getattr__(name: str):
    # SERVICE is built on first use, so importing a light module of this package (the
    # render worker processes import only render.py) does not pull in Flask and pymongo.
    if name == "SERVICE":
        if "SERVICE" not in globals():
            from services.common.service import ServiceDefinition

            # Every part named here; a reference that does not resolve stops the process at start.
            globals()["SERVICE"] = ServiceDefinition.declare(
                "reports",
                blueprints="services.reports.entrypoints.http:blueprints",
                handlers="services.reports.entrypoints.handlers:HANDLERS",
                timers="services.reports.entrypoints.handlers:TIMERS",
                indexes="services.reports.adapters.repository:ensure_indexes",
            )
        return globals()["SERVICE"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
