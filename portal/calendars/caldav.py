"""A small CalDAV client: find a calendar, read its events in a window, write and remove our own events.

Written on ``requests`` and ``defusedxml`` rather than the ``caldav`` package, which brings a second
HTTP stack, lxml, dnspython and YAML for the five requests needed here. The server's XML is read
without entity tricks (defusedxml). Credentials go with every request as Basic auth (CalDAV servers
take app passwords that way) and never into an error message; redirects are followed only within
the same host, so they are never sent somewhere the person didn't type. Hrefs the server itself
names (its principal, its calendar home) are followed wherever they point, over https, or on the
same host: that is how iCloud and others spread accounts over hosts. Unless ``allow_private``, every
URL requested (typed, redirected to, or named by the server) is refused when it leads to an internal
network, before connecting and again on the address connected to (see feeds.check_public).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Self
from urllib.parse import quote, urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import requests
from defusedxml import ElementTree

from .errors import CalendarError, error_for_exception, error_for_status
from .feeds import USER_AGENT, check_public, guard, normalise, read_body, redact

DAV, CALDAV, CS = "DAV:", "urn:ietf:params:xml:ns:caldav", "http://calendarserver.org/ns/"
MAX_BODY = 20_000_000  # a REPORT over two months of a busy calendar is far below this
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_XML = {"Content-Type": "application/xml; charset=utf-8"}

_PROBE = f"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="{DAV}" xmlns:c="{CALDAV}">
  <d:prop><d:resourcetype/><c:supported-calendar-component-set/><d:current-user-principal/>
    <c:calendar-home-set/><d:displayname/></d:prop>
</d:propfind>"""
_HOME = f"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="{DAV}" xmlns:c="{CALDAV}"><d:prop><c:calendar-home-set/></d:prop></d:propfind>"""
_STATE = f"""<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="{DAV}" xmlns:cs="{CS}">
  <d:prop><cs:getctag/><d:sync-token/><d:getetag/></d:prop>
</d:propfind>"""
_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:getetag/><c:calendar-data/></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
    <c:time-range start="{start}" end="{end}"/>
  </c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: requests.structures.CaseInsensitiveDict
    body: bytes
    url: str  # after redirects


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


