"""The worker loop (``flask --app portal worker``): each pass does every feature's due work, then
sends the outbox. It sits above the features, so it imports them; none of them imports it."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .analytics.rollup import ensure_blocks, refresh_due
from .auth.services import send_sign_in_links
from .calendars.background import Background
from .calendars.background import refresh_due as refresh_calendars
from .database import refresh_statistics
from .extensions import db
from .mail.tasks import OUTBOX_PASS_LIMIT, DrainResult, drain_outbox
from .meetings.calendar_sync import write_due as write_calendars
from .meetings.tasks import run_due
from .office_hours.tasks import run_due as run_hours_due
from .timeutil import utcnow

logger = logging.getLogger("portal.mail.tasks")  # the worker's lines keep the name operators grep for
STATISTICS_EVERY = timedelta(hours=24)  # SQLite's planner figures (database.refresh_statistics)
ONCE_WAITS_FOR_CALENDARS = 15.0  # seconds: ``--once`` stores the calendar reads and writes it started


def run_worker(interval: float = 2.0, once: bool = False, should_stop=lambda: False) -> DrainResult:
    """Drain the outbox now and then every ``interval`` seconds until stopped.

    Each pass first runs the conversation chores (``portal.meetings.tasks.run_due``: expire
    unanswered invitations, queue halfway reminders) and the office hours chores
    (``portal.office_hours.tasks.run_due``: windows ahead, go-live mails, talks and windows ending on
    time), so whatever they queue goes out in the same pass, and recounts the analytics cells that changed (``portal.analytics.rollup.refresh_due``). They commit per conversation and never raise for one bad row.
    It also stores the calendar reads and writes that finished and starts the ones due
    (``_calendar_pass``). On SQLite it also refreshes the query planner's figures when it starts and daily.
    """
    total = DrainResult()
    statistics_at = None
    calendars = Background()
    try:
        return _loop(total, statistics_at, calendars, interval, once, should_stop)
    finally:
        calendars.shutdown()


def _calendar_pass(calendars: Background, once: bool) -> None:
    """Store the calendar reads and writes that finished, start the ones due (people's calendars read
    every few minutes, conversations written to CalDAV calendars); they run in threads, off this pass.
    Whatever goes wrong here is logged and left for the next pass: the e-mails go out regardless."""
    try:
        calendars.collect()
        db.session.commit()
        refresh_calendars(calendars, utcnow())
        write_calendars(calendars, current_app.config.get("CALENDAR_KEY"), utcnow())
        db.session.commit()
        if once:
            calendars.collect(ONCE_WAITS_FOR_CALENDARS)
            db.session.commit()
    except sa.exc.OperationalError:
        raise  # the database itself: the pass's own handling says so
    except Exception:
        db.session.rollback()
        logger.exception("calendar pass failed")


def _loop(total, statistics_at, calendars, interval, once, should_stop) -> DrainResult:
    while True:
        try:
            if statistics_at is None:
                ensure_blocks()  # after an upgrade: the analytics' quarter and year sums, once
                db.session.commit()
            if statistics_at is None or utcnow() - statistics_at >= STATISTICS_EVERY:
                began = utcnow()
                refresh_statistics()  # SQLite only: at start, then daily (tried again next pass if it failed)
                statistics_at = began
            send_sign_in_links()  # asked for at /login: looked up and queued here, sent in this pass
            run_due(utcnow())
            run_hours_due(utcnow())  # office hours: windows ahead, go-live mails, timers
            refresh_due(utcnow())  # recount analytics cells that changed, off the page's clock
            db.session.commit()
            _calendar_pass(calendars, once)
            result = drain_outbox(should_stop=should_stop)  # a stop ends the pass after the message in flight
        except sa.exc.OperationalError as error:
            # The database is restarting or briefly unavailable: say so and try again later.
            db.session.rollback()
            logger.warning("outbox worker could not reach the database: %s", error)
            result = DrainResult(errors=[str(error)])
        except Exception as error:  # keep the worker alive; the next pass tries again
            db.session.rollback()
            logger.exception("outbox pass failed")
            result = DrainResult(errors=[f"{type(error).__name__}: {error}"])
        finally:
            db.session.remove()
        if result.sent or result.dead:
            logger.info("outbox: %s sent, %s to retry, %s undeliverable", result.sent, result.retrying, result.dead)
        total.sent += result.sent
        total.retrying += result.retrying
        total.dead += result.dead
        total.errors += result.errors
        if once or should_stop():
            return total
        if result.sent + result.retrying + result.dead >= OUTBOX_PASS_LIMIT:
            continue  # a full pass: more may be waiting, so no pause before the next one
        slept = 0.0
        while slept < interval and not should_stop():
            time.sleep(0.2)
            slept += 0.2
