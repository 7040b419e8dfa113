"""Who is live now, as candidates see it, and the cheap poll that keeps their pages current.

``current_stamp(now)`` is all an unchanged poll costs: one small query (the clock row; the answer
is ``polling.unchanged_answer``). When a
timer is due it first settles (``queue.settle``) and commits, so talks and windows end on time
even when nobody's page is open on the person's side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..database import write_transaction
from ..extensions import db
from ..people.models import StaffProfile
from . import clock
from .models import EntryStatus, HoursEntry, HoursWindow, WindowStatus
from .queue import settle


@dataclass(frozen=True)
class LiveNow:
    """One person live now: "Available now · 18 min left · 2 waiting"."""

    window: HoursWindow
    waiting: int
    talking: bool
    talks: int

    @property
    def person(self) -> User:
        return self.window.staff

    def minutes_left(self, now: datetime) -> int:
        return max(0, int((self.window.end_at - now).total_seconds() // 60))

    @property
    def full(self) -> bool:
        return self.talks + self.waiting >= self.window.cap


def live_now(now: datetime, staff_id: int | None = None) -> list[LiveNow]:
    """Every live window of a visible, active person (or just ``staff_id``'s), with its queue counts:
    two queries whatever the number of windows."""
    query = (sa.select(HoursWindow).join(User, User.id == HoursWindow.staff_id)
             .join(StaffProfile, StaffProfile.user_id == HoursWindow.staff_id)
             .where(HoursWindow.status == WindowStatus.LIVE, HoursWindow.end_at > now, User.active.is_(True),
                    StaffProfile.visible.is_(True))
             .options(joinedload(HoursWindow.staff).joinedload(User.profile)).order_by(HoursWindow.end_at))
    if staff_id is not None:
        query = query.where(HoursWindow.staff_id == staff_id)
    windows = list(db.session.scalars(query).unique())
    if not windows:
        return []
    ids = [window.id for window in windows]
    counts, started = {}, {}
    for row in db.session.execute(
            sa.select(HoursEntry.window_id, HoursEntry.status, sa.func.count().label("n"),
                      sa.func.count(HoursEntry.meeting_id).label("talks"))  # a talk begun has a meeting
            .where(HoursEntry.window_id.in_(ids)).group_by(HoursEntry.window_id, HoursEntry.status)):
        counts[row.window_id, row.status] = row.n
        started[row.window_id] = started.get(row.window_id, 0) + row.talks
    return [LiveNow(window=window, waiting=counts.get((window.id, EntryStatus.WAITING), 0),
                    talking=counts.get((window.id, EntryStatus.TALKING), 0) > 0, talks=started.get(window.id, 0))
            for window in windows]


def current_stamp(now: datetime) -> str:
    """The stamp pages and polls compare (``clock.stamp_of``), after letting due timers act."""
    version, due_at, live = clock.read()
    if due_at is not None and due_at <= now:
        # Its own write transaction (BEGIN IMMEDIATE on SQLite): a GET's read snapshot upgraded to a
        # write fails at once ("database is locked") when another writer committed since it began.
        with write_transaction():
            settle(now)
        version, due_at, live = clock.read()
    return clock.stamp_of(version, live, now)

