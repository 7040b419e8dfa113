"""Joining, waiting and talking in a window of office hours, and the timers that end things on
time. Every function flushes, never commits; the view commits once.

Races are settled by the database, not by luck:
- joins take the window's row lock (PostgreSQL's FOR UPDATE; SQLite's BEGIN IMMEDIATE already
  serialises writers) before counting, and ``one_per_position`` refuses a duplicate position;
- ``ux_hours_entry_one_open``: a candidate is in one queue at a time (joining twice changes nothing;
  joining another queue gives up the place in the first, never while talking);
- ``ux_hours_entry_one_talking``: one talk per window, so two admits at once admit one candidate;
- every move of an entry is a compare-and-set on its status.

A talk is a conversation (``Meeting``, format ``office_hours``) confirmed from admission until its
timer: it ends on the server (``settle``, run by every poll once ``clock.due_at`` passes and by the
worker), stays ``confirmed`` and over, and gets the same follow-up as any conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..candidates.models import Candidate
from ..extensions import db
from ..i18n import _
from ..mail.services import mail_domain
from ..meetings.calendar import video_link_for
from ..meetings.models import Meeting, MeetingTransition, Status
from ..meetings.states import TransitionRefused, new_uid, transition
from . import clock, notify
from .models import OPEN_ENTRY, EntryStatus, HoursEntry, HoursWindow, WindowStatus
from .windows import MIN_LEFT_TO_ADMIT, HoursError, release, upcoming

E = EntryStatus


@dataclass
class WindowState:
    """One window as its pages show it."""

    window: HoursWindow
    waiting: list[HoursEntry] = field(default_factory=list)
    talking: HoursEntry | None = None
    talk: Meeting | None = None
    talks: int = 0  # talks begun in this window (the cap counts them)

    @property
    def places_left(self) -> int:
        return max(0, self.window.cap - self.talks - len(self.waiting))

    def seconds_left(self, now: datetime) -> int:
        return max(0, int((self.window.end_at - now).total_seconds()))

    def talk_seconds_left(self, now: datetime) -> int:
        return max(0, int((self.talk.end_at - now).total_seconds())) if self.talk else 0

    def wait_minutes(self, entry: HoursEntry, now: datetime) -> int:
        """Estimated minutes until ``entry`` is admitted: the talk under way, then a full talk for
        everyone ahead."""
        ahead = sum(1 for other in self.waiting if other.position < entry.position)
        current = self.talk_seconds_left(now) / 60
        return round(current + ahead * self.window.talk_minutes)


def _lock(window: HoursWindow) -> HoursWindow:
    """Hold the window's row until commit and re-read it (another request may have moved it)."""
    return db.session.scalars(sa.select(HoursWindow).where(HoursWindow.id == window.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def state(window: HoursWindow) -> WindowState:
    entries = list(db.session.scalars(
        sa.select(HoursEntry).where(HoursEntry.window_id == window.id)
        .options(joinedload(HoursEntry.candidate).joinedload(Candidate.user)).order_by(HoursEntry.position)))
    talking = next((entry for entry in entries if entry.status == E.TALKING), None)
    return WindowState(window=window, waiting=[entry for entry in entries if entry.status == E.WAITING],
                       talking=talking, talk=db.session.get(Meeting, talking.meeting_id) if talking else None,
                       talks=sum(1 for entry in entries if entry.meeting_id is not None))


def open_entry(candidate: Candidate) -> HoursEntry | None:
    """The queue the candidate is in (waiting or talking), if any."""
    return db.session.scalar(sa.select(HoursEntry).where(HoursEntry.candidate_id == candidate.id,
                                                         HoursEntry.status.in_(OPEN_ENTRY)))


def _move(entry: HoursEntry, before: str, after: str, **values) -> bool:
    """Compare-and-set ``entry`` from ``before`` to ``after``; False when someone moved it first."""
    result = db.session.execute(sa.update(HoursEntry).where(HoursEntry.id == entry.id, HoursEntry.status == before)
                                .values(status=after, **values).execution_options(synchronize_session=False))
    db.session.refresh(entry)
    return result.rowcount == 1


# --- candidates -----------------------------------------------------------------------------------


def join(candidate: Candidate, window: HoursWindow, now: datetime) -> HoursEntry:
    """Put the candidate in the window's queue (or return their place in it: joining twice changes nothing)."""
    if not candidate.in_offer_process:
        raise HoursError(_("Office hours are for candidates who are still deciding on their offer."))
    window = _lock(window)
    settle_window(window, now)
    mine = open_entry(candidate)
    if mine is not None and mine.window_id == window.id:
        return mine
    if window.status != WindowStatus.LIVE:
        first = window.staff.first_name
        raise HoursError(_("%(name)s isn't live right now.", name=first) if window.status == WindowStatus.SCHEDULED
                         else _("%(name)s's office hours have ended.", name=first))
    if mine is not None and mine.status == E.TALKING:
        raise HoursError(_("You're talking with %(name)s: end that talk first to join another queue.",
                           name=mine.window.staff.first_name))
    if window.end_at - now < MIN_LEFT_TO_ADMIT:
        raise HoursError(_("%(name)s's office hours are about to end: there's no time for another talk.",
                           name=window.staff.first_name))
    now_state = state(window)
    if now_state.places_left <= 0:
        raise HoursError(_("%(name)s's office hours are full: every talk is taken.", name=window.staff.first_name))
    if mine is not None:  # one queue at a time: joining this one gives up the place in the other
        if not _move(mine, E.WAITING, E.LEFT, ended_at=now):
            raise HoursError(_("%(name)s has just let you in: your talk is starting.",
                               name=mine.window.staff.first_name))
        record("hours.left", f"{candidate.user.name} left {mine.window.staff.name}'s office hours queue to join "
               f"{window.staff.name}'s", actor=candidate.user, candidate=candidate, subject=mine.window)
    position = (db.session.scalar(sa.select(sa.func.max(HoursEntry.position))
                                  .where(HoursEntry.window_id == window.id)) or 0) + 1
    entry = HoursEntry(window_id=window.id, candidate_id=candidate.id, position=position, joined_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # the same candidate, a moment ago (another tab, a double click)
        mine = open_entry(candidate)
        if mine is not None and mine.window_id == window.id:
            return mine
        raise HoursError(_("That didn't work: please try again.")) from None
    record("hours.joined", f"{candidate.user.name} joined {window.staff.name}'s office hours queue",
           actor=candidate.user, candidate=candidate, subject=window, position=position)
    clock.changed(now)
    if window.auto_admit and now_state.talking is None:
        admit_next(window, now, None)
    return entry


def leave(candidate: Candidate, entry: HoursEntry, now: datetime) -> None:
    """The candidate leaves the queue, or ends their talk early. Leaving twice changes nothing."""
    if entry.candidate_id != candidate.id:
        raise HoursError(_("That isn't your place in a queue."))
    window = _lock(entry.window)
    if entry.status == E.TALKING:
        end_talk(entry, now, candidate.user)
        return
    if _move(entry, E.WAITING, E.LEFT, ended_at=now):
        record("hours.left", f"{candidate.user.name} left {window.staff.name}'s office hours queue",
               actor=candidate.user, candidate=candidate, subject=window)
        clock.changed(now)


# --- the person -----------------------------------------------------------------------------------


def admit_next(window: HoursWindow, now: datetime, by) -> HoursEntry | None:
    """Start a talk with the first candidate waiting (None when nobody is). ``by``: the person, or None
    for automatic admission."""
    window = _lock(window)
    settle_window(window, now, admit=False)
    if window.status != WindowStatus.LIVE:
        raise HoursError(_("These office hours aren't live."))
    current = state(window)
    if current.talking is not None:
        raise HoursError(_("You're still talking with %(name)s: end that talk first.",
                           name=current.talking.candidate.user.name))
    if window.end_at - now < MIN_LEFT_TO_ADMIT:
        raise HoursError(_("Less than 5 minutes are left: there's no time for another talk."))
    if not current.waiting:
        return None
    entry = current.waiting[0]
    end = min(now + timedelta(minutes=window.talk_minutes), window.end_at)
    talk = Meeting(candidate_id=entry.candidate_id, staff_id=window.staff_id, format="office_hours",
                   length_minutes=window.talk_minutes, status=Status.CONFIRMED, start_at=now, end_at=end,
                   uid=new_uid(mail_domain()), note="")
    try:
        with db.session.begin_nested():
            db.session.add(talk)
            db.session.flush()
            talk.video_link = video_link_for(talk)
            db.session.add(MeetingTransition(meeting_id=talk.id, from_status=Status.REQUESTED,
                                             to_status=Status.CONFIRMED, actor_id=getattr(by, "id", None), at=now,
                                             reason="office hours"))
            if not _move(entry, E.WAITING, E.TALKING, admitted_at=now, meeting_id=talk.id):
                raise IntegrityError("entry moved", None, Exception())
    except IntegrityError:
        raise HoursError(_("Someone was just admitted: the page now shows who.")) from None
    person = window.staff
    record("hours.admitted", f"{person.name} began an office hours talk with {entry.candidate.user.name}",
           actor=by, candidate=entry.candidate, subject=talk, waited_seconds=int((now - entry.joined_at).total_seconds()))
    clock.changed(now)
    return entry


def end_talk(entry: HoursEntry, now: datetime, by, *, no_show: bool = False, why: str | None = None) -> None:
    """End a talk (its timer, or either side early); with ``no_show`` the candidate didn't come;
    ``why`` replaces "on time" / "by <who>" in the timeline. The window's row is locked first, like
    every change (window, then entry, then the clock: no lock-order deadlock with a join)."""
    _lock(entry.window)
    if not _move(entry, E.TALKING, E.DONE, ended_at=now):
        return
    talk = db.session.get(Meeting, entry.meeting_id)
    if talk is not None:
        if talk.end_at > now:
            talk.end_at = max(now, talk.start_at)
        if no_show:
            try:
                transition(talk, Status.NO_SHOW, actor=by, note="Didn't come to office hours",
                           no_show_reported_by="person")
            except TransitionRefused:
                pass
    db.session.flush()
    who = getattr(by, "name", None)
    candidate = entry.candidate
    record("hours.no_show" if no_show else "hours.talk_ended",
           (f"{who} said {candidate.user.name} didn't come to office hours" if no_show else
            f"{candidate.user.name}'s office hours talk with {entry.window.staff.name} ended"
            + (f" {why}" if why else f" by {who}" if who else " on time")),
           actor=by, candidate=candidate, subject=talk)
    clock.changed(now)
    window = entry.window
    if window.auto_admit and window.status == WindowStatus.LIVE:
        try:
            admit_next(window, now, None)
        except HoursError:
            pass


def set_auto_admit(window: HoursWindow, on: bool, now: datetime, by) -> None:
    """Automatic admission on or off (the person's toggle). Turned on with nobody talking, the first
    candidate waiting is let in at once; a window that is over can't change."""
    window = _lock(window)
    if window.status not in (WindowStatus.LIVE, WindowStatus.SCHEDULED):
        raise HoursError(_("These office hours are over."))
    if window.auto_admit == on:
        return
    window.auto_admit = on
    db.session.flush()
    record("hours.auto_admit", f"{window.staff.name} turned automatic admission {'on' if on else 'off'}",
           actor=by, subject=window)
    clock.changed(now)
    if on:
        settle_window(window, now)


def close_window(window: HoursWindow, now: datetime, by=None) -> int:
    """Close a window (at its end, or early): the talk under way ends, everyone still waiting is told
    kindly and offered the next window or a scheduled conversation; the rest of its time is freed.
    Returns how many were waiting."""
    window = _lock(window)
    if window.status not in (WindowStatus.LIVE, WindowStatus.SCHEDULED):
        return 0
    early = now < window.end_at
    current = state(window)
    ended = min(now, window.end_at)
    was_live = window.status == WindowStatus.LIVE
    # Closed first: the talk ended below must not let the next candidate in (automatic admission).
    db.session.execute(sa.update(HoursWindow).where(HoursWindow.id == window.id)
                       .values(status=WindowStatus.CLOSED, closed_at=ended,
                               note="Closed early" if early else window.note)
                       .execution_options(synchronize_session=False))
    db.session.refresh(window)
    if current.talking is not None:
        end_talk(current.talking, ended, by, why=None if not early else "when the office hours were closed")
    if early:
        release(window, since=now)
    following = next(iter(upcoming(now, window.staff_id, days=28, limit=1)), None)
    for entry in current.waiting:
        if _move(entry, E.WAITING, E.CLOSED, ended_at=ended):
            notify.queue_closed(entry, following)
    if was_live or early:
        record("hours.closed", f"{window.staff.name}'s office hours {'were closed early' if early else 'ended'}"
               f" ({current.talks} talk{'' if current.talks == 1 else 's'}, {len(current.waiting)} still waiting)",
               actor=by, subject=window, talks=current.talks, waiting=len(current.waiting))
    clock.changed(now)
    return len(current.waiting)


# --- timers ---------------------------------------------------------------------------------------


def settle_window(window: HoursWindow, now: datetime, *, admit: bool = True) -> None:
    """What the clock says for one window: a talk past its timer ends, a window past its end closes,
    and with automatic admission the next candidate is let in. The window's row is locked first (a
    no-op when the caller holds it): without it the worker ended a talk (entry row, then the clock)
    and waited for the window to admit the next, while a join held the window and waited for that
    entry — a deadlock on PostgreSQL."""
    window = _lock(window)
    if window.status not in (WindowStatus.LIVE, WindowStatus.SCHEDULED):
        current = state(window)
        if current.talking is not None:  # never outlives its window, whatever left it there
            end_talk(current.talking, min(now, window.closed_at or window.end_at), None)
        return
    if window.end_at <= now:
        close_window(window, now)
        return
    current = state(window)
    if current.talking is not None and current.talk is not None and current.talk.end_at <= now:
        end_talk(current.talking, current.talk.end_at, None)  # auto-admits if set
    elif admit and window.auto_admit and window.status == WindowStatus.LIVE and current.talking is None \
            and current.waiting and window.end_at - now >= MIN_LEFT_TO_ADMIT:
        admit_next(window, now, None)


def due_windows(now: datetime) -> list[int]:
    """Ids of the windows a timer has reached (a talk over, the window ended, someone waiting for
    automatic admission): one query."""
    talk_due = sa.select(HoursEntry.window_id).join(Meeting, Meeting.id == HoursEntry.meeting_id).where(
        HoursEntry.status == E.TALKING, Meeting.end_at <= now)
    return list(db.session.scalars(sa.select(HoursWindow.id).where(sa.or_(
        sa.and_(HoursWindow.status.in_((WindowStatus.LIVE, WindowStatus.SCHEDULED)), HoursWindow.end_at <= now),
        HoursWindow.id.in_(talk_due),
        sa.and_(HoursWindow.status == WindowStatus.LIVE, HoursWindow.auto_admit.is_(True),
                HoursWindow.id.in_(sa.select(HoursEntry.window_id).where(HoursEntry.status == E.WAITING)))))))


def settle(now: datetime) -> int:
    """Every window a timer has reached (talks over, windows ended, auto-admission): how many were
    looked at. Cheap when nothing is due: one query."""
    ids = due_windows(now)
    # Every due window is locked up front in id order, before the first change takes the clock's row:
    # locking them one by one, this transaction held the clock while waiting for a window that a join
    # held while waiting for the clock.
    for window in db.session.scalars(sa.select(HoursWindow).where(HoursWindow.id.in_(ids)).order_by(HoursWindow.id)
                                     .with_for_update().execution_options(populate_existing=True)).all():
        settle_window(window, now)
    if not ids:
        clock.changed(now)  # nothing was due after all (a closed window's time): look again later
    return len(ids)


def remove_candidate(candidate: Candidate, now: datetime) -> int:
    """A candidate who decided (or whose account closed) leaves every queue; a talk under way ends."""
    removed = 0
    for entry in db.session.scalars(sa.select(HoursEntry).where(HoursEntry.candidate_id == candidate.id,
                                                                HoursEntry.status.in_(OPEN_ENTRY))).all():
        _lock(entry.window)  # the window before the entry and the clock, as every other change does
        db.session.refresh(entry)
        if entry.status == E.TALKING:
            end_talk(entry, now, None, why="when they left the offer process")
            removed += 1
        elif _move(entry, E.WAITING, E.REMOVED, ended_at=now):
            removed += 1
    if removed:
        clock.changed(now)
    return removed
