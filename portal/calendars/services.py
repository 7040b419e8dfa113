"""A person's connected calendar: connecting (read once, so a wrong address or password is said at once),
reading it again (conditionally, with backoff when it fails), and the busy times every computation of
free times reads from our copy (``busy_select``, ``busy_between``), never from the calendar itself.

Reading is split so that the network never runs inside a database transaction or a page: ``source_of``
(database → a plain ``Source``), ``Source.read`` (network only, any thread), ``store_reading`` /
``store_failure`` (back to the database).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app

from ..audit.services import record
from ..extensions import db
from ..mail.services import mail_domain
from ..timeutil import moment_param
from .busy import HORIZON_DAYS, busy_from_ical
from .caldav import CalDAVCalendar
from .errors import CalendarError
from .feeds import fetch_feed, redact
from .models import CalendarBusy, CalendarConnection
from .sealing import SealingError, reseal, seal, unseal

logger = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(minutes=5)
BACKOFF_FIRST, BACKOFF_MOST = timedelta(minutes=5), timedelta(hours=6)
PAST = timedelta(days=1)  # busy times are kept from a day back (a conversation may start before now)
READ_TIMEOUT = 10.0  # the worker's reads
CONNECT_TIMEOUT = 5.0  # each request of the first read, while the person waits (discovery makes a few)
RECHECK_TIMEOUT = 3.0  # the look before a conversation is confirmed; past it, our copy decides
MAX_ADDRESS = 2000
SEALED = "sealed"  # the error when CALENDAR_KEY no longer opens what was sealed (not a CalendarError code)


class CalendarsOff(Exception):
    """No CALENDAR_KEY: this portal can't keep calendar secrets, so none can be connected."""


class MissingCredentials(ValueError):
    """CalDAV needs a user name and an app password (nothing was asked of any server)."""


# states.new_uid: a random UUID at the mail domain; only these are the portal's own conversations.
OWN_UID = r"[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}@{domain}"


def _keys() -> str:
    keys = current_app.config.get("CALENDAR_KEY")
    if not keys:
        raise CalendarsOff("CALENDAR_KEY is not set")
    return keys


def calendars_on() -> bool:
    return bool(current_app.config.get("CALENDAR_KEY"))


@dataclass
class Reading:
    """What one read found: ``busy`` None when the calendar hasn't changed since ``marker``."""

    busy: list[tuple[datetime, datetime]] | None
    marker: str | None
    last_modified: str | None
    busy_until: datetime | None
    zone: str | None = None  # the zone all-day and floating times were placed in (with ``busy``)


