"""The time-zone picker's list: every place people live, named in the reader's language, and what a
typed city or country means (portal/forms.py, TimezoneField; time itself is in timeutil.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from functools import lru_cache
from zoneinfo import available_timezones

from .i18n import _, _l, ngettext
from .timeutil import is_valid_timezone, reader_locale, to_zone, utcnow


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
        loc = reader_locale(locale)
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


def describe_zone(name: str, now: datetime | None = None, locale=None) -> str:
    """``GMT+01:00 · Berlin, Germany``: a zone's offset now and its main place (in ``locale``, else the
    reader's language)."""
    zone = _zone_data()[0].get(name)
    return f"{gmt_offset(name, now)} · {zone.local_place(locale) if zone else name}"


def zone_options(now: datetime | None = None, current: str | None = None) -> tuple[tuple[str, str], ...]:
    """(name, label) of every listed zone, by offset now and then by city, labelled like
    ``GMT+01:00 · Berlin, Germany (Europe/Berlin)``; ``current`` is added if the list leaves it out.
    Worked out once a minute per language (clocks change on a whole minute): 419 zones' offsets and
    places cost milliseconds, and every form with a time-zone field shows them."""
    now = now or utcnow()
    zones = _zone_data()[0]
    extra = current if current and current not in zones and is_valid_timezone(current) else None
    return _zone_options(now.replace(second=0, microsecond=0), reader_locale(), extra)


@lru_cache(maxsize=32)
def _zone_options(minute: datetime, locale, extra: str | None) -> tuple[tuple[str, str], ...]:
    zones = _zone_data()[0]
    names = [*zones, *([extra] if extra else [])]

    def key(name: str):
        offset = to_zone(minute, name).utcoffset() or timedelta(0)
        zone = zones.get(name)
        return (offset, (zone.city if zone else name).casefold(), name)

    return tuple((name, f"{describe_zone(name, minute, locale)} ({name})") for name in sorted(names, key=key))
