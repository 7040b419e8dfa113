"""Office hours windows: recurring series turned into windows, going live (from the e-mailed link or
"go live now"), closing and calling off. Every function flushes, never commits.

A window holds the person's time from creation to its end with ``BookedUnit`` rows (``window_id``):
the same primary key that keeps two conversations apart, so a window can't be placed over a
confirmed conversation (the series' window is ``skipped``, "go live now" is refused) and a
conversation can't be confirmed in a window ("that time was just taken"), in any interleaving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..calendars.services import busy_overlapping
from ..extensions import db
from ..i18n import _, ngettext
from ..meetings.models import BookedUnit, Meeting, Status
from ..meetings.states import units
from ..people.availability import local_to_utc, window_end_utc, zone_info
from ..people.models import WEEKDAYS, StaffProfile
from ..timeutil import format_datetime, moment_param
from . import clock, notify
from .models import MAX_CAP, TALK_LENGTHS, HoursSeries, HoursWindow, WindowStatus

WEEKS_AHEAD = 4  # series are turned into windows this far ahead (the worker keeps it topped up)
GO_LIVE_EARLY = timedelta(minutes=10)  # the go-live e-mail goes out, and the link works, this early
LIVE_NOW_MINUTES = (15, 30, 45, 60, 90, 120)
MIN_LEFT_TO_ADMIT = timedelta(minutes=5)
CLASHES = "Clashes with a conversation or other office hours"  # a skipped window's note, when nobody is named
CALENDAR_BUSY = "Clashes with a busy time in the person's own calendar"  # the same, from their connected calendar


class HoursError(Exception):
    """Something the person asked for can't be done; the message says why, in their words."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class SeriesData:
    weekday: int
    start_time: time
    end_time: time
    zone: str
    talk_minutes: int = 15
    cap: int = 4
    auto_admit: bool = False


def _check_settings(talk_minutes: int, cap: int, minutes: float) -> None:
    if talk_minutes not in TALK_LENGTHS:
        raise HoursError(_("Choose a talk length of 10, 15, 20 or 30 minutes."), "talk_minutes")
    if not 1 <= cap <= MAX_CAP:
        raise HoursError(_("Allow between 1 and %(max)d talks per window.", max=MAX_CAP), "cap")
    if minutes < talk_minutes:
        raise HoursError(ngettext("The window must be at least as long as one talk (%(num)d minute).",
                                  "The window must be at least as long as one talk (%(num)d minutes).", talk_minutes),
                         "end_time")


# --- holding time -------------------------------------------------------------------------------


def _hold(window: HoursWindow, start: datetime) -> None:
    """Hold the person's time from ``start`` to the window's end (IntegrityError if any is held)."""
    with db.session.begin_nested():
        db.session.add_all(BookedUnit(staff_id=window.staff_id, unit_start=unit, window_id=window.id)
                           for unit in units(start, window.end_at))


def release(window: HoursWindow, since: datetime | None = None) -> None:
    """Give back the window's time (from ``since`` on: a window closed early frees what's left)."""
    query = sa.delete(BookedUnit).where(BookedUnit.window_id == window.id)
    if since is not None:  # the unit under way stays held; the ones starting from now are free again
        query = query.where(BookedUnit.unit_start >= since)
    db.session.execute(query)


def clash(staff_id: int, start: datetime, end: datetime) -> Meeting | None:
    """The person's confirmed conversation overlapping [start, end), if any (for the message)."""
    return db.session.scalar(sa.select(Meeting).where(
        Meeting.staff_id == staff_id, Meeting.status == Status.CONFIRMED,
        Meeting.start_at < end, Meeting.end_at > start).order_by(Meeting.start_at).limit(1))


def skip_note(window: HoursWindow) -> str:
    """Why a window was skipped, in the reader's language: the conversation in its way (named, at its
    time in the series' zone, as the stored English ``note`` says it), else the stored reason."""
    other = clash(window.staff_id, window.start_at, window.end_at)
    if other is not None and other.candidate.user is not None:
        zone = window.series.zone if window.series is not None else window.staff.timezone
        return _("Clashes with the conversation with %(name)s at %(when)s", name=other.candidate.user.name,
                 when=format_datetime(other.start_at, zone))
    if not window.note or window.note == CLASHES:
        return _("Clashes with a conversation or other office hours")
    if window.note == CALENDAR_BUSY:
        return _("Clashes with a busy time in the person's own calendar")
    return window.note


# --- series -------------------------------------------------------------------------------------


