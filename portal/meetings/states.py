"""The conversation state machine: the one place that says which changes are allowed, and the
database guard that makes a person's confirmed time impossible to double-book.

Every change is a compare-and-set (``UPDATE … WHERE id = ? AND status = <expected>``, one row
changed), so two recruiters approving, or a person accepting twice, cannot both succeed; the
loser gets ``TransitionRefused``. Confirming also inserts one ``BookedUnit`` row per 15 minutes of
the person's time and one ``CandidateBookedUnit`` row per 15 minutes of the candidate's; the primary
keys refuse overlaps, so two overlapping confirmations for one person, or for one candidate with two
people, cannot both commit (``SlotTaken``), on SQLite and PostgreSQL, with any number of processes.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..calendars.models import CalendarBusy
from ..calendars.services import busy_select
from ..extensions import db
from ..i18n import _
from ..timeutil import moment_param, utcnow
from .models import (BOOKING_UNIT_MINUTES, WAITING, BookedUnit, CandidateBookedUnit, Meeting, MeetingTransition,
                     Status, status_word)

S = Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.NEEDS_APPROVAL, S.INVITED, S.CANCELLED}),
    S.NEEDS_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.INVITED, S.CANCELLED}),  # invited: redirected
    S.APPROVED: frozenset({S.INVITED, S.CANCELLED}),
    S.INVITED: frozenset({S.CONFIRMED, S.DECLINED, S.EXPIRED, S.CANCELLED, S.PROPOSED}),
    S.PROPOSED: frozenset({S.CONFIRMED, S.EXPIRED, S.CANCELLED}),  # the candidate accepts or says no
    S.CONFIRMED: frozenset({S.COMPLETED, S.CANCELLED, S.NO_SHOW}),
}
ACTIVE = frozenset({*WAITING, S.CONFIRMED})
FINAL = frozenset(Status) - ACTIVE


class TransitionRefused(Exception):
    """The conversation is not (or no longer) in a state that allows this change."""


class SlotTaken(Exception):
    """Another conversation already holds some of that time."""


def new_uid(domain: str) -> str:
    return f"{uuid.uuid4()}@{domain}"


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def transition(meeting: Meeting, target: str, *, actor=None, note: str | None = None, **values) -> Meeting:
    """Move ``meeting`` to ``target`` if allowed and nobody else moved it first (flush, no commit).

    ``values`` are other columns changed in the same UPDATE; ``note`` goes on the history row.
    """
    current = meeting.status
    if not can_transition(current, target):
        raise TransitionRefused(_("A conversation that is %(status)s can't become %(target)s.",
                                  status=status_word(current), target=status_word(target)))
    now = utcnow()
    result = db.session.execute(
        sa.update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == current)
        .values(status=target, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(meeting)
        raise TransitionRefused(_("This conversation was just changed: it is now %(status)s.",
                                  status=status_word(meeting.status)))
    db.session.add(MeetingTransition(meeting_id=meeting.id, from_status=current, to_status=target,
                                     actor_id=getattr(actor, "id", None), at=now, reason=note))
    db.session.flush()
    db.session.refresh(meeting)
    return meeting


def units(start: datetime, end: datetime) -> list[datetime]:
    """The 15-minute units [start, end) touches, on the UTC grid (generous at unaligned edges)."""
    step = timedelta(minutes=BOOKING_UNIT_MINUTES)
    first = start.replace(minute=start.minute - start.minute % BOOKING_UNIT_MINUTES, second=0, microsecond=0)
    out, unit = [], first
    while unit < end:
        out.append(unit)
        unit += step
    return out


def hold_time(meeting: Meeting, start: datetime, end: datetime) -> None:
    """Reserve the person's and the candidate's time for ``meeting`` (SlotTaken if any of it is held)."""
    held = units(start, end)
    try:
        with db.session.begin_nested():
            db.session.add_all(BookedUnit(staff_id=meeting.staff_id, unit_start=u, meeting_id=meeting.id)
                               for u in held)
            db.session.add_all(CandidateBookedUnit(candidate_id=meeting.candidate_id, unit_start=u,
                                                   meeting_id=meeting.id) for u in held)
    except IntegrityError:
        raise SlotTaken(_("That time was just taken.")) from None


def release_time(meeting: Meeting) -> None:
    db.session.execute(sa.delete(BookedUnit).where(BookedUnit.meeting_id == meeting.id))
    db.session.execute(sa.delete(CandidateBookedUnit).where(CandidateBookedUnit.meeting_id == meeting.id))


def confirm(meeting: Meeting, start: datetime, *, actor=None, **values) -> Meeting:
    """invited → confirmed at ``start``: holds the time and changes the state, both or neither."""
    end = start + timedelta(minutes=meeting.length_minutes)
    try:
        with db.session.begin_nested():
            transition(meeting, Status.CONFIRMED, actor=actor, start_at=start, end_at=end,
                       sequence=meeting.sequence + 1, **values)
            hold_time(meeting, start, end)
    except (SlotTaken, IntegrityError):
        db.session.refresh(meeting)
        raise SlotTaken(_("That time was just taken.")) from None
    return meeting


def reschedule(meeting: Meeting, start: datetime, *, actor=None) -> Meeting:
    """A confirmed conversation moves to a new time: new hold, old hold released, calendars updated."""
    if meeting.status != Status.CONFIRMED:
        raise TransitionRefused(_("Only a confirmed conversation can be moved."))
    end = start + timedelta(minutes=meeting.length_minutes)
    try:
        with db.session.begin_nested():
            release_time(meeting)
            hold_time(meeting, start, end)
            result = db.session.execute(
                sa.update(Meeting).where(Meeting.id == meeting.id, Meeting.status == Status.CONFIRMED,
                                         Meeting.sequence == meeting.sequence)
                .values(start_at=start, end_at=end, sequence=meeting.sequence + 1, updated_at=utcnow())
                .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                raise TransitionRefused(_("This conversation was just changed."))
            db.session.add(MeetingTransition(meeting_id=meeting.id, from_status=Status.CONFIRMED,
                                             to_status=Status.CONFIRMED,
                                             actor_id=getattr(actor, "id", None), reason="rescheduled"))
    except SlotTaken:
        db.session.refresh(meeting)
        raise
    db.session.refresh(meeting)
    return meeting


def end_conversation(meeting: Meeting, target: str, *, actor=None, reason: str | None = None) -> Meeting:
    """confirmed → cancelled / completed / no_show, or calling off an open request; frees the time."""
    moved = target == Status.CANCELLED and meeting.status == Status.CONFIRMED  # a calendar update
    values = {"sequence": meeting.sequence + 1} if moved else {}
    if reason:
        values["reason"] = reason
    transition(meeting, target, actor=actor, note=reason, **values)
    if target == Status.CANCELLED:
        release_time(meeting)
    return meeting


def still_free(meeting: Meeting, times: list, now: datetime | None = None) -> list:
    """Those of ``times`` (the candidate's proposed slots or the person's counter times) that are
    still ahead, that nothing holds of the person's or the candidate's time, and that the person's own
    calendar doesn't show busy (as last read; one query: ``_taken_statement``)."""
    now = now or utcnow()
    times = sorted((time for time in times if time.start_at > now), key=lambda time: time.start_at)
    if not times:
        return []
    length = timedelta(minutes=meeting.length_minutes)
    rows = db.session.execute(_taken_statement(), {
        "person": meeting.staff_id, "candidate": meeting.candidate_id,
        "since": times[0].start_at - length, "until": times[-1].start_at + length}).all()
    held = {start for start, end in rows if end is None}
    calendar = [(start, end) for start, end in rows if end is not None]
    return [time for time in times if not held & set(units(time.start_at, time.start_at + length))
            and not any(time.start_at < end and start < time.start_at + length for start, end in calendar)]


@functools.cache
def _taken_statement() -> sa.CompoundSelect:
    """Built once (every invitation, proposal and reminder reads it), one query: the person's calendar
    busy times (start, end), then the units held of the person's and the candidate's time (start,
    no end), between ``since`` and ``until``. The calendar's SELECT comes first: its columns' types
    (aware UTC moments) are the union's."""
    person, since, until = sa.bindparam("person"), moment_param("since"), moment_param("until")
    return sa.union_all(
        busy_select(person, since).where(CalendarBusy.start_at < until),
        sa.select(BookedUnit.unit_start, sa.null()).where(BookedUnit.staff_id == person,
                                                          BookedUnit.unit_start >= since, BookedUnit.unit_start < until),
        sa.select(CandidateBookedUnit.unit_start, sa.null()).where(
            CandidateBookedUnit.candidate_id == sa.bindparam("candidate"), CandidateBookedUnit.unit_start >= since,
            CandidateBookedUnit.unit_start < until))
