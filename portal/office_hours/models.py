"""Office hours: a person's drop-in windows, the candidates queueing in them, and links to them.

- ``HoursSeries``: recurring office hours ("Thursdays 16:00–17:00 Europe/Berlin", 15-minute talks,
  at most 4 talks).
- ``HoursWindow``: one concrete window (from a series, or "go live now"), in UTC. A scheduled window
  holds the person's time with ``meetings.models.BookedUnit`` rows (``window_id`` set), the same
  primary key that guards conversations: a window and a confirmed conversation can't overlap.
- ``HoursEntry``: a candidate's place in a window's queue; admitted, it points at the talk (a
  ``Meeting`` of format ``office_hours``, confirmed for its few minutes, then completed).
- ``HoursLink``: a shareable link to a window (for a position's candidates, or one candidate) that
  stops working at its deadline; ``HoursWatch``: "tell me when they next go live".
- ``HoursClock``: one row, bumped on every change, that pollers compare against (a 204 when nothing
  changed) and the earliest moment a timer changes something (``due_at``).
"""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum

import sqlalchemy as sa
from babel.dates import get_day_names
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..candidates.models import Candidate, Position
from ..database import Choice
from ..extensions import db
from ..i18n import current_locale, pgettext
from ..timeutil import UTCDateTime, utcnow

TALK_LENGTHS = (10, 15, 20, 30)
MAX_CAP = 12  # talks per window


class WindowStatus(StrEnum):
    SCHEDULED = "scheduled"  # ahead; holds the person's time
    LIVE = "live"  # the person is online: candidates join
    CLOSED = "closed"  # over (at its end, or closed early); ``live_at`` says whether it was held
    SKIPPED = "skipped"  # a series' window that clashed with a conversation (never held time)
    CANCELLED = "cancelled"  # called off before it started


class EntryStatus(StrEnum):
    WAITING = "waiting"
    TALKING = "talking"
    DONE = "done"  # talked (``meeting`` says how it ended)
    LEFT = "left"  # the candidate left the queue
    CLOSED = "closed"  # the window ended before their turn
    REMOVED = "removed"  # decided, or their account closed


OPEN_ENTRY = (EntryStatus.WAITING, EntryStatus.TALKING)
_OPEN_ENTRY_SQL = "status IN ('waiting', 'talking')"


def _known(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) if isinstance(v, int) else repr(str(v)) for v in values)})"


class HoursSeries(db.Model):
    """Recurring office hours: a weekday and local times in ``zone``."""

    __tablename__ = "hours_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column()  # 0 = Monday
    start_time: Mapped[time] = mapped_column(sa.Time)
    end_time: Mapped[time] = mapped_column(sa.Time)
    zone: Mapped[str] = mapped_column(sa.String(64))
    talk_minutes: Mapped[int] = mapped_column(default=15)
    cap: Mapped[int] = mapped_column(default=4)
    auto_admit: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    staff: Mapped[User] = relationship(foreign_keys=[staff_id])

    __table_args__ = (
        sa.CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        sa.CheckConstraint("end_time > start_time", name="end_after_start"),
        sa.CheckConstraint(_known("talk_minutes", TALK_LENGTHS), name="talk_known"),
        sa.CheckConstraint(f"cap >= 1 AND cap <= {MAX_CAP}", name="cap_range"),
    )

    @property
    def weekday_name(self) -> str:
        """The day in the reader's language: ``Monday``, ``Montag``, ``lunes``, ``月曜日``."""
        return get_day_names("wide", locale=current_locale())[self.weekday]

    @property
    def every_week(self) -> str:
        """The day as a weekly habit, in the reader's language: ``Mondays``, ``jeden Montag``, ``毎週月曜日``."""
        return pgettext("every week on this day (Mondays)", "%(weekday)ss", weekday=self.weekday_name)


class HoursWindow(db.Model):
    """One window of office hours, in UTC."""

    __tablename__ = "hours_window"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hours_series.id", ondelete="SET NULL"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    talk_minutes: Mapped[int] = mapped_column(default=15)
    cap: Mapped[int] = mapped_column(default=4)
    auto_admit: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(Choice(12), default=WindowStatus.SCHEDULED)
    live_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(sa.Text)  # why skipped / closed early
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    staff: Mapped[User] = relationship(foreign_keys=[staff_id])
    series: Mapped[HoursSeries | None] = relationship()
    entries: Mapped[list[HoursEntry]] = relationship(back_populates="window", order_by="HoursEntry.position",
                                                     cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.CheckConstraint(_known("talk_minutes", TALK_LENGTHS), name="talk_known"),
        sa.CheckConstraint(f"cap >= 1 AND cap <= {MAX_CAP}", name="cap_range"),
        sa.CheckConstraint(_known("status", WindowStatus), name="status_known"),
        sa.Index("ix_hours_window_status_start", "status", "start_at"),
        sa.Index("ix_hours_window_staff_start", "staff_id", "start_at"),
        # A series makes each of its windows once, however often the worker looks ahead.
        sa.UniqueConstraint("series_id", "start_at", name="one_per_series_start"),
    )


class HoursEntry(db.Model):
    """A candidate's place in one window's queue."""

    __tablename__ = "hours_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("hours_window.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()  # 1, 2, … in the order they joined
    status: Mapped[str] = mapped_column(Choice(10), default=EntryStatus.WAITING)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"))

    window: Mapped[HoursWindow] = relationship(back_populates="entries")
    candidate: Mapped[Candidate] = relationship()

    __table_args__ = (
        sa.CheckConstraint(_known("status", EntryStatus), name="status_known"),
        # Two candidates joining at once get distinct positions.
        sa.UniqueConstraint("window_id", "position", name="one_per_position"),
        # One queue at a time per candidate.
        sa.Index("ux_hours_entry_one_open", "candidate_id", unique=True,
                 sqlite_where=sa.text(_OPEN_ENTRY_SQL), postgresql_where=sa.text(_OPEN_ENTRY_SQL)),
        # One talk at a time per window: two admits at once admit one candidate.
        sa.Index("ux_hours_entry_one_talking", "window_id", unique=True,
                 sqlite_where=sa.text("status = 'talking'"), postgresql_where=sa.text("status = 'talking'")),
    )


class HoursLink(db.Model):
    """A shareable link to a window for a position's candidates or one candidate, until ``expires_at``."""

    __tablename__ = "hours_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("hours_window.id", ondelete="CASCADE"), index=True)
    position_id: Mapped[int | None] = mapped_column(sa.ForeignKey("position.id", ondelete="CASCADE"))
    candidate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    window: Mapped[HoursWindow] = relationship()
    position: Mapped[Position | None] = relationship()
    candidate: Mapped[Candidate | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("(position_id IS NULL) <> (candidate_id IS NULL)", name="one_audience"),
    )


class HoursWatch(db.Model):
    """A candidate asked to be e-mailed when this person next goes live (once)."""

    __tablename__ = "hours_watch"

    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"),
                                              primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HoursClock(db.Model):
    """One row (id 1): ``version`` changes with anything a presence or queue page shows; ``due_at`` is
    the earliest moment a timer will change something (a talk or window ending, a window's start)."""

    __tablename__ = "hours_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    live: Mapped[int] = mapped_column(default=0)  # windows live now (the stamp moves each minute then)
