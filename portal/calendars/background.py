"""Calendar work off the worker's main thread: each read or write of someone's calendar runs in a small
thread pool, network only, and its outcome is stored by the worker's own pass once it is done. A calendar
that takes its full timeout delays nobody: not the e-mails, not the other calendars, not a page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from .errors import CalendarError
from .models import CalendarConnection
from .sealing import SealingError
from .services import READ_TIMEOUT, SEALED, calendars_on, source_of, store_failure, store_reading

logger = logging.getLogger(__name__)
DUE_PER_PASS = 50
CLAIM = timedelta(minutes=2)  # a claimed job not stored by then (its worker died) is taken up again


class Background:
    """Jobs by key (one at a time per key): ``submit`` runs ``work()`` in the pool; ``collect`` calls
    ``done(result_or_exception)`` in the calling thread (with its app context and session) for each
    finished job."""

    def __init__(self, threads: int = 4):
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="calendar")
        self._jobs: dict[tuple, tuple[Future, Callable]] = {}

    def busy(self, key: tuple) -> bool:
        return key in self._jobs

    def submit(self, key: tuple, work: Callable, done: Callable) -> None:
        if key not in self._jobs:
            self._jobs[key] = (self._pool.submit(work), done)

    def collect(self, wait_seconds: float = 0.0) -> int:
        """Store what finished (waiting up to ``wait_seconds`` for the rest); how many were stored."""
        if wait_seconds and self._jobs:
            wait([future for future, _ in self._jobs.values()], timeout=wait_seconds)
        stored = 0
        for key, (future, done) in list(self._jobs.items()):
            if not future.done():
                continue
            del self._jobs[key]
            error = future.exception()
            done(error if error is not None else future.result())
            stored += 1
        return stored

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def claim(model, row_id: int, column, seen, until: datetime) -> bool:
    """Take the job of row ``row_id`` for this worker: ``column`` moves from ``seen`` (as this worker read
    it) to ``until``, or another worker took it first (False). Committed, so the others see it."""
    taken = db.session.execute(
        sa.update(model).where(model.id == row_id, column.is_(None) if seen is None else column == seen)
        .values({column.key: until}).execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return taken


def refresh_due(background: Background, now: datetime) -> int:
    """Start reading every calendar whose time has come (not one already being read, here or by another
    worker: each read is claimed first); how many started. Nothing without CALENDAR_KEY."""
    if not calendars_on():
        return 0
    due = [(row.id, row.next_read_at) for row in db.session.execute(
        sa.select(CalendarConnection.id, CalendarConnection.next_read_at)
        .where(CalendarConnection.next_read_at <= now)
        .order_by(CalendarConnection.next_read_at).limit(DUE_PER_PASS))]
    started = 0
    for connection_id, seen in due:
        key = ("read", connection_id)
        if background.busy(key) or not claim(CalendarConnection, connection_id, CalendarConnection.next_read_at,
                                             seen, now + CLAIM):
            continue
        connection = db.session.get(CalendarConnection, connection_id)
        try:
            source = source_of(connection, now)
        except SealingError:
            logger.error("calendar %s: CALENDAR_KEY no longer opens its sealed address", connection_id)
            store_failure(connection, SEALED, now)
            continue
        background.submit(key, lambda source=source: source.read(now, READ_TIMEOUT),
                          lambda outcome, source=source: _store(source, outcome, now))
        started += 1
    return started


def _store(source, outcome, now: datetime) -> None:
    """A read finished: keep it, unless the calendar was disconnected or replaced meanwhile."""
    connection = db.session.get(CalendarConnection, source.connection_id)
    if connection is None:
        return
    if isinstance(outcome, CalendarError):
        logger.info("calendar %s (%s) not read: %s", connection.id, connection.shown_as, outcome)
        store_failure(connection, outcome.code, now)
    elif isinstance(outcome, BaseException):
        logger.error("calendar %s (%s): reading failed: %s", connection.id, connection.shown_as,
                     type(outcome).__name__)
        store_failure(connection, "server_error", now)
    else:
        store_reading(connection, outcome, now)