class CalDAVCalendar:
    """One calendar collection on a CalDAV server, reached with a user name and (app) password.

    ``url`` may be the collection itself or, until :meth:`discover` has run, a principal, calendar
    home or server root. One ``requests.Session`` per instance: close it (or use ``with``).
    ``allow_private`` False (the default) refuses servers on internal networks: CalendarError("private_address").
    """

    def __init__(self, url: str, username: str, password: str, *, timeout: float = 10.0,
                 allow_private: bool = False):
        self.url = normalise(url)
        self.timeout = timeout
        self.allow_private = allow_private
        self.session = requests.Session()
        if not allow_private:
            guard(self.session)
        # As UTF-8 bytes: requests would encode text as Latin-1 and fail on any other letter.
        self.session.auth = (username.encode("utf-8"), password.encode("utf-8"))
        self.session.headers["User-Agent"] = USER_AGENT

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:  # no path, no user name, no password
        return f"<CalDAVCalendar {redact(self.url)}>"

    # --- finding the calendar ---------------------------------------------------------------------

    def discover(self) -> str:
        """The URL of the first calendar collection holding events, reached from ``self.url`` (the
        collection, a principal, a calendar home or the server root; ``/.well-known/caldav`` is
        tried when that gives nothing). Stored as ``self.url`` too."""
        well_known = urljoin(self.url, "/.well-known/caldav")
        try:
            found = self._discover_from(self.url)
        except CalendarError as error:
            if error.code not in ("not_found", "not_a_calendar", "server_error") or self.url == well_known:
                raise
            found = None
        if found is None and self.url != well_known:
            found = self._discover_from(well_known)
        if found is None:
            raise CalendarError("not_a_calendar", f"no calendar for events found on {redact(self.url)}")
        self.url = found
        return found

    def _discover_from(self, url: str) -> str | None:
        url, responses = self._propfind(url, _PROBE, depth="0")
        url, props = _own(url, responses)
        if _is_event_calendar(props):
            return url  # as the server names it (a typed address without its last "/" gets it back)
        homes = _hrefs(props.get(_tag(CALDAV, "calendar-home-set")), url)
        if not homes:
            principal = _hrefs(props.get(_tag(DAV, "current-user-principal")), url)
            if principal and self._may_follow(url, principal[0]):
                principal_url, principal_props = _own(*self._propfind(principal[0], _HOME, depth="0"))
                homes = _hrefs(principal_props.get(_tag(CALDAV, "calendar-home-set")), principal_url)
        for home in homes:
            if not self._may_follow(url, home):
                continue
            home_url, listing = self._propfind(home, _PROBE, depth="1")
            for href, child in listing.items():
                if href.rstrip("/") != home_url.rstrip("/") and _is_event_calendar(child):
                    return href
        if homes:
            raise CalendarError("not_a_calendar", f"no calendar for events found on {redact(url)}")
        return None

    @staticmethod
    def _may_follow(origin: str, target: str) -> bool:
        """A server-named href: https anywhere, or the origin's own scheme, host and port."""
        return urlsplit(target).scheme == "https" or _same_origin(origin, target)

    # --- reading ----------------------------------------------------------------------------------

    def state(self) -> str | None:
        """A cheap marker that changes when the collection does: "ctag:…", "sync-token:…" or "etag:…"
        (the first the server has), None when it has none (then every refresh reads the events)."""
        _, props = _own(*self._propfind(self.url, _STATE, depth="0"))
        for label, tag in (("ctag", _tag(CS, "getctag")), ("sync-token", _tag(DAV, "sync-token")),
                           ("etag", _tag(DAV, "getetag"))):
            element = props.get(tag)
            if element is not None and (element.text or "").strip():
                return f"{label}:{element.text.strip()}"
        return None

    def events_between(self, start: datetime, end: datetime) -> list[bytes]:
        """The calendar data of every event object with an occurrence in ``[start, end)``, as the
        server stores it (recurring series unexpanded: busy.busy_from_ical expands them)."""
        body = _QUERY.format(start=_utc(start), end=_utc(end))
        _, responses = self._multistatus("REPORT", self.url, body, depth="1")
        found = []
        for props in responses.values():
            data = props.get(_tag(CALDAV, "calendar-data"))
            if data is not None and (data.text or "").strip():
                found.append(data.text.encode("utf-8"))
        return found

    # --- writing ----------------------------------------------------------------------------------

    def href_for(self, uid: str) -> str:
        """Where a new event with this UID goes: ``<collection>/<uid>.ics``, the UID made path-safe."""
        safe = re.sub(r"[^A-Za-z0-9._@-]", "-", uid).strip(".") or "event"
        return urljoin(self.url if self.url.endswith("/") else self.url + "/", quote(safe[:200], safe="@") + ".ics")

    def put_event(self, uid: str, ics: bytes | str, *, href: str | None = None,
                  etag: str | None = None) -> tuple[str, str | None]:
        """Create (``href`` None: If-None-Match: *) or update (If-Match: ``etag`` when given) our event;
        returns its href and the new ETag (None when the server sends none).

        A 412 means someone changed the object since we last wrote it (edited it in their calendar app,
        or an earlier create of ours reached the server but its answer was lost). The event is ours,
        so it is written again without the condition: the portal's version wins.
        """
        target = href or self.href_for(uid)
        ics = ics.encode("utf-8") if isinstance(ics, str) else ics
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        condition = {"If-None-Match": "*"} if href is None else ({"If-Match": etag} if etag else {})
        response = self._request("PUT", target, ics, headers={**headers, **condition}, allow={412})
        if response.status == 412:
            response = self._request("PUT", target, ics, headers=headers)
        return target, response.headers.get("ETag")

    def delete_event(self, href: str, *, etag: str | None = None) -> None:
        """Remove our event. Gone already (404/410) is fine; changed since (412) is removed anyway."""
        headers = {"If-Match": etag} if etag else {}
        response = self._request("DELETE", href, None, headers=headers, allow={404, 410, 412})
        if response.status == 412:
            self._request("DELETE", href, None, allow={404, 410})

    # --- HTTP -------------------------------------------------------------------------------------

    def vet(self, url: str) -> None:
        """Refuse ``url`` before connecting when it leads to an internal network (unless allowed):
        every request goes through here, server-named hrefs and redirect targets included."""
        if not self.allow_private:
            check_public(url)

    def _propfind(self, url: str, body: str, *, depth: str) -> tuple[str, dict[str, dict[str, Element]]]:
        return self._multistatus("PROPFIND", url, body, depth=depth)

    def _multistatus(self, method: str, url: str, body: str, *,
                     depth: str) -> tuple[str, dict[str, dict[str, Element]]]:
        """(the URL answered after redirects, {absolute href: {property tag: element}}) from a 207,
        only properties with a 200 status."""
        # A web server that doesn't speak WebDAV refuses the method (405, 501) or ignores it (200).
        response = self._request(method, url, body.encode("utf-8"), headers={**_XML, "Depth": depth},
                                 allow={405, 501})
        if response.status != 207:
            raise CalendarError("not_a_calendar", f"{redact(url)} is not a CalDAV address ({response.status})")
        try:
            root = ElementTree.fromstring(response.body)
        except (ParseError, defusedxml.DefusedXmlException, ValueError):
            raise CalendarError("not_a_calendar", f"{redact(url)} answered with XML that can't be read") from None
        answered = response.url
        responses: dict[str, dict[str, Element]] = {}
        for item in root.iter(_tag(DAV, "response")):
            href = item.findtext(_tag(DAV, "href"), "").strip()
            if not href:
                continue
            props: dict[str, Element] = {}
            for propstat in item.iter(_tag(DAV, "propstat")):
                if " 200 " not in f"{propstat.findtext(_tag(DAV, 'status'), '')} ":
                    continue
                for prop in propstat.iter(_tag(DAV, "prop")):
                    for element in prop:
                        props[element.tag] = element
            responses[urljoin(answered, href)] = props
        return answered, responses

    def _request(self, method: str, url: str, body: bytes | None, *, headers: dict | None = None,
                 allow: frozenset[int] | set[int] = frozenset()) -> _Answer:
        """One request with its redirects (same host only), bounded by ``timeout`` in all; statuses
        outside 2xx and ``allow`` raise CalendarError. The body is read before returning."""
        deadline = time.monotonic() + self.timeout
        for _ in range(MAX_REDIRECTS + 1):
            host = redact(url)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CalendarError("timeout", f"{host} took too long")
            self.vet(url)
            try:
                response = self.session.request(method, url, data=body, headers=headers, stream=True,
                                                allow_redirects=False, timeout=(min(3.0, remaining), remaining))
            except requests.RequestException as error:
                raise error_for_exception(error, host) from None
            with response:
                if response.status_code in _REDIRECTS and response.headers.get("Location"):
                    target = urljoin(url, response.headers["Location"])
                    if not _same_origin(url, target):
                        raise CalendarError("bad_address", f"{host} redirected to another host")
                    url = target
                    continue
                if not (200 <= response.status_code < 300 or response.status_code in allow):
                    raise error_for_status(response.status_code, host)
                return _Answer(response.status_code, response.headers,
                               read_body(response, deadline, MAX_BODY, host), url)
        raise CalendarError("server_error", f"more than {MAX_REDIRECTS} redirects")


