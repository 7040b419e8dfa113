"""Time: stored in UTC, shown in the viewer's zone with the zone's name."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(UTC)


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


def to_zone(value: datetime, zone: str) -> datetime:
    return value.astimezone(ZoneInfo(zone))


def format_datetime(value: datetime | None, zone: str, with_zone_name: bool = True) -> str:
    """``Tue 1 Dec 2026, 14:00 CET (Europe/Berlin)``: the moment in ``zone``, named."""
    if value is None:
        return ""
    local = to_zone(value, zone)
    text = f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"
    if with_zone_name and local.tzname() != zone:
        text += f" ({zone})"
    return text


def format_date(value: datetime | None, zone: str) -> str:
    """``Tue 1 Dec 2026``: the calendar day of the moment in ``zone``."""
    if value is None:
        return ""
    local = to_zone(value, zone)
    return f"{local:%a} {local.day} {local:%b %Y}"