def series_windows(series: HoursSeries, since: date, until: date) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of the series' windows on local dates [since, until] (DST-aware)."""
    tz = zone_info(series.zone)
    out, day = [], since
    while day <= until:
        if day.weekday() == series.weekday:
            start = local_to_utc(datetime.combine(day, series.start_time), tz)
            end = window_end_utc(datetime.combine(day, series.end_time), tz)
            if start is not None and end > start:
                out.append((start, end))
        day += timedelta(days=1)
    return out


def add_series(person, data: SeriesData, now: datetime, by) -> HoursSeries:
    """New recurring office hours for ``person`` (a User with a profile), windows made at once."""
    if not 0 <= data.weekday <= 6:
        raise HoursError(_("Choose a day of the week."), "weekday")
    if data.end_time <= data.start_time:
        raise HoursError(_("The end must be after the start."), "end_time")
    minutes = (datetime.combine(date.min, data.end_time) - datetime.combine(date.min, data.start_time))
    _check_settings(data.talk_minutes, data.cap, minutes.total_seconds() / 60)
    series = HoursSeries(staff_id=person.id, weekday=data.weekday, start_time=data.start_time,
                         end_time=data.end_time, zone=data.zone, talk_minutes=data.talk_minutes, cap=data.cap,
                         auto_admit=data.auto_admit, created_by_id=getattr(by, "id", None))
    db.session.add(series)
    db.session.flush()
    made = materialize(series, now)
    record("hours.series_added", f"{by.name} set office hours for {person.name}: {WEEKDAYS[series.weekday]}s "
           f"{data.start_time:%H:%M}–{data.end_time:%H:%M} ({data.zone})", actor=by, subject=series,
           windows=len(made))
    clock.changed(now)
    return series


def materialize(series: HoursSeries, now: datetime, weeks: int = WEEKS_AHEAD) -> list[HoursWindow]:
    """The series' windows from now to ``weeks`` ahead that don't exist yet, each holding the person's
    time; one that clashes with a confirmed conversation is kept as ``skipped`` (with why)."""
    tz = zone_info(series.zone)
    today = now.astimezone(tz).date()
    existing = set(db.session.scalars(sa.select(HoursWindow.start_at).where(HoursWindow.series_id == series.id)))
    made = []
    for start, end in series_windows(series, today, today + timedelta(weeks=weeks)):
        if end <= now or start in existing:
            continue
        window = HoursWindow(staff_id=series.staff_id, series_id=series.id, start_at=start, end_at=end,
                             talk_minutes=series.talk_minutes, cap=series.cap, auto_admit=series.auto_admit,
                             created_by_id=series.created_by_id)
        try:
            with db.session.begin_nested():
                db.session.add(window)
                db.session.flush()
        except IntegrityError:  # another worker made it a moment ago
            continue
        if busy_overlapping(series.staff_id, start, end) is not None:
            window.status, window.note = WindowStatus.SKIPPED, CALENDAR_BUSY
            made.append(window)
            continue
        try:
            _hold(window, max(start, now))
        except IntegrityError:
            other = clash(series.staff_id, start, end)
            window.status = WindowStatus.SKIPPED
            # Stored in English, like every note; pages show it in the reader's language (``skip_note``).
            window.note = (f"Clashes with the conversation with {other.candidate.user.name} at "
                           f"{format_datetime(other.start_at, series.zone, locale='en')}" if other and other.candidate.user
                           else CLASHES)
        made.append(window)
    db.session.flush()
    return made


def delete_series(series: HoursSeries, now: datetime, by) -> int:
    """Stop the series: its windows not yet started are called off (their time freed). Returns how many."""
    windows = list(db.session.scalars(sa.select(HoursWindow).where(
        HoursWindow.series_id == series.id, HoursWindow.status == WindowStatus.SCHEDULED)))
    for window in windows:
        cancel_window(window, now, by, changed=False)
    record("hours.series_removed", f"{by.name} stopped {series.staff.name}'s office hours on "
           f"{WEEKDAYS[series.weekday]}s", actor=by, subject=series)
    db.session.delete(series)
    clock.changed(now)
    return len(windows)


# --- one window ---------------------------------------------------------------------------------


