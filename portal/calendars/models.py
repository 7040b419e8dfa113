"""A person's own calendar, connected to the portal: where it is (sealed), how fresh our copy of its busy
times is, the busy times themselves (times only: no titles, places or guests are ever stored), and the
conversations the portal wrote into it (CalDAV)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

KINDS = ("ical", "caldav")


class CalendarConnection(db.Model):
    """One calendar per person. ``address``, ``username`` and ``password`` are Fernet tokens (``sealing``,
    key ``CALENDAR_KEY``): an iCal secret address is a password of its own. ``shown_as`` is the part
    safe to show and log (scheme and host). ``marker``/``last_modified`` make the next read conditional
    (an ETag, or a CalDAV collection's ctag/sync-token); ``busy_until`` is how far ahead the busy
    times were expanded, so a calendar that hasn't changed is still read in full once that runs short."""

    __tablename__ = "calendar_connection"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    address: Mapped[str] = mapped_column(sa.Text)
    username: Mapped[str | None] = mapped_column(sa.Text)
    password: Mapped[str | None] = mapped_column(sa.Text)
    shown_as: Mapped[str] = mapped_column(sa.String(300))
    marker: Mapped[str | None] = mapped_column(sa.String(300))
    last_modified: Mapped[str | None] = mapped_column(sa.String(100))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last read that worked
    busy_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    zone: Mapped[str | None] = mapped_column(sa.String(64))  # the zone all-day and floating times were read in
    tried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last read, whatever came of it
    error: Mapped[str | None] = mapped_column(sa.String(40))  # errors.CalendarError code of the last read
    error_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(default=0)  # reads failed in a row: the backoff
    next_read_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (sa.CheckConstraint("kind IN ('ical', 'caldav')", name="calendar_kind_known"),)


class CalendarBusy(db.Model):
    """A time the person's own calendar says they are busy (UTC), as last read."""

    __tablename__ = "calendar_busy"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (sa.Index("ix_calendar_busy_user_end", "user_id", "end_at"),)


class WrittenEvent(db.Model):
    """A conversation the portal put in a person's CalDAV calendar: where (``href``), which version
    (``sequence``: the conversation's, bumped on every change calendars should see) and the server's
    ETag. A cancelled conversation has its event removed, then this row; one that happened (completed,
    no-show) keeps its event, and loses this row. ``next_try_at`` is also the claim of the worker writing it
    now (several workers never write one event twice)."""

    __tablename__ = "calendar_written_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(sa.ForeignKey("calendar_connection.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"))
    href: Mapped[str | None] = mapped_column(sa.String(500))
    etag: Mapped[str | None] = mapped_column(sa.String(300))
    sequence: Mapped[int] = mapped_column(default=-1)  # -1: not written yet
    failures: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.String(40))
    remove: Mapped[bool] = mapped_column(default=False)  # take it out though the conversation stands (erasure)

    __table_args__ = (sa.UniqueConstraint("connection_id", "meeting_id", name="uq_written_event"),)
