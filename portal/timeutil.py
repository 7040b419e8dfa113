"""Time: stored in UTC, shown in the viewer's zone with the zone's name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel import dates as babel_dates
from sqlalchemy import DateTime, bindparam
from sqlalchemy.types import TypeDecorator



# How far from now a typed or chosen date may be. Every real plan fits (deadlines, time off, audit
# searches, conversations), and arithmetic on what's inside (a day later, another zone) can't fall
# off the calendar the way year 1 or 9999 does.
REACH = timedelta(days=366)


def within_reach(value: datetime | date | None, now: datetime | None = None, *, back: timedelta = REACH,
                 ahead: timedelta = REACH) -> bool:
    """``value`` lies between ``back`` before and ``ahead`` after now (a date or a naive local time
    compares by its calendar value: a year either way makes the zone irrelevant). None is in reach."""
    if value is None:
        return True
    now = now or utcnow()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            now = now.astimezone(UTC).replace(tzinfo=None)
        try:
            return now - back <= value <= now + ahead
        except OverflowError:
            return False
    today = now.date()
    try:
        return today - back <= value <= today + ahead
    except OverflowError:
        return False


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


def moment_param(name: str):
    """A moment given to a statement when it runs (``{name: datetime}``), so that the statement can be
    built once (``functools.cache``) rather than on every request: building an ORM statement and its
    cache key costs more Python than running it."""
    return bindparam(name, type_=UTCDateTime())


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and always read back as an aware UTC datetime.

    SQLite has no time zone support and PostgreSQL's ``timestamptz`` converts to the session
    zone; storing naive UTC behaves the same on both and refuses naive input, which is how
    "local time stored by mistake" bugs get in.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def is_valid_timezone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory ("Europe"), a name too long
        return False
    return True


def timezone_choices() -> list[str]:
    """Every IANA zone name, sorted, for select lists."""
    return sorted(z for z in available_timezones() if "/" in z or z == "UTC")


@lru_cache(maxsize=1024)
def zone_info(name: str) -> ZoneInfo:
    """``ZoneInfo(name)``, kept for good. zoneinfo itself keeps only the 8 zones used last, so a page
    going through the 419 listed zones (the time-zone picker's labels) read each zone's file from disk
    again on every request. Raises as ZoneInfo does for a name that is no zone (nothing is kept)."""
    return ZoneInfo(name)


def to_zone(value: datetime, zone: str) -> datetime:
    return value.astimezone(zone_info(zone))


def zone_label(local: datetime) -> str:
    """What the clock's zone is called at ``local``: ``CET``, ``EST``, ``GMT``; where the zone has no
    abbreviation (the database writes ``+04``, ``-03``, ``+0530``), ``GMT+4``, ``GMT-3``, ``GMT+5:30``."""
    return _abbreviation_label(local.tzname() or "")


@lru_cache(maxsize=512)
def _abbreviation_label(name: str) -> str:
    match = re.fullmatch(r"([+-])(\d{2})(\d{2})?", name)
    if not match:
        return name
    sign, hours, minutes = match.groups()
    return f"GMT{sign}{int(hours)}" + (f":{minutes}" if minutes and minutes != "00" else "")


# Days as each language writes them (Babel's CLDR skeletons): ``Tue 1 Dec 2026``, ``Di., 1. Dez. 2026``,
# ``mar, 1 dic 2026``, ``2026年12月1日(火)``. English keeps the day before the month, as we always wrote it.
DAY_SKELETONS = ("yMMMEd", "MMMEd", "MMMMEEEEd", "yMMMd", "yMMM", "MMMd")
_ENGLISH_DAYS = {"yMMMEd": "EEE d MMM y", "MMMEd": "EEE d MMM", "MMMMEEEEd": "EEEE d MMMM", "yMMMd": "d MMM y",
                 "yMMM": "MMM y", "MMMd": "d MMM"}


def reader_locale(locale=None) -> Locale:
    """``locale`` (a code or a Locale), else the language being rendered now."""
    if locale is not None:
        return Locale.parse(locale) if isinstance(locale, str) else locale
    from .i18n import current_locale  # the language being rendered (a request's, or one forced for an e-mail)

    return current_locale()


def format_day(value: date | datetime, skeleton: str = "yMMMEd", locale=None) -> str:
    """A calendar day in the reader's language; ``skeleton`` says which parts (``DAY_SKELETONS``)."""
    return _day_text(value.date() if isinstance(value, datetime) else value, skeleton, reader_locale(locale))


@lru_cache(maxsize=8192)
def _day_text(day: date, skeleton: str, loc: Locale) -> str:
    """Kept: the text depends on nothing else, and a page writes the same few days again and again
    (Babel matches the skeleton to a pattern on every call)."""
    if loc.language == "en":
        return babel_dates.format_date(day, _ENGLISH_DAYS[skeleton], locale=loc)
    return babel_dates.format_skeleton(skeleton, day, locale=loc)


def join_day_and_time(day: str, clock: str, locale=None) -> str:
    """``Tue 1 Dec 2026, 14:00``: a day and a time of day joined the language's way."""
    return _day_and_time_pattern(reader_locale(locale)).replace("{1}", day).replace("{0}", clock)


@lru_cache(maxsize=64)
def _day_and_time_pattern(loc: Locale) -> str:
    pattern = loc.datetime_formats["medium"]
    return pattern if isinstance(pattern, str) else pattern.pattern


def format_datetime(value: datetime | None, zone: str, with_zone_name: bool = True, locale=None) -> str:
    """``Tue 1 Dec 2026, 14:00 CET (Europe/Berlin)``: the moment in ``zone``, named, in the reader's language."""
    if value is None:
        return ""
    local = to_zone(value, zone)
    loc = reader_locale(locale)  # looked up once (a page writes dozens of these)
    text = join_day_and_time(format_day(local, "yMMMEd", loc), f"{local:%H:%M}", loc) + f" {zone_label(local)}"
    if with_zone_name and local.tzname() != zone:
        text += f" ({zone})"
    return text


def format_date(value: datetime | None, zone: str, locale=None) -> str:
    """``Tue 1 Dec 2026``: the calendar day of the moment in ``zone``, in the reader's language."""
    if value is None:
        return ""
    return format_day(to_zone(value, zone), "yMMMEd", locale)


# --- someone's day ------------------------------------------------------------------------------

DAY_MINUTES = 24 * 60
DEFAULT_DAY = (7 * 60, 21 * 60)  # 07:00–21:00: the hours a candidate is offered times in, unless they change them


@dataclass(frozen=True)
class Hours:
    """Someone's reasonable hours as minutes after local midnight in their zone. ``end`` before
    ``start`` means the day runs past midnight (18:00–02:00)."""

    start: int = DEFAULT_DAY[0]
    end: int = DEFAULT_DAY[1]

    def __post_init__(self) -> None:
        if not (0 <= self.start < DAY_MINUTES and 0 <= self.end < DAY_MINUTES) or self.start == self.end:
            raise ValueError(f"hours must be two different times of day, got {self.start}–{self.end}")

    @property
    def span(self) -> int:
        return (self.end - self.start) % DAY_MINUTES

    def label(self) -> str:
        return f"{hhmm(self.start)}–{hhmm(self.end)}"


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Fit:
    """How an interval sits in someone's day: ``inside``, or ``early``/``late`` by ``by`` minutes."""

    kind: str
    by: int = 0

    @property
    def inside(self) -> bool:
        return self.kind == "inside"


def fit(start: datetime, end: datetime, zone: str, hours: Hours) -> Fit:
    """Whether ``start``–``end`` lies within ``hours`` on the wall clock of ``zone``, and if not,
    whether it is early (before the day starts) or late (after it ends), whichever is nearer.

    Measured by what the clock reads: on the morning the clocks go forward, 08:30–09:30 local is
    inside 07:00–21:00 wherever it lands in UTC.
    """
    local_start, local_end = to_zone(start, zone), to_zone(end, zone)
    begin = local_start.hour * 60 + local_start.minute
    length = int((local_end.replace(tzinfo=None) - local_start.replace(tzinfo=None)).total_seconds() // 60)
    if (begin - hours.start) % DAY_MINUTES + length <= hours.span:
        return Fit("inside")
    late_by = (begin + length - hours.end) % DAY_MINUTES
    early_by = (hours.start - begin) % DAY_MINUTES
    return Fit("late", late_by) if late_by <= early_by else Fit("early", early_by)


def day_bounds(hours: Hours, zone: str, on) -> tuple[datetime, datetime]:
    """Someone's hours on the date ``on`` (their calendar) as two aware moments in ``zone``."""
    start = datetime.combine(on, time(*divmod(hours.start, 60)), zone_info(zone))
    return start, start + timedelta(minutes=hours.span)