def _own(url: str, responses: dict[str, dict[str, Element]]) -> tuple[str, dict[str, Element]]:
    """The response about ``url`` itself in a Depth 0 answer (the only one, whatever its href says)."""
    for href, props in responses.items():
        if href.rstrip("/") == url.rstrip("/"):
            return href, props
    return next(iter(responses.items()), (url, {}))


def _same_origin(first: str, second: str) -> bool:
    a, b = urlsplit(first), urlsplit(second)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port) or (
        a.scheme == "http" and b.scheme == "https" and a.hostname == b.hostname)


def _hrefs(element: Element | None, base: str) -> list[str]:
    if element is None:
        return []
    return [urljoin(base, href.text.strip()) for href in element.iter(_tag(DAV, "href")) if (href.text or "").strip()]


def _is_event_calendar(props: dict[str, Element]) -> bool:
    """A calendar collection that may hold VEVENTs (no component set named means any)."""
    kind = props.get(_tag(DAV, "resourcetype"))
    if kind is None or kind.find(_tag(CALDAV, "calendar")) is None:
        return False
    components = props.get(_tag(CALDAV, "supported-calendar-component-set"))
    if components is None:
        return True
    names = {(comp.get("name") or "").upper() for comp in components.iter(_tag(CALDAV, "comp"))}
    return not names or "VEVENT" in names


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
