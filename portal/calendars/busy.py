"""Busy times from iCalendar text: which stretches of a window a person's calendar says they are taken.

Pure: no Flask, no database, no network. Recurring events are expanded by ``recurring_ical_events``
(RRULE, RDATE, EXDATE, moved occurrences by RECURRENCE-ID, Google's X-WR-TIMEZONE); this module
decides what counts as busy:

* an event is busy unless it is TRANSP:TRANSPARENT ("show me as free") or STATUS:CANCELLED;
  TENTATIVE is busy (the person may well go);
* an all-day event (DATE values) takes the person's whole local day(s) in ``zone``: DTEND is
  exclusive, no DTEND means one day;
* a floating time (no TZID, no Z) is read in ``zone``;
* an event with a DATE-TIME start and neither DTEND nor DURATION lasts no time and is left out;
* VFREEBUSY periods of type BUSY, BUSY-TENTATIVE and BUSY-UNAVAILABLE are busy (FREE is not).

The work is bounded: at most :data:`MAX_OCCURRENCES` occurrences are read from one call. A calendar
holding more in the window (a rule repeating every minute) gives its first ones per series and no
more, series after series until the budget is spent: a busy picture with holes rather than a worker
stuck expanding a pathological rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events

from .errors import CalendarError

HORIZON_DAYS = 62  # how far ahead busy times are read
MAX_OCCURRENCES = 5000  # per call to busy_from_ical, across every series in the text
BUSY_FBTYPES = frozenset({"BUSY", "BUSY-TENTATIVE", "BUSY-UNAVAILABLE"})
# The expansion is asked for a wider window than the caller's: all-day and floating events are
# compared in the library by wall clock, and a local day can start up to 14 hours either side of UTC.
_MARGIN = timedelta(days=2)

Interval = tuple[datetime, datetime]


def busy_from_ical(data: bytes | str | list[bytes | str], start: datetime, end: datetime, zone: str, *,
                   ignore_uid: Callable[[str], bool] = lambda uid: False) -> list[Interval]:
    """Busy intervals in ``[start, end)``: aware UTC, sorted, with overlapping and touching ones merged.

    ``data`` is one iCalendar text (it may hold several VCALENDARs one after the other, as a CalDAV
    REPORT's objects do when joined) or a list of them. ``zone`` is the person's IANA zone, for
    all-day and floating events. ``ignore_uid(uid)`` true leaves an event out (the portal's own).
    Raises CalendarError("not_a_calendar") when the text is not iCalendar.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    try:
        local = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r}") from None
    if end <= start:
        return []
    intervals: list[Interval] = []
    budget = [MAX_OCCURRENCES]
    for calendar in _calendars(data):
        intervals.extend(_event_intervals(calendar, start, end, local, ignore_uid, budget))
        intervals.extend(_freebusy_intervals(calendar))
    return merge(clip(intervals, start, end))


def _calendars(data: bytes | str | list[bytes | str]) -> list[icalendar.Calendar]:
    """Every VCALENDAR in ``data``; CalendarError("not_a_calendar") for anything else."""
    texts = data if isinstance(data, list) else [data]
    calendars = []
    for text in texts:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        text = text.lstrip("\ufeff \t\r\n")
        if not text.startswith("BEGIN:VCALENDAR"):
            raise CalendarError("not_a_calendar", "the text is not iCalendar (no BEGIN:VCALENDAR)")
        try:
            components = icalendar.Calendar.from_ical(text, multiple=True)
        except (ValueError, KeyError, IndexError, TypeError) as error:
            raise CalendarError("not_a_calendar", f"unreadable iCalendar ({type(error).__name__})") from None
        found = [component for component in components if component.name == "VCALENDAR"]
        if not found:
            raise CalendarError("not_a_calendar", "no VCALENDAR in the text")
        calendars.extend(found)
    return calendars


def _event_intervals(calendar: icalendar.Calendar, start: datetime, end: datetime, local: tzinfo,
                     ignore_uid: Callable[[str], bool], budget: list[int]) -> Iterable[Interval]:
    """The busy occurrences of the calendar's VEVENTs, spending ``budget[0]`` occurrences at most."""
    try:
        query = recurring_ical_events.of(calendar, skip_bad_series=True)
    except (ValueError, KeyError, TypeError) as error:  # InvalidCalendar is a ValueError
        raise CalendarError("not_a_calendar", f"unreadable iCalendar ({type(error).__name__})") from None
    skipped = tuple(query.suppressed_errors) + (ValueError, TypeError, KeyError, OverflowError)
    for series in query.series:
        if budget[0] <= 0:
            return
        try:
            for occurrence in series.between(start - _MARGIN, end + _MARGIN):
                if budget[0] <= 0:
                    break
                budget[0] -= 1
                interval = _occurrence_interval(occurrence, local, ignore_uid)
                if interval is not None:
                    yield interval
        except skipped:  # one broken series (a bad RRULE, an end before the start) spoils only itself
            continue


def _occurrence_interval(occurrence, local: tzinfo, ignore_uid: Callable[[str], bool]) -> Interval | None:
    component = occurrence.as_component(False)
    if str(component.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return None
    uid = str(component.get("UID", ""))
    if uid and ignore_uid(uid):
        return None
    begin, finish = _to_utc(occurrence.start, local), _to_utc(occurrence.end, local)
    if finish <= begin:
        return None
    return begin, finish


def _to_utc(value: date | datetime, local: tzinfo) -> datetime:
    """A DATE is the start of that day in the person's zone; a floating time is their local time."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=local)
    return value.astimezone(UTC)


def _freebusy_intervals(calendar: icalendar.Calendar) -> Iterable[Interval]:
    """VFREEBUSY periods of a busy type. icalendar gives one vPeriod per period, with its FBTYPE."""
    for component in calendar.walk("VFREEBUSY"):
        periods = component.get("FREEBUSY", [])
        for period in periods if isinstance(periods, list) else [periods]:
            if str(period.params.get("FBTYPE", "BUSY")).upper() not in BUSY_FBTYPES:
                continue
            value = getattr(period, "dt", None)
            if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], datetime)):
                continue
            begin, other = value
            finish = begin + other if isinstance(other, timedelta) else other
            if not isinstance(finish, datetime):
                continue
            begin, finish = _as_utc(begin), _as_utc(finish)
            if finish > begin:
                yield begin, finish


def _as_utc(value: datetime) -> datetime:
    """FREEBUSY times are UTC by the standard; one without a zone is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    """The parts of ``intervals`` inside ``[start, end)``; empty ones dropped."""
    clipped = []
    for begin, finish in intervals:
        begin, finish = max(begin, start), min(finish, end)
        if finish > begin:
            clipped.append((begin, finish))
    return clipped


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined into one."""
    merged: list[Interval] = []
    for begin, finish in sorted(intervals):
        if merged and begin <= merged[-1][1]:
            if finish > merged[-1][1]:
                merged[-1] = (merged[-1][0], finish)
        else:
            merged.append((begin, finish))
    return merged
