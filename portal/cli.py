"""``flask --app portal …`` commands: seed-demo, create-user, worker, dev-smtp, seed-scale, calendars reseal
(and backup, restore: portal/backup.py).

The two seed commands fill the database from ``demodata`` (made-up people, outside the runtime
package), imported inside the commands so that the portal itself never loads it.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .extensions import db
from .logredact import redact_line


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(dev_smtp_command)
    app.cli.add_command(seed_scale_command)
    from .backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(calendars_command)


@click.group("calendars")
def calendars_command():
    """People's connected calendars."""


@calendars_command.command("reseal")
@with_appcontext
def reseal_command():
    """Seal every calendar's address and password with CALENDAR_KEY's first key (after rotating it)."""
    from .calendars.sealing import SealingError
    from .calendars.services import CalendarsOff, reseal_all

    try:
        count = reseal_all()
    except (CalendarsOff, SealingError) as error:
        db.session.rollback()
        raise click.ClickException(f"Nothing changed: {error}") from None
    db.session.commit()
    click.echo(f"Resealed {count} calendar(s) with the first key of CALENDAR_KEY.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Create (or complete) the demo company. Safe to run again: nothing is duplicated."""
    from demodata.demo import seed_demo

    summary = seed_demo()
    db.session.commit()
    click.echo(
        f"Demo company ready: {summary['users']} accounts ({summary['created']} new), "
        f"{summary['candidates']} candidates at the offer stage."
    )


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--role", type=click.Choice(["candidate", "staff", "recruiter", "admin"]), default="recruiter",
              show_default=True)
@click.option("--name", default="", help="Full name (defaults to the part of the address before @).")
@click.option("--timezone", "zone", default="UTC", show_default=True, help="IANA zone, e.g. Europe/Berlin.")
def create_user_command(email, role, name, zone):
    """Create an account that can sign in with a link mailed to EMAIL."""
    from .auth.services import AccountError, create_user
    from .timeutil import is_valid_timezone

    if not is_valid_timezone(zone):
        raise click.BadParameter(f"{zone!r} is not a time zone name like Europe/Berlin.", param_hint="--timezone")
    try:
        user = create_user(email, name, role, zone)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}. They sign in at {current_app.config['PORTAL_BASE_URL']}/login")


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Send what is due now, then exit (for tests and cron).")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
def worker_command(once, interval):
    """Send queued e-mail (with backoff), conversation reminders, and expire stale invitations."""
    from .worker import run_worker

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):  # --once too (cron): finish the message in flight, then stop
        signal.signal(sig, lambda *_: stop.set())
    if not once:
        click.echo(
            f"Outbox worker sending via {current_app.config['SMTP_HOST']}:{current_app.config['SMTP_PORT']} "
            f"every {interval:g}s (Ctrl-C to stop)."
        )
    result = run_worker(interval=interval, once=once, should_stop=stop.is_set)
    click.echo(f"Outbox: {result.sent} sent, {result.retrying} to retry, {result.dead} undeliverable.")
    for error in result.errors[:5]:  # an SMTP refusal may quote the address: redacted as in the logs
        click.echo(f"  {redact_line(error)}", err=True)


@click.command("dev-smtp")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=None, type=int, help="Defaults to SMTP_PORT.")
@click.option("--dir", "directory", default=None, help="Where to store messages (DEV_MAIL_DIR).")
def dev_smtp_command(host, port, directory):
    """Run a local SMTP server that stores every message for /dev/mail (development only)."""
    import logging

    from .mail.devbox import run_sink

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection

    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("dev-smtp is for development; production sends through a real SMTP server.")
    port = port or int(current_app.config["SMTP_PORT"])
    directory = Path(directory or current_app.config["DEV_MAIL_DIR"])
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"Development SMTP sink on {host}:{port}, storing mail in {directory}")
    run_sink(directory, host, port, stop)


@click.command("seed-scale")
@with_appcontext
@click.option("--candidates", default=100_000, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Candidates at (or past) the offer stage; ~5 conversations each.")
@click.option("--years", default=3, show_default=True, type=click.IntRange(1, 20), help="History length.")
@click.option("--seed", default=42, show_default=True, help="The same seed builds the same history.")
def seed_scale_command(candidates, years, seed):
    """Fill an empty database with years of realistic history (benchmarks). Refuses to run twice."""
    import time

    import sqlalchemy as sa

    from demodata.scale import MARKER_DOMAIN, ScaleError, seed_scale

    from .auth.models import User

    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("seed-scale fills a database with made-up people; it does not run with "
                                   "PORTAL_ENV=production. Use PORTAL_ENV=development with the DATABASE_URL "
                                   "of a database meant for it.")
    started = time.perf_counter()
    try:
        counts = seed_scale(candidates=candidates, years=years, seed=seed, echo=click.echo)
    except ScaleError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Scale data ready in {time.perf_counter() - started:.1f} s:")
    for key, value in counts.items():
        click.echo(f"  {key.replace('_', ' ')}: {value:,}")
    recruiter = db.session.scalar(sa.select(User.email).order_by(User.id).where(
        User.role == "recruiter", User.email.like(f"%@{MARKER_DOMAIN}")))
    click.echo(f"Sign in as a recruiter with {recruiter} (the link arrives in the development mailbox).")
