"""Static files under fingerprinted URLs, cached for a year; the plain URLs keep working.

``url_for('static', filename='app.css')`` gives ``/static/3f9a1c2b4d5e/app.css``: the first 12 hex
digits of the file's SHA-256 as a leading folder. That URL is answered with ``Cache-Control: public,
max-age=31536000, immutable``, so a browser (or the proxy) never asks again; a changed file gets a
new URL. A folder rather than ``app.<hash>.css`` keeps relative ``url(…)`` references inside CSS
working (none exist today: Pico's icons are ``data:`` URIs) and leaves the extension, so the type,
untouched. A ``?v=`` query string would not do: some caches ignore or strip it.

- The plain URL (``/static/app.css``, for anything that hard-codes it) is served as Flask always
  did: ``Cache-Control: no-cache`` with an ETag and Last-Modified, so a browser revalidates (304).
- A fingerprint that isn't the file's current one (the page came from a process of the previous
  release during a rolling deploy, or a stale cache) serves the *current* file with that same short
  caching, not a 404: a page with slightly newer CSS beats an unstyled one, and never marking a
  mismatch immutable means no cache can pin wrong bytes to a fingerprint for a year.
- Paths go through Flask's ``send_from_directory`` (``safe_join``): ``..`` and the like are a 404.

Hashes are computed lazily, once per file per process, and remembered with the file's mtime and
size; each ``url_for`` stats the file (about a microsecond) and hashes again only when it changed.
So editing ``static/`` in development shows up on the next reload, and a process whose files are
replaced under it (an in-place deploy with a graceful reload) never hands out an old fingerprint
for new bytes. There is one URL rule and one endpoint, ``static`` (the view below replaces Flask's),
so everything that treats static files specially by endpoint (security.py) keeps doing so. A
folder in ``static/`` named like a fingerprint (12 hex digits) would be shadowed: don't make one.

A static file is the same whoever asks, so its response carries no session: without this, every
signed-in request refreshes the (permanent, timestamped) session cookie, so a ``public`` response
would carry ``Set-Cookie`` (a shared cache could hand it to someone else) and ``Vary: Cookie`` with a
cookie that changes every second (a browser would never reuse its copy). A static request that
changed the session (none does) still saves it; error pages are left alone (the session interface,
``session_cookie.py``, does this).

Why no library: Flask-Static-Digest needs a build step that writes digested copies into
``static/`` (one more thing to run in development and on deploy); WhiteNoise serves as WSGI
middleware, outside Flask, so static responses would lose the security headers every response
carries (security.py), and it has no ``url_for`` side for Flask; Flask-CacheBuster and
Flask-Cache-Buster only add query strings and are unmaintained. This is about 50 lines.

Compression is left to the TLS proxy in front (README, "Running in production").
"""

from __future__ import annotations

import hashlib
import os
import re
from stat import S_ISREG

from flask import Flask, current_app, send_from_directory
from werkzeug.security import safe_join

from .session_cookie import PortalSessionInterface

FINGERPRINT = re.compile(r"[0-9a-f]{12}")
ONE_YEAR = 31_536_000


def init_static(app: Flask) -> None:
    """Fingerprint every ``url_for('static', …)`` and serve fingerprinted URLs with long caching."""
    known: dict[str, tuple[int, int, str]] = {}  # path → (mtime_ns, size, fingerprint), per process

    def fingerprint(filename: str) -> str | None:
        """The file's current fingerprint, or None when there is no such file."""
        path = safe_join(current_app.static_folder, filename)  # None for anything outside it
        try:
            stat = os.stat(path) if path else None
        except OSError:
            stat = None
        if stat is None or not S_ISREG(stat.st_mode):
            return None
        seen = known.get(path)
        if seen and seen[:2] == (stat.st_mtime_ns, stat.st_size):
            return seen[2]
        with open(path, "rb") as file:
            digest = hashlib.file_digest(file, "sha256").hexdigest()[:12]
        known[path] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    @app.url_defaults
    def _fingerprint_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            digest = fingerprint(values["filename"])
            if digest:
                values["filename"] = f"{digest}/{values['filename']}"

    def static(filename: str):
        digest, _, rest = filename.partition("/")
        if not (rest and FINGERPRINT.fullmatch(digest)):
            return current_app.send_static_file(filename)  # the plain URL: no-cache, ETag
        if digest != fingerprint(rest):  # an old (or made-up) fingerprint: today's file, revalidated
            return current_app.send_static_file(rest)
        response = send_from_directory(current_app.static_folder, rest, max_age=ONE_YEAR)
        response.cache_control.immutable = True
        return response

    app.view_functions["static"] = static
    app.session_interface = PortalSessionInterface()  # no cookie on static files (session_cookie.py)