@dataclass(frozen=True)
class Source:
    """Everything needed to read one calendar, with its secrets opened; no database, so any thread."""

    connection_id: int
    kind: str
    address: str
    username: str | None
    password: str | None
    zone: str
    mail_domain: str  # the portal's own conversations have UIDs "<uuid4>@<mail domain>" (states.new_uid)
    allow_private: bool = False  # CALENDAR_PRIVATE_ADDRESSES: loopback and private networks may be read
    marker: str | None = None
    last_modified: str | None = None

    def _own(self, uid: str) -> bool:
        """A conversation the portal put there (or e-mailed): counted from the portal's own rows instead."""
        return re.fullmatch(OWN_UID.format(domain=re.escape(self.mail_domain)), uid) is not None

    def _busy(self, data, start: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        return busy_from_ical(data, start, until, self.zone, ignore_uid=self._own)

    def read(self, now: datetime, timeout: float = READ_TIMEOUT) -> Reading:
        """The busy times from a day back to ``HORIZON_DAYS`` ahead, or "unchanged" (raises CalendarError,
        also for what nobody foresaw: a calendar's server never gets to answer a page with a 500)."""
        try:
            return self._read(now, timeout)
        except CalendarError:
            raise
        except Exception as error:  # noqa: BLE001  (its message may quote the secret address: not kept)
            raise CalendarError("server_error", f"unexpected {type(error).__name__}") from None

    def _read(self, now: datetime, timeout: float) -> Reading:
        start, until = now - PAST, now + timedelta(days=HORIZON_DAYS)
        if self.kind == "ical":
            got = fetch_feed(self.address, etag=self.marker, last_modified=self.last_modified, timeout=timeout,
                             allow_private=self.allow_private)
            if not got.changed:
                return Reading(None, got.etag, got.last_modified, None)
            return Reading(self._busy(got.data, start, until), got.etag, got.last_modified, until, self.zone)
        with CalDAVCalendar(self.address, self.username or "", self.password or "", timeout=timeout,
                            allow_private=self.allow_private) as calendar:
            marker = calendar.state()
            if marker is not None and marker == self.marker:
                return Reading(None, marker, None, None)
            return Reading(self._busy(calendar.events_between(start, until), start, until), marker, None, until,
                           self.zone)


def source_of(connection: CalendarConnection, now: datetime, *, full: bool = False) -> Source:
    """``connection`` ready to read; conditional unless ``full`` or our busy times run short of the
    horizon (a calendar that never changes still has its weekly events expanded further ahead)."""
    keys = _keys()
    zone = connection.user.timezone if connection.user else "UTC"
    short = connection.busy_until is None or connection.busy_until < now + timedelta(days=HORIZON_DAYS - 1)
    conditional = not (full or short or connection.zone != zone)  # a new zone moves all-day events
    return Source(connection.id, connection.kind, unseal(connection.address, keys),
                  unseal(connection.username, keys) if connection.username else None,
                  unseal(connection.password, keys) if connection.password else None,
                  zone, mail_domain(), private_allowed(),
                  connection.marker if conditional else None, connection.last_modified if conditional else None)


def private_allowed() -> bool:
    return bool(current_app.config.get("CALENDAR_PRIVATE_ADDRESSES"))


def store_reading(connection: CalendarConnection, reading: Reading, now: datetime) -> None:
    """Our copy now matches the calendar (flush, no commit)."""
    if reading.busy is not None:
        db.session.execute(sa.delete(CalendarBusy).where(CalendarBusy.user_id == connection.user_id))
        db.session.add_all(CalendarBusy(user_id=connection.user_id, start_at=start, end_at=end)
                           for start, end in reading.busy)
        connection.busy_until, connection.zone = reading.busy_until, reading.zone
    connection.marker, connection.last_modified = reading.marker, reading.last_modified
    connection.read_at = connection.tried_at = now
    connection.error = connection.error_since = None
    connection.failures = 0
    connection.next_read_at = now + REFRESH_EVERY
    db.session.flush()


def store_failure(connection: CalendarConnection, code: str, now: datetime) -> None:
    """The read failed: say why on the person's page, keep the busy times we had, try again later and
    later (5 minutes, doubling, at most 6 hours)."""
    connection.tried_at = now
    if connection.error is None:
        connection.error_since = now
    connection.error = code
    connection.failures += 1
    connection.next_read_at = now + min(BACKOFF_FIRST * 2 ** (connection.failures - 1), BACKOFF_MOST)
    db.session.flush()


def read_and_store(connection: CalendarConnection, now: datetime, *, timeout: float, full: bool = False) -> bool:
    """Read ``connection`` here and now (True if it worked) and commit the outcome either way.

    The request's transaction is ended first and nothing touches the database while the calendar's
    server answers: on SQLite a write transaction holds the one write lock, and nobody may wait for a
    stranger's server to get it. The outcome is committed on its own, so it stays even if the caller then
    refuses what it was asked (the next page already knows the calendar's news)."""
    connection_id, shown_as = connection.id, connection.shown_as
    try:
        source = source_of(connection, now, full=full)
    except SealingError:
        logger.error("calendar %s: CALENDAR_KEY no longer opens its sealed address", connection_id)
        return _store(connection_id, None, SEALED, now)
    db.session.rollback()
    try:
        reading = source.read(now, timeout)
    except CalendarError as error:
        logger.info("calendar %s (%s) not read: %s", connection_id, shown_as, error)
        return _store(connection_id, None, error.code, now)
    return _store(connection_id, reading, None, now)


def _store(connection_id: int, reading: Reading | None, code: str | None, now: datetime) -> bool:
    connection = db.session.get(CalendarConnection, connection_id)
    if connection is None:  # disconnected meanwhile
        return False
    if reading is not None:
        store_reading(connection, reading, now)
    else:
        store_failure(connection, code, now)
    db.session.commit()
    return reading is not None


# --- connecting -------------------------------------------------------------------------------------


def connection_of(user_id: int) -> CalendarConnection | None:
    return db.session.scalar(sa.select(CalendarConnection).where(CalendarConnection.user_id == user_id))


def _clean_address(address: str) -> str:
    address = (address or "").strip()
    if not address or len(address) > MAX_ADDRESS or any(c.isspace() for c in address):
        raise CalendarError("bad_address", "empty, too long or with spaces")
    scheme = address.partition("://")[0].lower()
    if scheme not in ("http", "https", "webcal", "webcals"):
        raise CalendarError("bad_address", "not an http(s) or webcal address")
    return address


def connect(user, kind: str, address: str, username: str = "", password: str = "", *, by, now: datetime
            ) -> CalendarConnection:
    """Connect ``user``'s calendar, replacing any other: read it once first, so a wrong address or
    password is refused with its reason and nothing is stored (CalendarError). The caller's transaction is
    ended (rolled back: call it with nothing pending) before the calendar's server is asked, so no lock is
    held meanwhile; the new connection is flushed, and the caller commits."""
    keys = _keys()
    if kind not in ("ical", "caldav"):
        raise CalendarError("bad_address", "unknown kind")
    address = _clean_address(address)
    if kind == "caldav" and (not username.strip() or not password):
        raise MissingCredentials("a user name and an app password are needed")
    username, allow_private, zone, domain = username.strip(), private_allowed(), user.timezone or "UTC", mail_domain()
    user_id, by_id = user.id, getattr(by, "id", None)
    db.session.rollback()  # no transaction (no SQLite write lock) while their server answers
    if kind == "caldav":
        with CalDAVCalendar(address, username, password, timeout=CONNECT_TIMEOUT,
                            allow_private=allow_private) as calendar:
            try:
                address = calendar.discover()
            except CalendarError:
                raise
            except Exception as error:  # noqa: BLE001  (as Source.read)
                raise CalendarError("server_error", f"unexpected {type(error).__name__}") from None
    source = Source(0, kind, address, username or None, password or None, zone, domain, allow_private)
    reading = source.read(now, CONNECT_TIMEOUT)
    user, by = db.session.get(type(user), user_id), db.session.get(type(user), by_id) if by_id else None
    disconnect(user, by=None)
    connection = CalendarConnection(
        user_id=user.id, kind=kind, address=seal(address, keys), shown_as=redact(address),
        username=seal(username.strip(), keys) if kind == "caldav" else None,
        password=seal(password, keys) if kind == "caldav" else None, next_read_at=now,
        created_by_id=getattr(by, "id", None), created_at=now)
    db.session.add(connection)
    db.session.flush()
    store_reading(connection, reading, now)
    how = "a CalDAV calendar" if kind == "caldav" else "a calendar's secret address"
    record("calendar.connected", f"{by.name} connected {how} ({connection.shown_as}) for {user.name}",
           actor=by, subject=user)
    return connection


def disconnect(user, *, by) -> bool:
    """Forget ``user``'s calendar: its sealed secrets, busy times and what we wrote where (events already
    in the calendar stay there). ``by`` None: replaced by a new connection, not recorded."""
    connection = connection_of(user.id)
    if connection is None:
        return False
    db.session.execute(sa.delete(CalendarBusy).where(CalendarBusy.user_id == user.id))
    db.session.delete(connection)
    db.session.flush()
    if by is not None:
        record("calendar.disconnected", f"{by.name} disconnected the calendar of {user.name}", actor=by,
               subject=user)
    return True


# --- what the rest of the portal reads --------------------------------------------------------------


def busy_select(user_id, since: datetime):
    """(start_at, end_at) of the person's calendar busy times that end after ``since``: a SELECT to put in a
    UNION with other busy times (no round trip of its own)."""
    return sa.select(CalendarBusy.start_at, CalendarBusy.end_at).where(CalendarBusy.user_id == user_id,
                                                                       CalendarBusy.end_at > since)


@cache
def _busy_statement() -> sa.Select:
    """Built once: profiles and the request form read busy times on every view."""
    return (sa.select(CalendarBusy.user_id, CalendarBusy.start_at, CalendarBusy.end_at)
            .where(CalendarBusy.user_id.in_(sa.bindparam("ids", expanding=True)),
                   CalendarBusy.end_at > moment_param("since")))


def busy_between(user_ids, since: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """Each person's calendar busy times ending after ``since``, in one query."""
    ids = list(user_ids)
    found: dict[int, list] = {}
    if not ids:
        return found
    rows = db.session.execute(_busy_statement(), {"ids": ids, "since": since})
    for user_id, start, end in rows:
        found.setdefault(user_id, []).append((start, end))
    return found


def busy_count(user_id: int, now: datetime) -> int:
    """How many busy times ahead our copy of the person's calendar holds (the page says so)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(CalendarBusy).where(
        CalendarBusy.user_id == user_id, CalendarBusy.end_at > now)) or 0


def busy_overlapping(user_id: int, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The first of the person's calendar busy times overlapping [start, end), as last read."""
    row = db.session.execute(sa.select(CalendarBusy.start_at, CalendarBusy.end_at).where(
        CalendarBusy.user_id == user_id, CalendarBusy.start_at < end, CalendarBusy.end_at > start)
        .order_by(CalendarBusy.start_at).limit(1)).first()
    return tuple(row) if row is not None else None


def free_in_calendar(user_id: int, start: datetime, end: datetime, now: datetime) -> bool:
    """Before a conversation is confirmed: read the person's calendar once more (a few seconds at most;
    a calendar that doesn't answer leaves our copy to decide) and say whether [start, end) is free."""
    connection = connection_of(user_id)
    if connection is None:
        return True
    read_and_store(connection, now, timeout=RECHECK_TIMEOUT)  # ends the caller's transaction: see there
    return busy_overlapping(user_id, start, end) is None


def reseal_all() -> int:
    """Seal every calendar secret again with CALENDAR_KEY's first key (after a new key was put first);
    how many calendars. A secret no key opens raises SealingError, and nothing is changed."""
    keys = _keys()
    connections = list(db.session.scalars(sa.select(CalendarConnection)))
    for connection in connections:
        connection.address = reseal(connection.address, keys)
        if connection.username:
            connection.username = reseal(connection.username, keys)
        if connection.password:
            connection.password = reseal(connection.password, keys)
    db.session.flush()
    return len(connections)
