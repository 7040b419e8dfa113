"""`flask --app portal purge`: erase decided candidates older than the retention period, and delete
recording files no recording refers to (older than a day)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .services import purge, retention_days, sweep_media


@click.command("purge")
@click.option("--days", type=click.IntRange(1, 36500), default=None,
              help="Retention in days (default: the RETENTION_DAYS setting).")
@click.option("--dry-run", is_flag=True, help="List who would be erased; change nothing.")
@with_appcontext
def purge_command(days, dry_run):
    """Erase the personal data of candidates who decided longer ago than the retention period, and
    delete recording files left behind (no recording refers to them, older than a day)."""
    # Stray files first: they go whatever the retention period (none set still sweeps, then refuses).
    swept = sweep_media(dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    click.echo(f"{verb} {len(swept)} media file(s) that no recording refers to (older than a day).")
    days = days or retention_days()
    if not days:
        raise click.ClickException("No retention period: set RETENTION_DAYS or pass --days.")
    ids = purge(days=days, dry_run=dry_run)
    verb = "Would erase" if dry_run else "Erased"
    click.echo(f"{verb} {len(ids)} candidate(s) decided more than {days} days ago"
               + (f": #{', #'.join(map(str, ids))}" if ids and len(ids) <= 50 else "."))
