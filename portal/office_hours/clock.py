"""What pollers compare against: one row whose ``version`` moves with every change a presence or
queue page shows, and ``due_at``, the earliest moment a timer changes something.

A poll reads this one row (``stamp``): when nothing changed it answers 204 (or 304 to an ETag)
without loading anything else. When ``due_at`` has passed it first lets the timers act
(``queue.settle``), so a talk ends on time whoever's browser is open. While any window is live the
stamp also moves each minute, for the "18 min left" shown on pages.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..meetings.models import Meeting
from .models import EntryStatus, HoursClock, HoursEntry, HoursWindow, WindowStatus

CLOCK_ID = 1


def _row() -> HoursClock:
    row = db.session.get(HoursClock, CLOCK_ID)
    if row is None:  # the migration inserts it; a schema built by create_all starts without it
        try:
            with db.session.begin_nested():
                db.session.add(HoursClock(id=CLOCK_ID, version=0, live=0))
        except IntegrityError:  # another transaction made it a moment ago
            pass
        row = db.session.get(HoursClock, CLOCK_ID)
    return row


def next_due(now: datetime) -> datetime | None:
    """The earliest end of a live or scheduled window or of a running talk (one query each)."""
    window_end = db.session.scalar(sa.select(sa.func.min(HoursWindow.end_at)).where(
        HoursWindow.status.in_((WindowStatus.LIVE, WindowStatus.SCHEDULED))))
    talk_end = db.session.scalar(
        sa.select(sa.func.min(Meeting.end_at)).join(HoursEntry, HoursEntry.meeting_id == Meeting.id)
        .where(HoursEntry.status == EntryStatus.TALKING))
    times = [time for time in (window_end, talk_end) if time is not None]
    return min(times) if times else None


def changed(now: datetime) -> None:
    """Something pollers show changed (flush, no commit): move the version, recompute the timers.
    The version moves first, in one UPDATE that takes the row lock, so concurrent changes each move
    it and queue there; ``live`` and ``due_at`` are counted after it, once the changes committed before
    ours are visible (counted before the lock, two windows going live at once both wrote ``live=1``,
    and the later writer's ``due_at`` could hide the other's earlier timer)."""
    _row()
    db.session.execute(sa.update(HoursClock).where(HoursClock.id == CLOCK_ID)
                       .values(version=HoursClock.version + 1).execution_options(synchronize_session=False))
    live = db.session.scalar(sa.select(sa.func.count()).select_from(HoursWindow)
                             .where(HoursWindow.status == WindowStatus.LIVE))
    db.session.execute(sa.update(HoursClock).where(HoursClock.id == CLOCK_ID)
                       .values(due_at=next_due(now), live=live).execution_options(synchronize_session=False))
    db.session.flush()


def read() -> tuple[int, datetime | None, int]:
    """(version, due_at, live windows) in one small query; (0, None, 0) before anything happened."""
    row = db.session.execute(_read_statement()).first()
    return (row.version, row.due_at, row.live) if row else (0, None, 0)


@cache
def _read_statement() -> sa.Select:
    """Built once: every page with office hours on it, and every poll, reads the clock."""
    return sa.select(HoursClock.version, HoursClock.due_at, HoursClock.live).where(HoursClock.id == CLOCK_ID)


def stamp_of(version: int, live: int, now: datetime) -> str:
    """The poll's ETag: the version, and the minute while anything is live (minutes left move)."""
    return f"{version}.{int(now.timestamp() // 60)}" if live else str(version)
