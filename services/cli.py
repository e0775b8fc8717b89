"""The `confer` command. Each service may add its own group in `services/<name>/cli.py`
(a click group called `cli`); platform tools live in `services/common/cli_*.py`."""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

from services.common.config import DEV_JWT_SECRET, PORTS, SERVICES


@click.group()
def main() -> None:
    """Confer: student-led goal-setting conferences for a school district."""


@main.command()
@click.option("--role", required=True, type=click.Choice(
    ["student", "guardian", "teacher", "school_admin", "district_admin", "service"]))
@click.option("--sub", required=True, help="Person sourcedId, or the service account name.")
@click.option("--district", "district_id", default="org-district", show_default=True,
              help="District sourcedId (the demo district is org-district).")
@click.option("--school", "school_ids", multiple=True, help="School id (repeat for several).")
@click.option("--scope", "scopes", multiple=True, help="Scope for service accounts (repeat).")
@click.option("--ttl", default=3600 * 8, show_default=True, help="Lifetime in seconds.")
def token(role, sub, district_id, school_ids, scopes, ttl):
    """Mint a dev bearer token (HS256 with JWT_SECRET)."""
    from services.common.auth import mint

    secret = os.environ.get("JWT_SECRET") or DEV_JWT_SECRET
    click.echo(mint(secret, sub=sub, role=role, district_id=district_id, school_ids=school_ids, scopes=scopes,
                    ttl=ttl))


@main.command()
@click.argument("service", type=click.Choice(SERVICES))
def worker(service):
    """Run a service's worker: consumer, outbox relay and timers."""
    from services.common.runner import run_worker

    module = importlib.import_module(f"services.{service}")
    run_worker(module.SERVICE)


@main.command()
@click.argument("service", type=click.Choice([*SERVICES, "portal"]))
@click.option("--port", type=int, default=None, help="Default: the service's fixed port.")
@click.option("--workers", type=int, default=None, help="Gunicorn workers (default from CPU count).")
def web(service, port, workers):
    """Run a service's web app under gunicorn with deploy/gunicorn.conf.py."""
    from pathlib import Path

    _require_ready(service)  # before gunicorn: one clear message instead of a worker boot loop

    conf = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"
    default_port = 8000 if service == "portal" else PORTS[service]
    args = [sys.executable, "-m", "gunicorn", "-c", str(conf), "-b", f"0.0.0.0:{port or default_port}"]
    if workers:
        args += ["-w", str(workers)]
    args.append(f"services.{service}:create_app()")
    os.execvp(args[0], args)


def _require_ready(service: str) -> None:
    from services.common.production import NotReadyForProduction, require_ready

    try:
        if service == "portal":
            from services.portal.config import PortalSettings

            PortalSettings.from_env()
        else:
            from services.common.config import Settings

            require_ready(Settings.from_env(service), f"confer web {service}")
    except NotReadyForProduction as exc:  # its message is already on stderr
        sys.exit(exc.code)


@main.command()
@click.option("--data-dir", default=lambda: os.environ.get("CONFER_DATA_DIR", ".data"), show_default=".data")
@click.option("--demo/--no-demo", default=True, help="Load the demo district on first start.")
@click.option("--schools", default=3, show_default=True)
@click.option("--students", default=300, show_default=True)
def dev(data_dir, demo, schools, students):
    """Run everything locally: embedded database, in-process bus, all services."""
    from services.devrunner import run

    run(data_dir=data_dir, demo=demo, schools=schools, students=students)


def _add_plugin_groups() -> None:
    for name in [*SERVICES, "portal"]:
        mod = f"services.{name}.entrypoints.cli" if name != "portal" else "services.portal.cli"
        if importlib.util.find_spec(f"services.{name}") and importlib.util.find_spec(mod):
            main.add_command(importlib.import_module(mod).cli, name)
    for mod in ("services.common.cli_events", "services.common.cli_dlq"):
        if importlib.util.find_spec(mod):
            group = importlib.import_module(mod).cli
            main.add_command(group, group.name)


_add_plugin_groups()

if __name__ == "__main__":
    main()
