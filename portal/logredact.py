"""Secrets out of the logs: the token in every e-mailed link and the single sign-on callback's code.

A link from e-mail (``/invite/<token>``, ``/invite/manage/<token>``, ``/answer/<token>``,
``/feedback/<token>``, ``/survey/<token>``, ``/login/<token>``) is as good as a password until it is
used or expires, and so is the ``code`` a provider sends to ``/login/sso/<name>/callback``. Access
logs and error lines keep them far longer than that, readable by whoever reads the logs. So every
place that writes a request path goes through :func:`redact` first:

* the app's own log lines (``errors.py``) call :func:`redact_path`;
* Werkzeug's development server (``make run``) logs each request to the ``werkzeug`` logger, which
  gets :class:`RedactSecrets`, as do the root logger's handlers (see :func:`install`);
* gunicorn's access and error logs go through ``portal.gunicorn_logging.RedactingLogger``.

The token routes are not listed by hand: :func:`install` reads them from the app's URL map (every
rule with a ``<token>`` argument), so a new e-mailed link is covered as soon as it is routed. Query
parameters that carry secrets (``code``, ``state``, … :data:`SECRET_QUERY_KEYS`) are redacted on any
path, and so is a token link inside another parameter (``/login?next=%2Finvite%2F…``).

Until an app has been built in the process no routes are known, and :func:`redact` fails closed:
it keeps only the first segment of each path (``/invite/[redacted]``).
"""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote, unquote_plus

REDACTED = "[redacted]"
# URL arguments that are secrets wherever a rule has them.
SECRET_ARGUMENTS = frozenset({"token"})
# Query parameters that are secrets on any path: OAuth/OpenID Connect's code and state (the single
# sign-on callback), and the usual names of tokens.
SECRET_QUERY_KEYS = frozenset({"code", "state", "token", "id_token", "access_token", "refresh_token",
                               "session_state", "client_secret"})

# Where a path segment ends in a log line: the next "/", the query, the fragment, a space (before
# " HTTP/1.1") or a quote (gunicorn's and Werkzeug's formats quote the request line).
_SEGMENT = r"""[^/?#\s"']+"""
_END = r"""(?=/?(?:[?#\s"']|$))"""  # a trailing slash too: /invite/<token>/ leaks as much
_PLACEHOLDER = re.compile(r"<(?:(?P<converter>[A-Za-z_]\w*)(?:\([^)>]*\))?:)?(?P<name>[A-Za-z_]\w*)>")
_QUERY = re.compile(r"""\?([^\s#"']*)""")
# No app built yet: keep the first segment of anything that looks like a path, redact the rest.
_FAIL_CLOSED = re.compile(r"""(?<![\w.:/])(/[^/?#\s"']+)/[^?#\s"']+""")

_lock = threading.Lock()
_rules: frozenset[str] = frozenset()
_routes: re.Pattern | None = None
# Per capturing group of _routes: the words that other routes have in that place, which are not
# tokens (/login/sent and /login/sso beside /login/<token>, /invite/manage beside /invite/<token>).
_reserved: tuple[frozenset[str], ...] = ()
_reserved_by_rule: dict[str, frozenset[str]] = {}


def _rule_pattern(rule: str) -> str:
    """A regular expression for one rule, with a capturing group for each secret argument only."""
    parts, position = [], 0
    for placeholder in _PLACEHOLDER.finditer(rule):
        parts.append(re.escape(rule[position:placeholder.start()]))
        if placeholder["name"] in SECRET_ARGUMENTS:
            parts.append(f"({_SEGMENT})")
        elif placeholder["converter"] == "path":
            parts.append(r"""(?:[^?#\s"']+?)""")
        else:
            parts.append(f"(?:{_SEGMENT})")
        position = placeholder.end()
    parts.append(re.escape(rule[position:]))
    return "".join(parts) + _END


def secret_rules(url_map) -> frozenset[str]:
    """The rules of a URL map that carry a secret in the path (a ``<token>`` argument)."""
    return frozenset(rule.rule for rule in url_map.iter_rules() if SECRET_ARGUMENTS & set(rule.arguments))


def _words_beside(url_map, rule: str) -> frozenset[str]:
    """The literal path segments other rules have where ``rule`` has a secret argument."""
    placeholder = next(p for p in _PLACEHOLDER.finditer(rule) if p["name"] in SECRET_ARGUMENTS)
    prefix = rule[:placeholder.start()]
    words = set()
    for other in url_map.iter_rules():
        if other.rule != rule and other.rule.startswith(prefix):
            word = other.rule[len(prefix):].split("/", 1)[0]
            if word and "<" not in word:
                words.add(word)
    return frozenset(words)