def _place(person, window: HoursWindow, field: str, now_live: bool = False) -> None:
    """Add ``window`` holding the person's time, or HoursError saying what is in the way (and no
    window is left behind: nothing changed). ``now_live``: going live now (the advice differs, and the
    person's own calendar isn't asked: they say they are free now)."""
    busy = None if now_live else busy_overlapping(person.id, window.start_at, window.end_at)
    if busy is not None:
        raise HoursError(_("The person's own calendar is busy from %(when)s: choose another time.",
                           when=format_datetime(busy[0], person.timezone)), field)
    try:
        with db.session.begin_nested():
            db.session.add(window)
            db.session.flush()
            _hold(window, window.start_at)
    except IntegrityError:
        other = clash(person.id, window.start_at, window.end_at)
        if other is not None:
            who = other.candidate.user.name if other.candidate.user else _("a candidate")
            when = format_datetime(other.start_at, person.timezone)
            raise HoursError(_("You have a conversation with %(who)s at %(when)s: choose a shorter time, or go live "
                               "after it.", who=who, when=when) if now_live else
                             _("You have a conversation with %(who)s at %(when)s: choose another time.",
                               who=who, when=when), field) from None
        raise HoursError(_("Part of that time is already taken by other office hours: choose a shorter time, or go "
                           "live after it.") if now_live else
                         _("Part of that time is already taken by other office hours: choose another time."),
                         field) from None


MAX_ONE_OFF = timedelta(hours=4)
BOOK_AHEAD = timedelta(days=90)


def add_window(person, start: datetime, end: datetime, now: datetime, by, *, talk_minutes: int = 15, cap: int = 4,
               auto_admit: bool = False) -> HoursWindow:
    """One-off office hours at a chosen time (UTC; not recurring): held like a series' window, with the
    go-live e-mail ten minutes before."""
    if start < now.replace(second=0, microsecond=0):
        raise HoursError(_("Choose a start that is still ahead."), "start_time")
    if start > now + BOOK_AHEAD:
        raise HoursError(_("Choose a date within the next 90 days."), "day")
    if end <= start:
        raise HoursError(_("The end must be after the start."), "end_time")
    if end - start > MAX_ONE_OFF:
        raise HoursError(_("Office hours can last at most 4 hours."), "end_time")
    _check_settings(talk_minutes, cap, (end - start).total_seconds() / 60)
    window = HoursWindow(staff_id=person.id, start_at=start, end_at=end, talk_minutes=talk_minutes, cap=cap,
                         auto_admit=auto_admit, created_by_id=getattr(by, "id", None))
    _place(person, window, "start_time")
    record("hours.window_added", f"{by.name} added office hours for {person.name}: "
           f"{format_datetime(start, person.timezone, locale='en')}", actor=by, subject=window)
    clock.changed(now)
    return window


def go_live_now(person, minutes: int, now: datetime, by, *, talk_minutes: int = 15, cap: int = 4,
                auto_admit: bool = False) -> HoursWindow:
    """A window from now for ``minutes``, live at once; refused over a confirmed conversation or while
    another window of theirs is live. Those who asked to hear when this person goes live are e-mailed."""
    if minutes not in LIVE_NOW_MINUTES:
        raise HoursError(_("Choose how long you'll be online."), "minutes")
    _check_listed(person)
    _check_settings(talk_minutes, cap, minutes)
    if live_window(person.id) is not None:
        raise HoursError(_("You're already live. Close that window first."))
    start, end = now.replace(second=0, microsecond=0), now.replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    window = HoursWindow(staff_id=person.id, start_at=start, end_at=end, talk_minutes=talk_minutes, cap=cap,
                         auto_admit=auto_admit, status=WindowStatus.LIVE, live_at=now,
                         created_by_id=getattr(by, "id", None))
    _place(person, window, "minutes", now_live=True)
    record("hours.live", f"{person.name} went live for {minutes} minutes", actor=by, subject=window)
    notify.watchers_told(window)
    clock.changed(now)
    return window


def _check_listed(person) -> None:
    """Going live is for someone candidates can find: hidden from the directory (or closed), nobody
    could join, and those waiting to hear would be sent to a page that says so."""
    profile = person.profile
    if not person.active or profile is None or not profile.visible:
        raise HoursError(_("You're hidden from candidates in the directory, so nobody could join: ask a recruiter "
                           "to show you again first."))


def live_window(staff_id: int) -> HoursWindow | None:
    return db.session.scalar(sa.select(HoursWindow).where(HoursWindow.staff_id == staff_id,
                                                          HoursWindow.status == WindowStatus.LIVE).limit(1))


def can_go_live(window: HoursWindow, now: datetime) -> bool:
    return window.status == WindowStatus.SCHEDULED and window.start_at - GO_LIVE_EARLY <= now < window.end_at


