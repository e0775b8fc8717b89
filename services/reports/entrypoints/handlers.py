"""What the reports worker consumes and the timers it fires.

Every consumed event goes to one handler, `eventlog.record`: it appends the event to
the event log and runs the projections (`projection.PROJECTORS`: the report read
models plus the platform's roster projection) in the same transaction, so the log and
the read models never disagree and `confer reports rebuild` can replay the log.
"""
from __future__ import annotations

from services.reports.application import jobs
from services.reports.adapters.eventlog import record
from services.reports.application.projection import PROJECTORS

HANDLERS = {name: [record] for name in PROJECTORS}

TIMERS = {jobs.TIMER_KIND: jobs.on_timer}
