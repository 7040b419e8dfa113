"""Real calendar servers on loopback for the calendar tests and journeys, and readable test calendars.

* :class:`RadicaleServer` (``radicale_server(tmp_path)``): Radicale 3.9, a real CalDAV server, in a
  subprocess with its own folder, users (htpasswd, plain) and a free port. Startup takes about a
  second. Principals are ``<url><user>/``; Radicale creates one on the user's first request.
* :class:`FeedServer` (``feed_server()``): a threaded HTTP server serving iCal feeds from memory at
  ``http://127.0.0.1:PORT/secret/<name>.ics``, with ETag/Last-Modified and 304s, and switches to make
  it slow, failing, dripping, redirecting or password-protected.
* :func:`vevent` and :func:`ics`: calendar text written the way clients write it.

Plain context managers, no pytest fixtures: each test package makes the fixtures it needs.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import icalendar
import requests
from helpers import free_port

# --- calendar text --------------------------------------------------------------------------------


def _when(name: str, value: date | datetime, tzid: str | None) -> str:
    """A DTSTART-like line: a date is VALUE=DATE; a naive time is local in ``tzid`` (floating without
    one); an aware time is written in UTC with Z."""
    if not isinstance(value, datetime):
        return f"{name};VALUE=DATE:{value:%Y%m%d}"
    if value.tzinfo is not None:
        return f"{name}:{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    if tzid:
        return f"{name};TZID={tzid}:{value:%Y%m%dT%H%M%S}"
    return f"{name}:{value:%Y%m%dT%H%M%S}"


def vevent(uid: str, start: date | datetime, end: date | datetime | None = None, *, summary: str = "Busy",
           duration: str | None = None, rrule: str | None = None, exdates: Iterable[date | datetime] = (),
           rdates: Iterable[date | datetime] = (), tzid: str | None = None, transp: str | None = None,
           status: str | None = None, all_day: bool = False, recurrence_id: date | datetime | None = None,
           sequence: int | None = None) -> str:
    """One VEVENT. Times: a ``date`` (or ``all_day=True``) is an all-day value; a naive datetime is
    wall time in ``tzid`` (floating when there is none); an aware one is written in UTC.
    ``rrule`` is the rule's text ("FREQ=WEEKLY;COUNT=8"); ``recurrence_id`` makes this an override."""
    if all_day:
        start = start.date() if isinstance(start, datetime) else start
        end = end.date() if isinstance(end, datetime) else end
    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20300101T000000Z", _when("DTSTART", start, tzid)]
    if end is not None:
        lines.append(_when("DTEND", end, tzid))
    if duration:
        lines.append(f"DURATION:{duration}")
    if recurrence_id is not None:
        lines.append(_when("RECURRENCE-ID", recurrence_id, tzid))
    if rrule:
        lines.append(f"RRULE:{rrule}")
    lines += [_when("EXDATE", value, tzid) for value in exdates]
    lines += [_when("RDATE", value, tzid) for value in rdates]
    for name, value in (("TRANSP", transp), ("STATUS", status), ("SEQUENCE", sequence)):
        if value is not None:
            lines.append(f"{name}:{value}")
    lines += [f"SUMMARY:{summary}", "END:VEVENT"]
    return "\r\n".join(lines) + "\r\n"


def ics(*components: str, name: str = "Work", x_wr_timezone: str | None = None,
        vtimezones: bool = True) -> str:
    """A VCALENDAR holding ``components`` (:func:`vevent` texts, or any component text).

    ``vtimezones``: add a VTIMEZONE for each TZID used, as real clients do (icalendar writes them from
    the zoneinfo database). ``x_wr_timezone``: Google's calendar-wide zone for its UTC-less times.
    """
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Reverse Interview Portal//tests//EN",
            f"X-WR-CALNAME:{name}"]
    if x_wr_timezone:
        head.append(f"X-WR-TIMEZONE:{x_wr_timezone}")
    text = "\r\n".join(head) + "\r\n" + "".join(components) + "END:VCALENDAR\r\n"
    if vtimezones and "TZID=" in text:
        calendar = icalendar.Calendar.from_ical(text)
        calendar.add_missing_timezones()
        text = calendar.to_ical().decode()
    return text


# --- an iCal feed server --------------------------------------------------------------------------