def go_live(window: HoursWindow, now: datetime, by=None) -> HoursWindow:
    """scheduled → live (compare-and-set: a second click, or a second tab, changes nothing); those
    who asked to hear when this person goes live are e-mailed (``notify.watchers_told``)."""
    if window.status == WindowStatus.LIVE:
        return window
    _check_listed(window.staff)
    other = live_window(window.staff_id)
    if other is not None and other.id != window.id and other.end_at > now:
        raise HoursError(_("You're live already, until %(end)s: close those office hours first.",
                           end=format_datetime(other.end_at, window.staff.timezone)))
    if not can_go_live(window, now):
        if window.status == WindowStatus.SCHEDULED and now < window.start_at - GO_LIVE_EARLY:
            raise HoursError(_("These office hours start %(start)s: you can go live from 10 minutes before.",
                               start=format_datetime(window.start_at, window.staff.timezone)))
        raise HoursError(_("These office hours are over."))
    result = db.session.execute(sa.update(HoursWindow).where(HoursWindow.id == window.id,
                                                             HoursWindow.status == WindowStatus.SCHEDULED)
                                .values(status=WindowStatus.LIVE, live_at=now)
                                .execution_options(synchronize_session=False))
    db.session.refresh(window)
    if result.rowcount == 1:
        record("hours.live", f"{window.staff.name} went live", actor=by or window.staff, subject=window)
        notify.watchers_told(window)
        clock.changed(now)
    return window


def cancel_window(window: HoursWindow, now: datetime, by, *, changed: bool = True) -> None:
    """A scheduled window called off before it starts: its time is freed. Compare-and-set: a window
    that went live a moment ago (its go-live link) stays live."""
    result = db.session.execute(sa.update(HoursWindow).where(HoursWindow.id == window.id,
                                                             HoursWindow.status == WindowStatus.SCHEDULED)
                                .values(status=WindowStatus.CANCELLED, closed_at=now)
                                .execution_options(synchronize_session=False))
    db.session.refresh(window)
    if result.rowcount != 1:
        raise HoursError(_("Only office hours that haven't started can be called off."))
    release(window)
    db.session.flush()
    if changed:
        record("hours.cancelled", f"{by.name} called off {window.staff.name}'s office hours on "
               f"{format_datetime(window.start_at, window.staff.timezone, locale='en')}", actor=by, subject=window)
        clock.changed(now)


def upcoming(now: datetime, staff_id: int | None = None, days: int = 7, limit: int = 50, *,
             visible_only: bool = False) -> list[HoursWindow]:
    """Windows ahead (scheduled, ending after now) within ``days``, soonest first, with their person
    (pages name them: one query, not one per window); ``visible_only``: only of people candidates can
    see (a visible profile, an active account)."""
    return list(db.session.scalars(_upcoming_statement(staff_id is not None, visible_only),
                                   {"now": now, "until": now + timedelta(days=days), "staff_id": staff_id,
                                    "limit": limit}))


@cache
def _upcoming_statement(one_person: bool, visible_only: bool) -> sa.Select:
    """``upcoming``'s statement, built once for each shape (pages ask on every view)."""
    query = (sa.select(HoursWindow).options(joinedload(HoursWindow.staff))
             .where(HoursWindow.status == WindowStatus.SCHEDULED, HoursWindow.end_at > moment_param("now"),
                    HoursWindow.start_at < moment_param("until")))
    if one_person:
        query = query.where(HoursWindow.staff_id == sa.bindparam("staff_id"))
    if visible_only:
        query = (query.join(StaffProfile, StaffProfile.user_id == HoursWindow.staff_id)
                 .join(User, User.id == HoursWindow.staff_id)
                 .where(StaffProfile.visible.is_(True), User.active.is_(True)))
    return query.order_by(HoursWindow.start_at).limit(sa.bindparam("limit"))


def series_of(staff_id: int) -> list[HoursSeries]:
    return list(db.session.scalars(sa.select(HoursSeries).where(HoursSeries.staff_id == staff_id)
                                   .order_by(HoursSeries.weekday, HoursSeries.start_time)))


def top_up(now: datetime) -> int:
    """Make every series' windows up to WEEKS_AHEAD (the worker calls this); returns windows made."""
    made = 0
    for series in db.session.scalars(sa.select(HoursSeries)):
        made += len(materialize(series, now))
    if made:
        clock.changed(now)
    return made
