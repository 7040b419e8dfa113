"""Fetching an iCal feed address ("secret address in iCal format"), conditionally and within bounds.

A feed address is a password: whoever has it reads the calendar. So it is never logged or put in an
error; :func:`redact` shows only scheme and host. The fetch is bounded in time (a wall-clock limit
on the whole read, not only per network read: a server dripping bytes must not hold a worker) and
in size, follows at most :data:`MAX_REDIRECTS` redirects and only to http(s), and sends the
validators of the last read so an unchanged feed costs a 304.

Anyone on the staff can type an address that the server then reads again and again, so addresses on
the server's own networks (loopback, private ranges, link-local cloud metadata…) are refused unless
``allow_private`` (development, tests): the name is resolved and vetted before every connection,
redirects included, and the address actually connected to is vetted again (a name that resolves to
something else the second time). Neither our errors nor urllib3's debug log show a feed's path.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import requests.adapters
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

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
               max_bytes: int = 5_000_000, allow_private: bool = False) -> FeedRead:
    """GET the feed at ``url``; a 304 to the validators given is ``changed=False``.

    ``timeout`` bounds the whole fetch, redirects and body included (give or take one network read).
    ``allow_private`` False refuses addresses on internal networks (CalendarError("private_address")).
    Raises CalendarError with the code that says what went wrong.
    """
    address = normalise(url)
    if not allow_private:
        check_public(address)
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with requests.Session() as session:
        if not allow_private:
            guard(session)
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
                    address = redirect_target(address, response.headers["Location"], allow_private=allow_private)
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


def redirect_target(address: str, location: str, *, allow_private: bool = False) -> str:
    """Where a redirect from ``address`` leads: http(s) only, and (unless ``allow_private``) not to
    an internal network."""
    target = urljoin(address, location)
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        raise CalendarError("bad_address", "the server redirected to an address that isn't http(s)")
    target = normalise(target)
    if not allow_private:
        check_public(target)
    return target


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


# --- refusing internal addresses ------------------------------------------------------------------


def is_public(address: str) -> bool:
    """An IP address reachable on the public internet: not loopback, private (RFC 1918, fc00::/7),
    link-local (169.254/16 with cloud metadata, fe80::/10), CGNAT, unspecified, multicast, reserved;
    an IPv4 address written as IPv6 is judged as the IPv4 one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 scope ("fe80::1%eth0") aside
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return all(one.is_global and not (one.is_multicast or one.is_reserved or one.is_loopback or one.is_link_local
                                      or one.is_unspecified or one.is_private)
               for one in (ip, mapped) if one is not None)  # is_global alone lets multicast through


def check_public(url: str) -> None:
    """Resolve the host of ``url`` (an IP literal as it is) and refuse it, before any connection, when
    any of its addresses isn't public: CalendarError("private_address"). A name that doesn't resolve
    is "unreachable"."""
    parts = urlsplit(url)
    host, shown = parts.hostname or "", redact(url)
    try:
        ipaddress.ip_address(host)
        addresses = [host]
    except ValueError:
        try:
            found = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                       type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            raise CalendarError("unreachable", f"{shown}: the name can't be found") from None
        addresses = [str(info[4][0]) for info in found]
    if not addresses or not all(is_public(address) for address in addresses):
        raise CalendarError("private_address", f"{shown} is on an internal network")


def _check_peer(sock: socket.socket, host: str) -> None:
    """The address actually connected to must be public too: the name may have resolved differently
    since it was checked (DNS rebinding)."""
    try:
        peer = str(sock.getpeername()[0])
    except OSError:
        peer = ""
    if not is_public(peer):
        sock.close()
        raise CalendarError("private_address", f"{host} connected to an internal network")


class _PublicHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock, self.host)
        return sock


class _PublicHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _check_peer(sock, self.host)
        return sock


class _PublicHTTPPool(HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class _PublicOnlyAdapter(requests.adapters.HTTPAdapter):
    """Every connection it opens is refused unless its peer address is public. (Through a proxy
    from the environment the peer is the proxy: there only the name check before connecting holds.)"""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _PublicHTTPPool, "https": _PublicHTTPSPool}


def guard(session: requests.Session) -> requests.Session:
    """Make every connection ``session`` opens refuse a peer that isn't public."""
    session.mount("http://", _PublicOnlyAdapter())
    session.mount("https://", _PublicOnlyAdapter())
    return session


# --- keeping the secret path out of urllib3's debug log --------------------------------------------


class HidePaths(logging.Filter):
    """urllib3 logs each request line at DEBUG ('http://host:80 "GET /secret/path HTTP/1.1" 200'), and
    a retried URL at WARNING: the path and query of such records become "/…" (method, host, status
    stay). Installed once on urllib3's loggers when this module is imported."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(_hide_path(arg) for arg in record.args)
        return True


def _hide_path(value: object) -> object:
    if not isinstance(value, str):
        return value
    if value.startswith("/"):
        return "/…"
    if "://" in value:
        return redact(value)
    return value


def _install_log_filter() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager"):
        logger = logging.getLogger(name)
        if not any(type(existing).__name__ == HidePaths.__name__ for existing in logger.filters):
            logger.addFilter(HidePaths())


_install_log_filter()