def register_routes(url_map) -> None:
    """Learn the token routes of an app (kept for the life of the process, over every app built)."""
    global _rules, _routes, _reserved
    found = secret_rules(url_map)
    with _lock:
        if found <= _rules:
            return
        reserved = dict(_reserved_by_rule)
        for rule in found:
            reserved[rule] = reserved.get(rule, frozenset()) | _words_beside(url_map, rule)
        rules = _rules | found
        # Longest static text first, so /invite/manage/<token> is tried before /invite/<token>.
        ordered = sorted(rules, key=lambda r: (-len(_PLACEHOLDER.sub("", r)), r))
        groups = []
        for rule in ordered:
            secrets = sum(p["name"] in SECRET_ARGUMENTS for p in _PLACEHOLDER.finditer(rule))
            groups += [reserved[rule]] * secrets
        _routes = re.compile("|".join(f"(?:{_rule_pattern(r)})" for r in ordered))
        _reserved, _rules = tuple(groups), rules
        _reserved_by_rule.clear()
        _reserved_by_rule.update(reserved)


def known_rules() -> frozenset[str]:
    return _rules


def _redact_token_paths(text: str) -> str:
    routes, reserved = _routes, _reserved
    if routes is None:
        return _FAIL_CLOSED.sub(lambda m: f"{m[1]}/{REDACTED}", text)

    def replace(match: re.Match) -> str:
        out, position = [], match.start()
        for group in range(1, (match.re.groups or 0) + 1):
            start, end = match.span(group)
            if start == -1 or match.string[start:end] in reserved[group - 1]:
                continue
            out.append(match.string[position:start])
            out.append(REDACTED)
            position = end
        out.append(match.string[position:match.end()])
        return "".join(out)

    return routes.sub(replace, text)


def _redact_query(query: str) -> str:
    pairs = []
    for pair in query.split("&"):
        key, sep, value = pair.partition("=")
        if sep and unquote_plus(key).lower() in SECRET_QUERY_KEYS:
            value = REDACTED
        elif sep:
            decoded = unquote_plus(value)
            redacted = _redact_token_paths(decoded)
            if redacted != decoded:
                value = quote(redacted, safe="/[]")
        pairs.append(f"{key}{sep}{value}")
    return "&".join(pairs)


def redact(text: str) -> str:
    """``text`` (a path, a URL, a request line or a whole log line) with every secret replaced by
    ``[redacted]``: the token of each token route and the secret query parameters."""
    if not text or ("/" not in text and "=" not in text):
        return text
    text = _QUERY.sub(lambda m: "?" + _redact_query(m[1]), text)
    return _redact_token_paths(text)


def redact_query_string(query: str) -> str:
    """A query string alone (without its ``?``), e.g. WSGI's QUERY_STRING."""
    return _redact_query(query) if query else query


redact_path = redact  # the name to use where a request path (with or without its query) is logged


# An e-mail address, wherever a library puts one in a message (an SMTP server's refusal quotes the
# recipient): personal data, which log lines never carry.
_ADDRESS = re.compile(r"[\w.%+-]+@(?:[\w-]+\.)+[A-Za-z]{2,}\b")  # a named domain: not user@127.0.0.1 of a URL
ADDRESS = "[address]"


def redact_line(text: str) -> str:
    """A whole log line: :func:`redact`, and every e-mail address replaced by ``[address]``."""
    text = redact(text)
    return _ADDRESS.sub(ADDRESS, text) if "@" in text else text


class RedactSecrets(logging.Filter):
    """Rewrites a log record's message (and its traceback text) through :func:`redact_line`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001  (a broken record is logging's to report, not ours)
            return True
        redacted = redact_line(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_line(logging.Formatter().formatException(record.exc_info))
        return True


FILTER = RedactSecrets()


def _add_filter(target: logging.Filterer) -> None:
    if not any(isinstance(existing, RedactSecrets) for existing in target.filters):
        target.addFilter(FILTER)


def install(app) -> None:
    """Learn the app's token routes and filter the loggers that write request paths: Werkzeug's
    (the development server's request lines) and every handler of the root logger."""
    register_routes(app.url_map)
    _add_filter(logging.getLogger("werkzeug"))
    for handler in logging.getLogger().handlers:
        _add_filter(handler)
