"""Log lines an operator's tools can read: one JSON object a line (``LOG_FORMAT=json``, production's
default) or plain text (development and testing), each carrying the id of the request it belongs to.

The request id is kept in a context variable, not in Flask's ``g``: the worker has no request, yet
its lines about a mail carry the id of the request that queued it (``portal.mail.tasks`` sets it
from the outbox row while it sends). ``portal.observability`` sets it for each web request.

Fields of a JSON line: ``time`` (UTC, ISO 8601 with milliseconds), ``level``, ``logger``,
``message``, ``request_id`` (absent outside a request or a mail), ``exception`` (a traceback, when
there is one), and what a line adds with ``extra=``: for the one line per request, ``method``,
``route`` (the URL rule, never the path: tokens are in paths), ``status`` and ``duration_ms``.
Redaction (``portal.logredact``) filters the handler, so it applies to these lines too.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

LOG_FORMATS = ("json", "text")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
# What an incoming X-Request-Id may be (a proxy's or a client's): short, and nothing a log reader or
# a terminal would mistake for something else. Anything else is replaced by a fresh id.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# Fields a record may carry with extra= that belong in the JSON line.
EXTRA_FIELDS = ("method", "route", "status", "duration_ms")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request (or the mail) this code runs for; None outside both."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The incoming ``X-Request-Id`` if it looks sane, else a new random one (16 hex digits)."""
    if header and _SANE_ID.fullmatch(header):
        return header
    return secrets.token_hex(8)


def set_request_id(value: str | None):
    """Make ``value`` the current request id; returns the token that :func:`reset_request_id` takes."""
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


@contextmanager
def request_id_as(value: str | None):
    """Run a block with ``value`` as the request id (the worker, for the mail a request queued)."""
    token = _request_id.set(value)
    try:
        yield
    finally:
        _request_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object a line (no newline inside: a traceback is one string field)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _request_id.get()
        if request_id:
            line["request_id"] = request_id
        for name in EXTRA_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger [request id]: message``; ``-`` where there is no request."""

    def __init__(self):
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", None) or _request_id.get() or "-"
        return super().format(record)


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(log_format: str, level: int = logging.INFO, stream=None) -> None:
    """One handler on the root logger, to ``stream`` (standard error), in ``log_format``. Called by create_app
    outside testing (tests capture records themselves); a second app in the process replaces it
    (logredact.install, which create_app calls next, filters the new one)."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_portal", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format))
    handler._portal = True
    root.addHandler(handler)
    root.setLevel(level)
