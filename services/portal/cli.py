"""`confer portal ...`: serve the portal (port 8000) under gunicorn, like `confer web`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from services.portal.config import PORTAL_PORT


@click.group()
def cli() -> None:
    """Portal: the pages families, students, teachers and school staff use."""


@cli.command()
@click.option("--port", type=int, default=PORTAL_PORT, show_default=True)
@click.option("--workers", type=int, default=None, help="Gunicorn workers (default from CPU count).")
def web(port, workers):
    """Serve the portal under gunicorn with deploy/gunicorn.conf.py."""
    conf = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"
    args = [sys.executable, "-m", "gunicorn", "-c", str(conf), "-b", f"0.0.0.0:{port}"]
    if workers:
        args += ["-w", str(workers)]
    args.append("services.portal:create_app()")
    os.execvp(args[0], args)
