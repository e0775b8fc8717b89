"""`confer roster ...`: import a OneRoster bundle, write a demo bundle, finish
interrupted imports. Uses MONGO_URL / MONGO_DB from the environment."""
from __future__ import annotations

import json
import sys
import uuid

import click

from services.common.config import Settings


@click.group()
def cli() -> None:
    """Roster: OneRoster imports and the demo district."""


@cli.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--partial", is_flag=True, help="Import the valid rows and report the bad ones "
                                               "(default: a bundle with errors is rejected whole).")
@click.option("--district", "district_id", default=None,
              help="District id to import into (default: the bundle's district org).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def import_(path, partial, district_id, as_json):
    """Import a OneRoster 1.1 / 1.2 bundle (a folder or a .zip)."""
    from services.common.errors import ConferError
    from services.roster.application.imports import BundleRejected, import_bundle_path

    try:
        summary = import_bundle_path(Settings.from_env("roster"), path, partial=partial, district_id=district_id)
    except BundleRejected as exc:
        for error in exc.row_errors:
            click.echo(str(error), err=True)
        click.echo(f"Rejected: {exc.detail} Fix the rows above, or pass --partial to skip them.", err=True)
        sys.exit(1)
    except ConferError as exc:
        click.echo(f"Error: {exc.detail}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    for error in summary["errors"]:
        click.echo(f"skipped {error['message']}", err=True)
    totals = {k: sum(c[k] for c in summary["counts"].values()) for k in ("create", "update", "deactivate")}
    click.echo(f"{summary['status']}: district {summary['district_id']}, OneRoster {summary['oneroster_version']}, "
               f"{totals['create']} created, {totals['update']} updated, {totals['deactivate']} deactivated, "
               f"{sum(summary['events'].values())} events, {summary['skipped_rows']} records skipped "
               f"({summary['seconds']:.1f} s)")


@cli.command()
@click.option("--schools", default=3, show_default=True)
@click.option("--students", default=300, show_default=True)
@click.option("--out", "out_path", required=True, type=click.Path(), help="Folder (or .zip with --zip).")
@click.option("--version", "version", type=click.Choice(["1.1", "1.2"]), default="1.1", show_default=True)
@click.option("--zip", "as_zip", is_flag=True, help="Write a .zip instead of a folder.")
@click.option("--seed", default=42, show_default=True)
def demo(schools, students, out_path, version, as_zip, seed):
    """Write a deterministic demo district as a OneRoster bundle."""
    from services.roster.adapters.demo.district import generate

    counts = generate(out_path, schools=schools, students=students, seed=seed, version=version, as_zip=as_zip)
    click.echo(json.dumps(counts))


@cli.command()
def recover():
    """Finish imports left unfinished by a crashed importer (roll back or forward)."""
    from services.common.service import make_store
    from services.roster import SERVICE
    from services.roster.application.recovery import recover as run

    store = make_store(SERVICE, Settings.from_env("roster"))
    try:
        click.echo(json.dumps(run(store, f"recover-{uuid.uuid4().hex[:8]}"), default=str))
    finally:
        store.client.close()
