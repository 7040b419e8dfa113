"""Bookable slots: a person's weekly windows turned into concrete UTC intervals for a viewer.

Windows are wall-clock times in a zone ("Mondays 09:00-11:00 Europe/Berlin"), so the same
window is a different UTC instant before and after a DST change, and a different calendar day
for a viewer far away. Everything here works in aware UTC datetimes and only uses wall-clock
time to generate candidates and to decide which day something is on. Pure: no request, no
writes; the caller passes what is already booked (``busy``, ``booked_per_week``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..timeutil import Fit, Hours, fit, utcnow
from .models import StaffProfile

MAX_RANGE_DAYS = 62  # inclusive dates per call: bounds the work a single request can cause
# UTC offsets span -12h..+14h, so a viewer's date is at most two days away from a window's date.
_DATE_MARGIN = timedelta(days=2)


@dataclass(frozen=True)
class Slot:
    """One bookable interval, stored in UTC so it compares and dedupes across zones."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Slot needs aware datetimes (UTC)")

    def in_zone(self, zone: str) -> tuple[datetime, datetime]:
        """Start and end as wall-clock times in ``zone`` (for display)."""
        tz = zone_info(zone)
        return self.start.astimezone(tz), self.end.astimezone(tz)


def zone_info(name: str | None) -> ZoneInfo:
    """ZoneInfo, but a bad name is a ValueError (callers validate input, not catch KeyError)."""
    try:
        return ZoneInfo(name or "")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone: {name!r}") from None


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """UTC for a wall-clock time in ``tz``; ambiguous → first occurrence, nonexistent → None.

    zoneinfo silently maps a time inside a spring-forward gap to *some* instant; a round trip
    that doesn't give the same wall clock back means the time never happened there.
    """
    utc = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return utc if utc.astimezone(tz).replace(tzinfo=None) == wall else None


def window_end_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant at which the local clock reads ``wall`` or later.

    Usually just ``wall`` in UTC. If ``wall`` falls in a spring-forward gap (a window "until
    02:30" on the night 02:00 jumps to 03:00), the window ends at the jump itself: no real
    instant reads 02:30, and the clock reads past it from the jump on. Found by bisection
    between the two offsets' readings of ``wall`` (transitions are on whole seconds).
    """
    exact = local_to_utc(wall, tz)
    if exact is not None:
        return exact
    a, b = (wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    lo, hi = min(a, b), max(a, b)  # lo still reads the old offset, hi the new one
    before = lo.astimezone(tz).utcoffset()
    while hi - lo > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        lo, hi = (mid, hi) if mid.astimezone(tz).utcoffset() == before else (lo, mid)
    return hi.replace(microsecond=0)


def free_slots(profile: StaffProfile, start: date, end: date, length: timedelta, viewer_zone: str, *,
               now: datetime | None = None,
               busy: Iterable[tuple[datetime, datetime]] = (),
               booked_per_week: Mapping[tuple[int, int], int] | None = None,
               step: timedelta = timedelta(minutes=30)) -> list[Slot]:
    """Slots of ``length`` the person can still take, starting on viewer dates ``start``..``end``.

    Candidates start at each window's local start and every ``step`` after it while the
    wall-clock end stays within the window; starts in a DST gap are skipped, ambiguous ones use
    the first occurrence, and a slot must also end (in absolute time) by the window's end.
    Then time off (person's zone), the past (``now``), ``busy`` intervals (half-open) and the
    weekly cap (ISO week of the start in the person's zone) remove slots. Sorted, unique.
    """
    if length <= timedelta(0):
        raise ValueError("slot length must be positive")
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    if end < start:
        raise ValueError(f"end date {end} is before start date {start}")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ValueError(f"date range is longer than {MAX_RANGE_DAYS} days")
    viewer_tz = zone_info(viewer_zone)
    person_tz = zone_info(profile.user.timezone)
    now = _aware(now, "now") if now is not None else utcnow()
    busy_utc = [(_aware(b_start, "busy start"), _aware(b_end, "busy end")) for b_start, b_end in busy]
    booked = booked_per_week or {}
    if profile.weekly_cap <= 0:
        return []
    days_off = [(off.start_date, off.end_date) for off in profile.time_off]

    def is_day_off(moment: datetime) -> bool:
        day = moment.astimezone(person_tz).date()
        return any(first <= day <= last for first, last in days_off)

    found: set[Slot] = set()
    for window in profile.windows:
        tz = zone_info(window.zone)
        day = start - _DATE_MARGIN
        while day <= end + _DATE_MARGIN:
            if day.weekday() == window.weekday:
                found.update(_window_slots(day, window.start_time, window.end_time, tz, length, step))
            day += timedelta(days=1)

    result = []
    for slot in sorted(found, key=lambda s: s.start):
        if not start <= slot.start.astimezone(viewer_tz).date() <= end or slot.start <= now:
            continue
        # The end is exclusive: a slot ending at 00:00 doesn't touch the next day.
        if is_day_off(slot.start) or is_day_off(slot.end - timedelta(microseconds=1)):
            continue
        if any(slot.start < b_end and b_start < slot.end for b_start, b_end in busy_utc):
            continue
        iso = slot.start.astimezone(person_tz).isocalendar()
        if booked.get((iso.year, iso.week), 0) >= profile.weekly_cap:
            continue
        result.append(slot)
    return result


def _window_slots(day: date, start: time, end: time, tz: ZoneInfo, length: timedelta,
                  step: timedelta) -> Iterable[Slot]:
    """Candidate slots of one window on one local date (before any filtering)."""
    wall, wall_end = datetime.combine(day, start), datetime.combine(day, end)
    end_utc = window_end_utc(wall_end, tz)
    while wall + length <= wall_end:
        begin = local_to_utc(wall, tz)
        if begin is not None and begin + length <= end_utc:
            yield Slot(begin, begin + length)
        wall += step


def merge_ranges(slots: list[Slot]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching slots as continuous UTC ranges ("free 09:00-11:00" displays)."""
    ranges: list[tuple[datetime, datetime]] = []
    for slot in sorted(slots, key=lambda s: (s.start, s.end)):
        begin, finish = slot.start.astimezone(UTC), slot.end.astimezone(UTC)
        if ranges and begin <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], finish))
        else:
            ranges.append((begin, finish))
    return ranges


# --- the other side's day -------------------------------------------------------------------------

NEAREST_OUTSIDE = 6  # when nothing fits someone's hours, this many of the nearest times outside them


def within_hours(slots: list[Slot], zone: str, hours: Hours, *, show_all: bool = False
                 ) -> tuple[list[tuple[Slot, Fit]], bool]:
    """The slots to offer someone in ``zone`` with ``hours``, each with its fit, and whether these are
    the nearest times *outside* their hours because none fall inside.

    Inside slots only, unless ``show_all`` (every slot, outside ones labelled) or none is inside
    (then the ``NEAREST_OUTSIDE`` nearest to their day, in time order).
    """
    fitted = [(slot, fit(slot.start, slot.end, zone, hours)) for slot in slots]
    if show_all:
        return fitted, False
    inside = [(slot, f) for slot, f in fitted if f.inside]
    if inside or not fitted:
        return inside, False
    nearest = sorted(fitted, key=lambda pair: (pair[1].by, pair[0].start))[:NEAREST_OUTSIDE]
    return sorted(nearest, key=lambda pair: pair[0].start), True