class _Feed:
    def __init__(self, body: bytes, content_type: str, last_modified: datetime):
        self.body, self.content_type, self.last_modified = body, content_type, last_modified
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        self.hits, self.headers, self.delay = 0, {}, 0.0
        self.status = self.drip = self.basic = self.location = None  # switches (see FeedServer)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hung up (a timed-out fetch) is expected; anything else is printed."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class FeedServer:
    """iCal feeds served from memory on 127.0.0.1 (see the module docstring). Unknown names are 404."""

    def __init__(self):
        self.feeds: dict[str, _Feed] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.httpd = _QuietServer(("127.0.0.1", 0), _handler(self))
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # a delayed or dripping answer stops waiting
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def __enter__(self) -> Self:
        return self if self.thread.is_alive() else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def set(self, name: str, text: str | bytes, *, content_type: str = "text/calendar; charset=utf-8",
            last_modified: datetime | None = None) -> str:
        """Serve ``text`` as feed ``name`` (a new body gets a new ETag); returns its URL."""
        body = text.encode() if isinstance(text, str) else text
        modified = (last_modified or datetime.now(UTC)).replace(microsecond=0)
        with self.lock:
            old = self.feeds.get(name)
            feed = _Feed(body, content_type, modified)
            if old:  # switches and counts stay
                for kept in ("hits", "headers", "delay", "status", "drip", "basic", "location"):
                    setattr(feed, kept, getattr(old, kept))
            self.feeds[name] = feed
        return self.url_for(name)

    def url_for(self, name: str) -> str:
        return f"{self.base}/secret/{name}.ics"

    def _feed(self, name: str) -> _Feed:
        if name not in self.feeds:
            self.set(name, "")
        return self.feeds[name]

    def hits(self, name: str) -> int:
        """How many requests feed ``name`` has had (304s and failures included)."""
        return self.feeds[name].hits if name in self.feeds else 0

    def last_headers(self, name: str) -> dict[str, str]:
        """The headers of the last request for ``name`` (names as sent)."""
        return dict(self.feeds[name].headers)

    def delay(self, name: str, seconds: float) -> None:
        """Wait ``seconds`` before answering (a slow server)."""
        self._feed(name).delay = seconds

    def fail(self, name: str, status: int | None) -> None:
        """Answer with ``status`` and a small HTML body; None serves the feed again."""
        self._feed(name).status = status

    def drip(self, name: str, seconds_per_chunk: float | None) -> None:
        """Send the body 64 bytes at a time with a pause between (a server that never quite times out)."""
        self._feed(name).drip = seconds_per_chunk

    def require_basic(self, name: str, user: str, password: str) -> None:
        """Answer 401 unless the request carries these Basic credentials."""
        self._feed(name).basic = base64.b64encode(f"{user}:{password}".encode()).decode()

    def redirect(self, name: str, location: str | None) -> None:
        """Answer 302 to ``location`` (None stops redirecting)."""
        self._feed(name).location = location


