"""Fetching an iCal feed address ("secret address in iCal format"), conditionally and within bounds.

A feed address is a password: whoever has it reads the calendar. So it is never logged or put in an
error; :func:`redact` shows only scheme and host. The fetch is bounded in time (a wall-clock limit
on the whole read, not only per network read: a server dripping bytes must not hold a worker) and
in size, follows at most :data:`MAX_REDIRECTS` redirects and only to http(s), and sends the
validators of the last read so an unchanged feed costs a 304.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from .errors import CalendarError, error_for_exception, error_for_status

USER_AGENT = "ReverseInterviewPortal/1 (+calendar)"
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 65536


@dataclass
class FeedRead:
    """What a fetch found: ``changed`` False (a 304) has no ``data`` and the validators given."""

    changed: bool
    data: bytes | None
    etag: str | None
    last_modified: str | None


def normalise(url: str) -> str:
    """The http(s) address to fetch: ``webcal://`` is http, ``webcals://`` https; anything else that
    isn't http(s) with a host is CalendarError("bad_address")."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError for a port that isn't one)
    except ValueError:
        raise CalendarError("bad_address", "the address can't be read") from None
    scheme = {"webcal": "http", "webcals": "https"}.get(scheme, scheme)
    if scheme not in ("http", "https"):
        raise CalendarError("bad_address", "only http, https and webcal addresses can be read")
    if not host:
        raise CalendarError("bad_address", "the address has no host")
    return scheme + url[len(parts.scheme):]


def redact(url: str) -> str:
    """``scheme://host[:port]/…``: the address without what makes it secret (user, path, query)."""
    try:
        parts = urlsplit((url or "").strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(an unreadable address)"
    if not parts.scheme or not host:
        return "(an unreadable address)"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}{f':{port}' if port else ''}/…"


def fetch_feed(url: str, *, etag: str | None = None, last_modified: str | None = None, timeout: float = 10.0,
               max_bytes: int = 5_000_000) -> FeedRead:
    """GET the feed at ``url``; a 304 to the validators given is ``changed=False``.

    ``timeout`` bounds the whole fetch, redirects and body included (give or take one network read).
    Raises CalendarError with the code that says what went wrong.
    """
    address = normalise(url)
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with requests.Session() as session:
        for _ in range(MAX_REDIRECTS + 1):
            host = redact(address)
            remaining = _remaining(deadline, host)
            try:
                response = session.get(address, headers=headers, stream=True, allow_redirects=False,
                                       timeout=(min(3.0, remaining), remaining))
            except requests.RequestException as error:
                raise error_for_exception(error, host) from None
            with response:
                if response.status_code in _REDIRECTS and response.headers.get("Location"):
                    address = _redirect_target(address, response.headers["Location"])
                    continue
                if response.status_code == 304:
                    return FeedRead(changed=False, data=None, etag=etag, last_modified=last_modified)
                if not 200 <= response.status_code < 300:
                    raise error_for_status(response.status_code, host)
                data = read_body(response, deadline, max_bytes, host)
                if not looks_like_icalendar(data):
                    raise CalendarError("not_a_calendar", f"{host} answered with something that isn't iCalendar")
                return FeedRead(changed=True, data=data, etag=response.headers.get("ETag"),
                                last_modified=response.headers.get("Last-Modified"))
    raise CalendarError("server_error", f"more than {MAX_REDIRECTS} redirects")


def _remaining(deadline: float, host: str) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise CalendarError("timeout", f"{host} took too long")
    return remaining


def _redirect_target(address: str, location: str) -> str:
    target = urljoin(address, location)
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        raise CalendarError("bad_address", "the server redirected to an address that isn't http(s)")
    return normalise(target)


def read_body(response: requests.Response, deadline: float, max_bytes: int, host: str) -> bytes:
    """The body, read as it arrives (``read1``: whatever one network read gives) so that the deadline
    and the size limit are checked between reads, not only at the end."""
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise CalendarError("too_large", f"{host} sent more than {max_bytes} bytes")
    body = bytearray()
    try:
        while True:
            _remaining(deadline, host)
            chunk = response.raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                break
            body += chunk
            if len(body) > max_bytes:
                raise CalendarError("too_large", f"{host} sent more than {max_bytes} bytes")
    except (urllib3.exceptions.HTTPError, OSError) as error:
        raise error_for_exception(error, host) from None
    return bytes(body)


def looks_like_icalendar(data: bytes) -> bool:
    """Starts with BEGIN:VCALENDAR, after an optional byte order mark and blank space."""
    head = data[:512].lstrip(b"\xef\xbb\xbf").lstrip()
    return head[:15].upper() == b"BEGIN:VCALENDAR"
