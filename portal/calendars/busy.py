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

One broken part spoils only itself: a component that can't be read (a malformed FREEBUSY line: only
that line), an event without DTSTART or with two UIDs, a series whose rule can't be expanded are left
out (and counted in ``skipped``), and an unknown X-WR-TIMEZONE is ignored (times read as written). Only
text in which no VCALENDAR can be read at all is "not a calendar".

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
                   ignore_uid: Callable[[str], bool] = lambda uid: False,
                   skipped: list[str] | None = None) -> list[Interval]:
    """Busy intervals in ``[start, end)``: aware UTC, sorted, with overlapping and touching ones merged.

    ``data`` is one iCalendar text (it may hold several VCALENDARs one after the other, as a CalDAV
    REPORT's objects do when joined) or a list of them. ``zone`` is the person's IANA zone, for
    all-day and floating events. ``ignore_uid(uid)`` true leaves an event out (the portal's own).
    ``skipped``, when given, gets a short note (no content of the events) for each broken part left out.
    Raises CalendarError("not_a_calendar") when the text is not iCalendar (no VCALENDAR in it can be read).
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
    skipped = [] if skipped is None else skipped
    for calendar in _calendars(data, skipped):
        intervals.extend(_event_intervals(calendar, start, end, local, ignore_uid, budget, skipped))
        intervals.extend(_freebusy_intervals(calendar))
    return merge(clip(intervals, start, end))


def _calendars(data: bytes | str | list[bytes | str], skipped: list[str]) -> list[icalendar.Calendar]:
    """Every VCALENDAR in ``data``, its unreadable components left out; CalendarError("not_a_calendar")
    when a text doesn't start as iCalendar or no VCALENDAR in it can be read."""
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
        except _UNREADABLE:
            components = _read_piece_by_piece(text, skipped)
        found = [component for component in components if component.name == "VCALENDAR"]
        if not found:
            raise CalendarError("not_a_calendar", "no VCALENDAR in the text")
        calendars.extend(found)
    return calendars


_UNREADABLE = (ValueError, KeyError, IndexError, TypeError)


def _read_piece_by_piece(text: str, skipped: list[str]) -> list[icalendar.Component]:
    """The VCALENDARs of a text icalendar refused as a whole, read component by component: a calendar
    whose own lines can't be read is left out; a component that can't be read is read again without
    its unreadable lines (a malformed FREEBUSY line), and left out if that fails too."""
    calendars: list[icalendar.Component] = []
    own: list[str] = []
    blocks: list[list[str]] = []
    depth = 0
    for line in icalendar.parser.Contentlines.from_ical(text):
        if not line.strip():
            continue
        upper = line.upper()
        if upper.startswith("BEGIN:"):
            depth += 1
            if depth == 1:
                own, blocks = [], []
                continue
            if depth == 2:
                blocks.append([])
        elif upper.startswith("END:"):
            depth -= 1
            if depth == 0:
                calendars.extend(_assemble(own, blocks, skipped))
                continue
        if depth == 1 and not upper.startswith("END:"):
            own.append(line)
        elif depth >= 1 and blocks:
            blocks[-1].append(line)
    return calendars


def _assemble(own: list[str], blocks: list[list[str]], skipped: list[str]) -> list[icalendar.Component]:
    try:
        calendar = icalendar.Calendar.from_ical("\r\n".join(["BEGIN:VCALENDAR", *own, "END:VCALENDAR"]))
    except _UNREADABLE:
        skipped.append("a VCALENDAR whose own lines can't be read")
        return []
    for block in blocks:
        try:
            calendar.add_component(icalendar.Component.from_ical("\r\n".join(block)))
            continue
        except _UNREADABLE:
            pass
        name = block[0].partition(":")[2].strip().upper()
        kept = [line for line in block if not _lone_line_unreadable(name, line)] if name else []
        try:
            calendar.add_component(icalendar.Component.from_ical("\r\n".join(kept)))
            skipped.append(f"unreadable lines of a {name}")
        except _UNREADABLE:
            skipped.append(f"an unreadable {name or 'component'}")
    return [calendar]


def _lone_line_unreadable(name: str, line: str) -> bool:
    """A property line (of a component named ``name``) that icalendar refuses even on its own."""
    if line.upper().startswith(("BEGIN:", "END:")):
        return False
    try:
        icalendar.Component.from_ical(f"BEGIN:{name}\r\n{line}\r\nEND:{name}")
    except _UNREADABLE:
        return True
    return False


def _event_intervals(calendar: icalendar.Calendar, start: datetime, end: datetime, local: tzinfo,
                     ignore_uid: Callable[[str], bool], budget: list[int], skipped: list[str]) -> Iterable[Interval]:
    """The busy occurrences of the calendar's VEVENTs, spending ``budget[0]`` occurrences at most."""
    _drop_unknown_calendar_zone(calendar, skipped)
    for query in _queries(calendar, skipped):
        broken = tuple(query.suppressed_errors) + _UNREADABLE + (OverflowError,)
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
            except broken:  # one broken series (a bad RRULE, an end before the start) spoils only itself
                skipped.append("a series that can't be expanded")
                continue


def _drop_unknown_calendar_zone(calendar: icalendar.Calendar, skipped: list[str]) -> None:
    """An X-WR-TIMEZONE that names no known zone (or is given twice) is ignored: times are read as written."""
    value = calendar.get("X-WR-TIMEZONE")
    if value is None:
        return
    try:
        ZoneInfo(str(value).strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        del calendar["X-WR-TIMEZONE"]
        skipped.append("an unknown X-WR-TIMEZONE")


def _queries(calendar: icalendar.Calendar, skipped: list[str]) -> list:
    """recurring_ical_events' view of the calendar; when it refuses the whole (an event without DTSTART,
    one with two UIDs), a view per UID, those it refuses left out."""
    try:
        return [recurring_ical_events.of(calendar, skip_bad_series=True)]
    except _UNREADABLE:  # InvalidCalendar is a ValueError
        pass
    groups: dict[str, list[icalendar.Component]] = {}
    for event in calendar.walk("VEVENT"):
        groups.setdefault(repr(event.get("UID")), []).append(event)
    shared = [component for component in calendar.subcomponents if component.name == "VTIMEZONE"]
    queries = []
    for events in groups.values():
        piece = icalendar.Calendar()
        for key, value in calendar.items():
            piece.add(key, value, encode=False)
        for component in (*shared, *events):
            piece.add_component(component)
        try:
            queries.append(recurring_ical_events.of(piece, skip_bad_series=True))
        except _UNREADABLE:
            skipped.append("an event that can't be read (no start, two UIDs…)")
    return queries


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