def _handler(server: FeedServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            name = path[len("/secret/"):-len(".ics")] if path.startswith("/secret/") and path.endswith(".ics") else None
            with server.lock:
                feed = server.feeds.get(name) if name else None
                if feed:
                    feed.hits += 1
                    feed.headers = dict(self.headers.items())
            if feed is None:
                return self._answer(404, b"<html><body>Not found</body></html>", "text/html")
            if feed.delay and server.stopping.wait(feed.delay):
                return
            if feed.basic and self.headers.get("Authorization") != f"Basic {feed.basic}":
                return self._answer(401, b"Password required", "text/plain",
                                    {"WWW-Authenticate": 'Basic realm="feeds"'})
            if feed.location:
                return self._answer(302, b"", "text/plain", {"Location": feed.location})
            if feed.status:
                return self._answer(feed.status, b"<html><body>Something went wrong</body></html>", "text/html")
            validators = {"ETag": feed.etag, "Last-Modified": format_datetime(feed.last_modified, usegmt=True)}
            if self._not_modified(feed):
                return self._answer(304, b"", None, validators)
            self._answer(200, feed.body, feed.content_type, validators, drip=feed.drip)

        def _not_modified(self, feed: _Feed) -> bool:
            match = self.headers.get("If-None-Match")
            if match is not None:  # when both are sent, the ETag decides (RFC 9110 13.2.2)
                return feed.etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*"
            since = self.headers.get("If-Modified-Since")
            if since:
                with contextlib.suppress(TypeError, ValueError):
                    return feed.last_modified <= parsedate_to_datetime(since)
            return False

        def _answer(self, status: int, body: bytes, content_type: str | None, headers: dict | None = None,
                    drip: float | None = None) -> None:
            try:
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
                self.end_headers()
                if status == 304:
                    return
                if not drip:
                    self.wfile.write(body)
                    return
                for offset in range(0, len(body), 64):
                    self.wfile.write(body[offset:offset + 64])
                    self.wfile.flush()
                    if server.stopping.wait(drip):
                        return
            except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
                self.close_connection = True

    return Handler


def feed_server() -> FeedServer:
    """A started :class:`FeedServer`; ``with feed_server() as server:`` stops it on exit."""
    return FeedServer().start()


# --- a CalDAV server ------------------------------------------------------------------------------

RADICALE_CONFIG = """\
[server]
hosts = 127.0.0.1:{port}
[auth]
type = htpasswd
htpasswd_filename = {users}
htpasswd_encryption = plain
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = {storage}
[web]
type = none
[logging]
level = warning
"""

MKCALENDAR = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop>
    <D:displayname>{name}</D:displayname>
    <C:supported-calendar-component-set><C:comp name="{component}"/></C:supported-calendar-component-set>
  </D:prop></D:set>
</C:mkcalendar>"""


class RadicaleServer:
    """Radicale in a subprocess, its files under ``folder``; ``url`` is "http://127.0.0.1:PORT/"."""

    def __init__(self, folder: Path | str, port: int | None = None):
        self.port = port  # None: a free one (tests); tools/dev_calendar.py asks for a fixed one
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.users_file = self.folder / "users"
        self.users_file.write_text("")
        self.users: dict[str, str] = {}
        self.log_file = self.folder / "radicale.log"
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self, attempts: int = 3) -> Self:
        """Start on a free port and wait until it answers (a port taken meanwhile: another one)."""
        for _ in range(attempts):
            port = self.port or free_port()
            config = self.folder / "config"
            config.write_text(RADICALE_CONFIG.format(port=port, users=self.users_file,
                                                     storage=self.folder / "collections"))
            with open(self.log_file, "ab") as log:
                self.process = subprocess.Popen([sys.executable, "-m", "radicale", "-C", str(config)],
                                                stdout=log, stderr=log, stdin=subprocess.DEVNULL)
            self.url = f"http://127.0.0.1:{port}/"
            if self._wait_until_up(deadline=time.monotonic() + 20):
                return self
        raise RuntimeError(f"Radicale did not start: {self.log_file.read_text()[-2000:]}")

    def _wait_until_up(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                requests.request("OPTIONS", self.url, timeout=1)
                return True
            except requests.ConnectionError:
                time.sleep(0.05)
        self.stop()
        return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self) -> Self:
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    def add_user(self, name: str, password: str) -> None:
        """Add (or change the password of) a user; Radicale reads the file again at each login."""
        self.users[name] = password
        self.users_file.write_text("".join(f"{user}:{pw}\n" for user, pw in self.users.items()))

    def principal_url(self, user: str) -> str:
        return f"{self.url}{user}/"

    def make_calendar(self, user: str, password: str, name: str = "work", *, component: str = "VEVENT") -> str:
        """MKCALENDAR ``<url><user>/<name>/`` holding ``component``s; returns the collection's URL."""
        url = f"{self.principal_url(user)}{name}/"
        answer = requests.request("MKCALENDAR", url, auth=(user.encode(), password.encode()), timeout=10,
                                  data=MKCALENDAR.format(name=name, component=component).encode(),
                                  headers={"Content-Type": "application/xml; charset=utf-8"})
        answer.raise_for_status()
        return url

    def put_ics(self, user: str, password: str, collection_url: str, uid: str, ics_text: str) -> str:
        """Store ``ics_text`` at ``<collection><uid>.ics`` (as another client would; overwrites); its URL."""
        href = f"{collection_url}{uid}.ics"
        answer = requests.put(href, data=ics_text.encode(), auth=(user.encode(), password.encode()), timeout=10,
                              headers={"Content-Type": "text/calendar; charset=utf-8"})
        answer.raise_for_status()
        return href

    def get_ics(self, user: str, password: str, href: str) -> str | None:
        """The object's text, None when there is none."""
        answer = requests.get(href, auth=(user.encode(), password.encode()), timeout=10)
        if answer.status_code == 404:
            return None
        answer.raise_for_status()
        return answer.text

    def list_uids(self, user: str, password: str, collection_url: str) -> list[str]:
        """The UIDs of the events in the collection, sorted (Radicale answers GET on a collection
        with all of it as one calendar)."""
        answer = requests.get(collection_url, auth=(user.encode(), password.encode()), timeout=10)
        answer.raise_for_status()
        if not answer.content.strip():
            return []
        calendar = icalendar.Calendar.from_ical(answer.content)
        return sorted({str(event["UID"]) for event in calendar.walk("VEVENT")})


def radicale_server(tmp_path: Path | str) -> RadicaleServer:
    """A started :class:`RadicaleServer` keeping its files in ``tmp_path``; ``with radicale_server(tmp_path)
    as server:`` stops it on exit (or call ``stop()``)."""
    return RadicaleServer(tmp_path).start()
