"""Time: stored in UTC, shown in the viewer's zone with the zone's name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel import dates as babel_dates
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

from .i18n import _, _l, ngettext


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


def zone_label(local: datetime) -> str:
    """What the clock's zone is called at ``local``: ``CET``, ``EST``, ``GMT``; where the zone has no
    abbreviation (the database writes ``+04``, ``-03``, ``+0530``), ``GMT+4``, ``GMT-3``, ``GMT+5:30``."""
    name = local.tzname() or ""
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


def _locale(locale=None) -> Locale:
    if locale is not None:
        return Locale.parse(locale) if isinstance(locale, str) else locale
    from .i18n import current_locale  # the language being rendered (a request's, or one forced for an e-mail)

    return current_locale()


def format_day(value: date | datetime, skeleton: str = "yMMMEd", locale=None) -> str:
    """A calendar day in the reader's language; ``skeleton`` says which parts (``DAY_SKELETONS``)."""
    loc = _locale(locale)
    day = value.date() if isinstance(value, datetime) else value
    if loc.language == "en":
        return babel_dates.format_date(day, _ENGLISH_DAYS[skeleton], locale=loc)
    return babel_dates.format_skeleton(skeleton, day, locale=loc)


def join_day_and_time(day: str, clock: str, locale=None) -> str:
    """``Tue 1 Dec 2026, 14:00``: a day and a time of day joined the language's way."""
    pattern = _locale(locale).datetime_formats["medium"]
    return (pattern if isinstance(pattern, str) else pattern.pattern).replace("{1}", day).replace("{0}", clock)


def format_datetime(value: datetime | None, zone: str, with_zone_name: bool = True, locale=None) -> str:
    """``Tue 1 Dec 2026, 14:00 CET (Europe/Berlin)``: the moment in ``zone``, named, in the reader's language."""
    if value is None:
        return ""
    local = to_zone(value, zone)
    text = join_day_and_time(format_day(local, "yMMMEd", locale), f"{local:%H:%M}", locale) + f" {zone_label(local)}"
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
    start = datetime.combine(on, time(*divmod(hours.start, 60)), ZoneInfo(zone))
    return start, start + timedelta(minutes=hours.span)


# --- the time-zone picker's list ----------------------------------------------------------------
#
# One zone per place people live, from the IANA ``zone.tab`` shipped in the pinned ``tzdata`` package
# (the system's /usr/share/zoneinfo when the package is missing), plus UTC. Old spellings and
# backward links (Asia/Calcutta, Africa/Asmera, US/Eastern) are left out of the list but still
# understood: ``tzdata.zi`` says which zone each links to. zone.tab rather than zone1970.tab: it keeps
# one name per country (Europe/Stockholm, Europe/Amsterdam), so a Swede finds Stockholm.

