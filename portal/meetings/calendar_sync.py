"""Confirmed conversations in the person's own CalDAV calendar: the worker writes each one as an event
(the conversation's UID, so the e-mailed invitation and this are one event), rewrites it when it moves
(its SEQUENCE changed), removes it when it is cancelled (or its candidate erased), and leaves it
in place once it happened. It compares what should be there with what
it wrote (``WrittenEvent``), so a write that failed or a worker that stopped is simply done next pass;
a calendar that fails is tried again later and later, and the person's page says why."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..calendars.background import CLAIM, Background, claim
from ..calendars.caldav import CalDAVCalendar
from ..calendars.errors import CalendarError
from ..calendars.models import CalendarConnection, WrittenEvent
from ..calendars.sealing import SealingError, unseal
from ..calendars.services import BACKOFF_FIRST, BACKOFF_MOST, READ_TIMEOUT, private_allowed
from ..extensions import db
from ..i18n import language_of
from .calendar import ics_for
from .models import Meeting, Status

logger = logging.getLogger(__name__)
PER_PASS = 50
HAPPENED = (Status.COMPLETED, Status.NO_SHOW)


def _to_write(now: datetime):
    """(meeting, connection, written row or None): confirmed conversations still ahead whose latest
    version isn't in their person's CalDAV calendar yet."""
    written = aliased(WrittenEvent)
    return db.session.execute(
        sa.select(Meeting, CalendarConnection, written)
        .join(CalendarConnection, sa.and_(CalendarConnection.user_id == Meeting.staff_id,
                                          CalendarConnection.kind == "caldav"))
        .outerjoin(written, sa.and_(written.connection_id == CalendarConnection.id,
                                    written.meeting_id == Meeting.id))
        .where(Meeting.status == Status.CONFIRMED, Meeting.start_at.is_not(None), Meeting.end_at > now,
               sa.or_(written.id.is_(None), written.sequence != Meeting.sequence),
               sa.or_(written.next_try_at.is_(None), written.next_try_at <= now))
        .order_by(Meeting.start_at).limit(PER_PASS)).all()


def _to_remove(now: datetime):
    """Events we wrote that must go: their conversation was cancelled, or its candidate erased."""
    return db.session.scalars(
        sa.select(WrittenEvent).join(Meeting, Meeting.id == WrittenEvent.meeting_id)
        .where(sa.or_(Meeting.status == Status.CANCELLED, WrittenEvent.remove),
               sa.or_(WrittenEvent.next_try_at.is_(None), WrittenEvent.next_try_at <= now))
        .limit(PER_PASS)).all()


def _forget_happened() -> None:
    """A conversation that happened (or that someone missed) stays in the calendar as it was: we stop
    keeping track of it."""
    db.session.execute(sa.delete(WrittenEvent).where(
        WrittenEvent.remove.is_(False),
        WrittenEvent.meeting_id.in_(sa.select(Meeting.id).where(Meeting.status.in_(HAPPENED))))
        .execution_options(synchronize_session=False))


def _client(connection: CalendarConnection, keys: str) -> CalDAVCalendar:
    return CalDAVCalendar(unseal(connection.address, keys), unseal(connection.username or "", keys),
                          unseal(connection.password or "", keys), timeout=READ_TIMEOUT,
                          allow_private=private_allowed())


def _claim_new(connection_id: int, meeting_id: int, href: str, now: datetime) -> WrittenEvent | None:
    """The first write of a conversation: its row, made now with the event's address (so even a write
    whose answer got lost can be taken out later) and claimed; None if another worker made it first."""
    row = WrittenEvent(connection_id=connection_id, meeting_id=meeting_id, href=href, sequence=-1, failures=0,
                       next_try_at=now + CLAIM)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return None
    db.session.commit()
    return row


def write_due(background: Background, keys: str | None, now: datetime) -> int:
    """Start writing and removing what is due (each in the background, each claimed first so that
    several workers never do one twice); how many started."""
    if not keys:
        return 0
    _forget_happened()
    db.session.commit()
    started = 0
    for meeting, connection, row in _to_write(now):
        key = ("write", connection.id, meeting.id)
        if background.busy(key):
            continue
        try:
            client = _client(connection, keys)
        except SealingError:
            continue  # the connection's own reads say so on the person's page
        meeting_id, uid, sequence = meeting.id, meeting.uid, meeting.sequence
        if row is None:
            row = _claim_new(connection.id, meeting_id, client.href_for(uid), now)
        elif not claim(WrittenEvent, row.id, WrittenEvent.next_try_at, row.next_try_at, now + CLAIM):
            row = None
        if row is None:
            continue
        meeting = db.session.get(Meeting, meeting_id)
        with language_of(meeting.staff):
            ics = ics_for(meeting, method=None)

        def work(client=client, uid=uid, ics=ics, href=row.href, etag=row.etag):
            with client:
                return client.put_event(uid, ics, href=href, etag=etag)

        background.submit(key, work, lambda outcome, c=row.connection_id, m=meeting_id, s=sequence:
                          _written(c, m, s, outcome, now))
        started += 1
    for row in _to_remove(now):
        key = ("remove", row.connection_id, row.meeting_id)
        if background.busy(key):
            continue
        if row.href is None:
            db.session.delete(row)  # never written: nothing to take out
            continue
        try:
            client = _client(db.session.get(CalendarConnection, row.connection_id), keys)
        except SealingError:
            continue
        href, etag, row_id = row.href, row.etag, row.id
        if not claim(WrittenEvent, row_id, WrittenEvent.next_try_at, row.next_try_at, now + CLAIM):
            continue

        def remove(client=client, href=href, etag=etag):
            with client:
                return client.delete_event(href, etag=etag)

        background.submit(key, remove, lambda outcome, r=row_id: _removed(r, outcome, now))
        started += 1
    db.session.flush()
    return started


def _failed(row: WrittenEvent, outcome: BaseException, now: datetime) -> None:
    code = outcome.code if isinstance(outcome, CalendarError) else "server_error"
    logger.info("calendar %s: conversation %s not written: %s", row.connection_id, row.meeting_id, code)
    row.failures += 1
    row.error = code
    row.next_try_at = now + min(BACKOFF_FIRST * 2 ** (row.failures - 1), BACKOFF_MOST)


def _written(connection_id: int, meeting_id: int, sequence: int, outcome, now: datetime) -> None:
    if db.session.get(CalendarConnection, connection_id) is None or db.session.get(Meeting, meeting_id) is None:
        return  # disconnected, or the conversation erased, meanwhile
    row = db.session.scalar(sa.select(WrittenEvent).where(WrittenEvent.connection_id == connection_id,
                                                          WrittenEvent.meeting_id == meeting_id))
    if row is None:
        row = WrittenEvent(connection_id=connection_id, meeting_id=meeting_id, failures=0)
        db.session.add(row)
    if isinstance(outcome, BaseException):
        _failed(row, outcome, now)
    else:
        row.href, row.etag = outcome
        row.sequence, row.failures, row.error, row.next_try_at = sequence, 0, None, None
    db.session.flush()


def _removed(row_id: int, outcome, now: datetime) -> None:
    row = db.session.get(WrittenEvent, row_id)
    if row is None:
        return
    if isinstance(outcome, BaseException):
        _failed(row, outcome, now)
    else:
        db.session.delete(row)
    db.session.flush()

