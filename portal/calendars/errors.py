"""What can go wrong reading or writing someone's calendar, as one exception with a short code.

The code says what the person should do (fix the address, the password, wait for the server); the
interface turns it into words in the reader's language. The message is for logs: it never holds a
calendar's secret address (path, query) or a password, only the host at most.
"""

from __future__ import annotations

import requests
import urllib3

CODES = frozenset({
    "unreachable",          # no connection (DNS, refused, reset)
    "timeout",              # connected, but no answer in time
    "refused_credentials",  # 401 / 403
    "not_found",            # 404 / 410
    "not_a_calendar",       # the body isn't iCalendar, or the collection isn't a calendar
    "too_large",            # the body passed the size limit
    "server_error",         # 5xx or another status we can't use
    "bad_address",          # not http(s)/webcal, or an address that can't be used
    "private_address",      # the host is on an internal network (loopback, private, link-local…)
})


class CalendarError(Exception):
    """A calendar could not be read or written; ``code`` is one of :data:`CODES`."""

    def __init__(self, code: str, detail: str = ""):
        if code not in CODES:
            raise ValueError(f"unknown calendar error code {code!r}")
        self.code = code
        self.detail = detail or code.replace("_", " ")
        super().__init__(self.detail)

    def __str__(self) -> str:
        return self.detail

    def __repr__(self) -> str:
        return f"CalendarError({self.code!r}, {self.detail!r})"


def error_for_status(status: int, host: str) -> CalendarError:
    """The error an HTTP status we can't use means. ``host`` is already redacted (feeds.redact)."""
    if status in (401, 403):
        return CalendarError("refused_credentials", f"{host} refused the credentials ({status})")
    if status in (404, 410):
        return CalendarError("not_found", f"{host} has nothing at that address ({status})")
    return CalendarError("server_error", f"{host} answered {status}")


def error_for_exception(error: BaseException, host: str) -> CalendarError:
    """The error a failed request means (requests' and urllib3's exceptions, socket errors).

    Their own messages are not used: they quote the whole URL.
    """
    if isinstance(error, CalendarError):
        return error
    if isinstance(error, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                          requests.exceptions.InvalidSchema, urllib3.exceptions.LocationParseError,
                          requests.exceptions.InvalidHeader)):
        return CalendarError("bad_address", "the address can't be used")
    # While a streamed body is read, requests wraps urllib3's read timeout in a ConnectionError.
    cause = error.args[0] if error.args else None
    if isinstance(error, (requests.exceptions.ReadTimeout, urllib3.exceptions.ReadTimeoutError,
                          TimeoutError)) or isinstance(cause, urllib3.exceptions.ReadTimeoutError):
        return CalendarError("timeout", f"{host} took too long to answer")
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return CalendarError("unreachable", f"no connection to {host} in time")
    if isinstance(error, requests.exceptions.SSLError):
        return CalendarError("unreachable", f"no secure connection to {host} (TLS)")
    if isinstance(error, (requests.exceptions.ConnectionError, urllib3.exceptions.ProtocolError,
                          requests.exceptions.ChunkedEncodingError, ConnectionError)):
        return CalendarError("unreachable", f"the connection to {host} failed")
    if isinstance(error, (requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError)):
        return CalendarError("server_error", f"{host} sent a body that can't be decoded")
    return CalendarError("unreachable", f"{host}: {type(error).__name__}")