REGIONS = {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
ZONE_MESSAGE = _l("Choose a time zone from the list, like Europe/Berlin.")
UTC_PLACE = "Coordinated Universal Time"  # as typed and matched; shown in the reader's language (Zone.local_place)


@dataclass(frozen=True)
class Zone:
    name: str  # the IANA name: Europe/Berlin
    city: str  # Berlin
    country: str  # Germany ("" for UTC)
    country_code: str = ""  # DE

    @property
    def place(self) -> str:
        """``Berlin, Germany``; ``Singapore`` (the city is the country); UTC's long name."""
        if not self.country or self.country == self.city:
            return self.city
        return f"{self.city}, {self.country}"

    def local_place(self, locale=None) -> str:
        """``place`` in the reader's language (Babel's city and country names): ``ベルリン, ドイツ``."""
        loc = _locale(locale)
        if loc.language == "en":
            return self.place
        if self.name == "UTC":
            return _("Coordinated Universal Time")
        city = (loc.time_zones.get(self.name) or {}).get("city") or self.city
        country = loc.territories.get(self.country_code) or self.country
        if not country or country == city or self.country == self.city:
            return city
        return f"{city}, {country}"


def _zoneinfo_files():
    """The folder of zone.tab and its companions: the tzdata package's, else the system's."""
    from importlib import resources
    from pathlib import Path

    try:
        folder = resources.files("tzdata").joinpath("zoneinfo")
        if folder.joinpath("zone.tab").is_file():
            return folder
    except ModuleNotFoundError:
        pass
    return Path("/usr/share/zoneinfo")


def _read_table(folder, filename: str) -> list[list[str]]:
    try:
        text = folder.joinpath(filename).read_text(encoding="utf-8")
    except OSError:
        return []
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _city(name: str) -> str:
    return name.rsplit("/", 1)[-1].replace("_", " ")


@lru_cache(maxsize=1)
def _zone_data() -> tuple[dict[str, Zone], dict[str, str]]:
    """(the listed zones by name, in zone.tab's order; alias → the zone it links to)."""
    folder = _zoneinfo_files()
    countries = {row[0]: row[1] for row in _read_table(folder, "iso3166.tab") if len(row) >= 2}
    zones = {"UTC": Zone("UTC", UTC_PLACE, "")}
    for row in _read_table(folder, "zone.tab"):
        if len(row) >= 3 and is_valid_timezone(row[2]):
            zones.setdefault(row[2], Zone(row[2], _city(row[2]), countries.get(row[0], row[0]), row[0]))
    links = {}
    try:
        compiled = folder.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines()
    except OSError:
        compiled = []
    for line in compiled:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    return zones, links


def canonical_zone(name: str | None) -> str | None:
    """The listed zone for ``name``: itself when listed, the zone an old name links to
    (Asia/Calcutta → Asia/Kolkata, Etc/UTC → UTC); a valid zone the list leaves out (Etc/GMT+5)
    as it is; None when no zone has that name."""
    if not isinstance(name, str) or not name:
        return None
    zones, links = _zone_data()
    current, seen = name, set()
    while current not in zones and current in links and current not in seen:
        seen.add(current)
        current = links[current]
    if current in zones:
        # An old spelling of a listed zone that links elsewhere (Africa/Asmera, like Africa/Asmara,
        # links to Africa/Nairobi): the listed one it spells, when there is one.
        if current != name:
            spelt = [z for z in zones.values() if links.get(z.name) == current
                     and SequenceMatcher(None, z.city, _city(name)).ratio() >= 0.8]
            return spelt[0].name if spelt else current
        return current
    if current == "Etc/UTC":
        return "UTC"
    return name if is_valid_timezone(name) else None


@lru_cache(maxsize=1)
def _names_by_lower() -> dict[str, str]:
    """Every zone name the database knows, by its lower-case spelling (``asia/kolkata``)."""
    return {name.lower(): name for name in (*available_timezones(), *_zone_data()[0]) if is_valid_timezone(name)}


def _place_key(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


@lru_cache(maxsize=1)
def _zones_by_place() -> dict[str, list[str]]:
    """Listed zones by what a person might type instead of the name: the city (``kolkata``), the
    city and country as the list shows them, an old city name (``calcutta``), a country (``india``)."""
    zones, links = _zone_data()
    found: dict[str, list[str]] = {}

    def add(key: str, name: str) -> None:
        names = found.setdefault(_place_key(key), [])
        if name not in names:
            names.append(name)

    for zone in zones.values():
        add(zone.city, zone.name)
        add(zone.place, zone.name)
        if zone.country:
            add(zone.country, zone.name)
    add("UTC", "UTC")
    # Old city names (Calcutta, Kiev, Saigon), where they name no listed city; not US/Eastern and
    # the like, whose "Eastern" is no place.
    old: dict[str, list[str]] = {}
    for alias in links:
        target = canonical_zone(alias)
        if alias.split("/", 1)[0] in REGIONS and target in zones and _place_key(_city(alias)) not in found:
            old.setdefault(_place_key(_city(alias)), [])
            if target not in old[_place_key(_city(alias))]:
                old[_place_key(_city(alias))].append(target)
    return {**old, **found}


def find_zone(text: str | None) -> str:
    """The listed zone someone means by ``text``: a zone name in any case, an old name, a city, a
    country with one zone, or an option's whole label (``GMT+01:00 · Berlin, Germany (Europe/Berlin)``).
    Anything else raises ValueError with a message for them."""
    text = text.strip(" ") if isinstance(text, str) else ""
    if not text or len(text) > 120 or any(not ch.isprintable() for ch in text):
        raise ValueError(str(ZONE_MESSAGE))
    label = re.fullmatch(r"(?:GMT[+-]\d{2}:\d{2}\s*·\s*)?(.*?)\s*(?:\(([^()]+)\))?", text)
    place, named = label.groups() if label else (text, None)
    if re.fullmatch(r"[A-Za-z]{3}(\d[A-Za-z]{3})?", text) and text.upper() not in ("UTC", "GMT", "UCT"):
        # EST, CET, PST8PDT…: old names the database keeps for one place each (EST is Panama, with no
        # summer time), never what someone typing them means
        raise ValueError(_("%(name)s is an abbreviation several places share: type your city instead, like New York "
                           "or Berlin.", name=text))
    for candidate in (named, text):
        if candidate and candidate.lower() in _names_by_lower():
            zone = canonical_zone(_names_by_lower()[candidate.lower()])
            if zone:
                return zone
    matches = _zones_by_place().get(_place_key(place or text), [])
    if len(matches) == 1:
        return matches[0]
    if matches:
        cities = [_zone_data()[0][name].city for name in matches[:3]]
        raise ValueError(ngettext("%(place)s has %(num)d time zone: type a city instead, like %(cities)s or %(last)s.",
                                  "%(place)s has %(num)d time zones: type a city instead, like %(cities)s or %(last)s.",
                                  len(matches), place=place or text, cities=", ".join(cities[:-1]), last=cities[-1]))
    raise ValueError(str(ZONE_MESSAGE))


def gmt_offset(zone: str, now: datetime | None = None) -> str:
    """``GMT+01:00``, ``GMT-05:00``, ``GMT+05:30``: how far ``zone``'s clocks are from UTC at ``now``."""
    offset = to_zone(now or utcnow(), zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"


def describe_zone(name: str, now: datetime | None = None) -> str:
    """``GMT+01:00 · Berlin, Germany``: a zone's offset now and its main place."""
    zone = _zone_data()[0].get(name)
    return f"{gmt_offset(name, now)} · {zone.local_place() if zone else name}"


def zone_options(now: datetime | None = None, current: str | None = None) -> list[tuple[str, str]]:
    """(name, label) of every listed zone, by offset now and then by city, labelled like
    ``GMT+01:00 · Berlin, Germany (Europe/Berlin)``; ``current`` is added if the list leaves it out."""
    now = now or utcnow()
    zones = _zone_data()[0]
    names = list(zones)
    if current and current not in zones and is_valid_timezone(current):
        names.append(current)

    def key(name: str):
        offset = to_zone(now, name).utcoffset() or timedelta(0)
        zone = zones.get(name)
        return (offset, (zone.city if zone else name).casefold(), name)

    return [(name, f"{describe_zone(name, now)} ({name})") for name in sorted(names, key=key)]
