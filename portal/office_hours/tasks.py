"""Office hours chores the outbox worker runs on every pass (``portal.worker.run_worker``).

``run_due(now)``:
- series are kept turned into windows WEEKS_AHEAD ahead (``windows.materialize``), but only for a
  series whose last window is less than three weeks ahead: one query on a pass with nothing to do;
- ten minutes before a scheduled window the person gets the "Go live" e-mail (``notify.go_live_mail``),
  once: a window whose mail is queued already is not looked at again (no fresh token each pass);
- the timers (``queue``): a talk past its end ends, a window past its end closes and those still
  waiting are told, automatic admission lets the next one in, whether or not anyone's page is open.
  Only when the poll clock says something is due (``clock.due_at``), so a quiet pass doesn't move
  the version every page compares against.

Each series and each window is handled in its own short transaction, so one bad row is logged and
skipped rather than holding up the rest (or the outbox after it). Safe in several workers at once:
windows are unique per series and start, mails have dedupe keys, timers are compare-and-sets.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..auth.models import User
from ..extensions import db
from ..mail.models import OutboxMessage
from . import clock, notify, queue, windows
from .models import HoursSeries, HoursWindow, WindowStatus

logger = logging.getLogger(__name__)

TOP_UP_WHEN_LESS_THAN = timedelta(weeks=windows.WEEKS_AHEAD - 1)


@dataclass
class HoursDue:
    windows_made: int = 0
    go_live_mails: int = 0
    settled: int = 0
    errors: list[str] = field(default_factory=list)


def _each(ids: list[int], work, result: HoursDue, what: str) -> int:
    done = 0
    for row_id in ids:
        try:
            done += work(row_id) or 0
            db.session.commit()
        except Exception as error:  # one bad row must not stop the others
            db.session.rollback()
            result.errors.append(f"{what} {row_id}: {type(error).__name__}: {error}"[:2000])
            logger.exception("office hours chore failed for %s %s", what, row_id)
    return done


def series_to_top_up(now: datetime) -> list[int]:
    """Series whose last window starts less than three weeks ahead (or that have none): one query."""
    latest = (sa.select(sa.func.max(HoursWindow.start_at)).where(HoursWindow.series_id == HoursSeries.id)
              .correlate(HoursSeries).scalar_subquery())
    return list(db.session.scalars(sa.select(HoursSeries.id).where(
        sa.or_(latest.is_(None), latest < now + TOP_UP_WHEN_LESS_THAN)).order_by(HoursSeries.id)))


def _top_up(series_id: int, now: datetime) -> int:
    series = db.session.get(HoursSeries, series_id)
    made = len(windows.materialize(series, now)) if series is not None else 0
    if made:
        clock.changed(now)
    return made


def go_live_due(now: datetime) -> list[int]:
    """Scheduled windows of active people starting within ten minutes (or begun, not over) whose
    go-live mail isn't queued yet."""
    key = sa.literal("hours_go_live:") + sa.cast(HoursWindow.id, sa.String)
    queued = sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key).correlate(HoursWindow).exists()
    return list(db.session.scalars(
        sa.select(HoursWindow.id).join(User, User.id == HoursWindow.staff_id)
        .where(HoursWindow.status == WindowStatus.SCHEDULED, HoursWindow.start_at <= now + windows.GO_LIVE_EARLY,
               HoursWindow.end_at > now, User.active.is_(True), ~queued)
        .order_by(HoursWindow.start_at, HoursWindow.id)))


def _go_live_mail(window_id: int) -> int:
    window = db.session.get(HoursWindow, window_id)
    if window is None or window.status != WindowStatus.SCHEDULED:
        return 0
    notify.go_live_mail(window)
    return 1


def _settle(window_id: int, now: datetime) -> int:
    window = db.session.get(HoursWindow, window_id)
    if window is None:
        return 0
    queue.settle_window(window, now)
    return 1


def run_due(now: datetime) -> HoursDue:
    """Top up series, mail the go-live links due, let the timers act; commits per series and window."""
    result = HoursDue()
    result.windows_made = _each(series_to_top_up(now), lambda series_id: _top_up(series_id, now), result, "series")
    result.go_live_mails = _each(go_live_due(now), _go_live_mail, result, "window")
    _, due_at, _ = clock.read()
    if due_at is not None and due_at <= now:
        due = queue.due_windows(now)
        result.settled = _each(due, lambda window_id: _settle(window_id, now), result, "window")
        if not due:  # nothing was due after all (a window closed early): look again later
            clock.changed(now)
            db.session.commit()
    if result.windows_made or result.go_live_mails or result.settled:
        logger.info("office hours: %s windows made, %s go-live mails, %s windows settled", result.windows_made,
                    result.go_live_mails, result.settled)
    return result
