"""Response headers, rate limits, role checks and the signed-in user (e-mailed tokens: ``auth.tokens``)."""

from __future__ import annotations

import logging
import math
import time
from functools import wraps

from flask import Flask, Response, abort, current_app, g, has_request_context, request
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from limits import parse_many
from limits.errors import StorageError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, TooManyRequests
from werkzeug.routing import IntegerConverter

from .extensions import limiter

logger = logging.getLogger(__name__)

# No 'unsafe-inline' and no 'unsafe-eval' anywhere: htmx runs with allowEval=false and without
# its injected indicator <style> (see the htmx-config meta in base.html). Pico's form controls
# draw their icons from data: SVGs, hence img-src data:.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        # Recorded answers play from our routes; a recording just made plays back from a blob: URL
        # before it is sent (the camera preview itself is a MediaStream, not a URL).
        "media-src 'self' blob:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)


def no_referrer() -> None:
    """Mark this response as reached through a secret link: send no Referer onwards."""
    g.no_referrer = True


def allow_media_capture() -> None:
    """This page records (or checks) the camera and microphone: allow them for this origin only. Every
    other response keeps them off (Permissions-Policy), so no other page, and no frame, can ask."""
    g.media_capture = True


def add_security_headers(response: Response) -> Response:
    """Headers every response carries, pages, fragments, errors and static files alike."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    capture = "(self)" if g.get("media_capture") else "()"
    headers["Permissions-Policy"] = f"camera={capture}, microphone={capture}, geolocation=(), payment=()"
    if g.get("no_referrer"):
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cache-Control"] = "no-store"
    else:
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure or current_app.config["PORTAL_BASE_URL"].lower().startswith("https://"):
        # An https base URL means the site is served over TLS, even when this request reached us as
        # plain http from a TLS proxy whose X-Forwarded-Proto we don't trust (TRUSTED_PROXY_HOPS=0).
        # Browsers ignore the header on plain http, so sending it there is harmless.
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static" and current_user.is_authenticated:
        # Personal pages must not be kept by the browser or any shared cache (a view that knows
        # better, like a versioned photo URL, sets its own).
        headers.setdefault("Cache-Control", "no-store")
        response.vary.add("Cookie")
    return response


MAX_ID = 2**31 - 1  # PostgreSQL's integer; anything larger cannot be one of our ids


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that only matches ids the database can hold, so /people/99999999999 is a 404,
    not an overflow error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(value) -> int | None:
    """A query-string or form id, or None when it isn't a plausible one (never raises)."""
    text = str(value or "")
    if text.isascii() and text.isdecimal() and len(text) <= 10 and 0 < int(text) <= MAX_ID:
        return int(text)
    return None


def refuse_nul_bytes():
    """NUL can't be stored in PostgreSQL text and is never meaningful in a form: refuse the request
    whole, before any view reads it, instead of failing on the database."""
    for values in (request.args, request.form):
        for items in values.listvalues():
            if any("\x00" in item for item in items):
                abort(400)


def refuse_cross_site_posts():
    """Defence in depth beside the CSRF token: browsers mark where a request comes from with
    Sec-Fetch-Site (unaffected by Referrer-Policy); a state change from another site is refused."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.headers.get("Sec-Fetch-Site") == "cross-site":
        abort(403)


# --- rate limits on e-mailed links and forms --------------------------------------------------
#
# Sign-in has its own limits, per client and per target e-mail (auth/views.py, auth/sso.py). On
# top of those, every request is counted here, in one place, by what kind of endpoint it reaches,
# so a route added later is limited the day it exists:
#   - links from e-mail (any route with a <token> in its URL, and the SSO callback, which carries
#     a code): RATE_LIMIT_TOKEN_LINKS per client address, one bucket for all of them together, so
#     guessing tokens on one kind of link and then another buys nothing;
#   - every POST (every form): RATE_LIMIT_FORMS per client address.
# Counting happens before the CSRF check and before any view runs, so a refused request changes
# nothing. The counts live in Flask-Limiter's storage (Redis via REDIS_URL in production, which
# config.py insists on), shared by all web processes; while it is down, in each process's memory
# (see _storage_failed).

# Token-like endpoints whose URL has no <token> argument.
TOKEN_LINK_ENDPOINTS = frozenset({"auth.sso_callback"})


def _matched_rule():
    """The URL rule of this request's path, also when the path exists but not for this method (405):
    a secret link asked the wrong way still carries the secret."""
    rule = request.url_rule
    if rule is None and isinstance(request.routing_exception, MethodNotAllowed):
        adapter = current_app.url_map.bind_to_environ(request.environ)
        try:
            rule, _ = adapter.match(method=min(request.routing_exception.valid_methods), return_rule=True)
        except HTTPException:
            return None
    return rule


def is_token_link() -> bool:
    """Does this request's URL carry a secret from an e-mail (or a provider's code)?"""
    rule = _matched_rule()
    return rule is not None and ("token" in rule.arguments or rule.endpoint in TOKEN_LINK_ENDPOINTS)


def rate_limit_buckets() -> list[tuple[str, str]]:
    """(bucket, setting name) for every limit the current request counts against."""
    rule = _matched_rule()
    if rule is None or rule.endpoint == "static":
        return []
    buckets = []
    if is_token_link():
        buckets.append(("token-links", "RATE_LIMIT_TOKEN_LINKS"))
    if request.method == "POST":
        buckets.append(("forms", "RATE_LIMIT_FORMS"))
    return buckets


def _count_request(buckets: list[tuple[str, str]]) -> None:
    config = current_app.config
    client = get_remote_address() or "unknown"
    prefix = [config["RATELIMIT_KEY_PREFIX"]] if config.get("RATELIMIT_KEY_PREFIX") else []
    # Flask-Limiter's strategy over its storage (Redis in production), or over its per-process
    # in-memory fallback while that storage is down.
    strategy = limiter.limiter
    for bucket, setting in buckets:
        for item in parse_many(config[setting]):
            identifiers = (*prefix, "portal", bucket, client)
            if not strategy.hit(item, *identifiers):
                reset_at = strategy.get_window_stats(item, *identifiers).reset_time
                raise TooManyRequests(retry_after=max(1, math.ceil(reset_at - time.time())))


def _storage_failed(error: StorageError) -> bool:
    """The limit store (Redis) failed under us. Switch Flask-Limiter to its in-memory fallback, as
    its own checks do when they meet the error first, and say so once; from then on every limit,
    Flask-Limiter's and ours, is counted per process until Flask-Limiter's probe (backing off from
    1 s to 32 s) finds the store again. Returns whether there is a fallback to count in."""
    # Flask-Limiter has no public switch for this: these are the attributes its own checks use.
    if getattr(limiter, "_fallback_limiter", None) is None:  # RATELIMIT_IN_MEMORY_FALLBACK_ENABLED off
        return False
    if not limiter._storage_dead:
        limiter._storage_dead = True
        logger.warning("Rate-limit storage unreachable (%s): limits are counted in each process's memory "
                       "until it is back", error)
    return True


def enforce_rate_limits():
    """Count this request against its buckets; over a limit, refuse it with 429 (errors.py).

    If the store fails, the request is counted in the in-memory fallback instead (see
    _storage_failed); with the fallback switched off, it is let through and the error logged
    (RATELIMIT_SWALLOW_ERRORS), or raised when that is off too.
    """
    if is_token_link():
        no_referrer()  # even when refused below, or by the CSRF check: the URL holds a secret
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True) or not limiter.initialized:
        return
    buckets = rate_limit_buckets()
    if not buckets:
        return
    try:
        _count_request(buckets)
    except StorageError as error:
        if _storage_failed(error):
            _count_request(buckets)
        elif config.get("RATELIMIT_SWALLOW_ERRORS"):
            logger.error("Rate-limit storage unreachable (%s): request let through uncounted", error)
        else:
            raise


def init_security(app: Flask) -> None:
    # First of all before_request hooks (ahead of the CSRF check): abuse is counted even when the
    # request is refused for another reason.
    app.before_request_funcs.setdefault(None, []).insert(0, enforce_rate_limits)
    app.before_request(refuse_nul_bytes)
    app.before_request(refuse_cross_site_posts)
    app.after_request(add_security_headers)


RECRUITER_ROLES = ("recruiter", "admin")
"""The roles that run the process: candidates, requests, feedback, analytics, people."""


def role_required(*roles: str):
    """Signed in *and* holding one of ``roles``; otherwise sign-in (anonymous) or 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


recruiter_required = role_required(*RECRUITER_ROLES)
"""A recruiter's or admin's page (``role_required`` with ``RECRUITER_ROLES``)."""


def me():
    """The signed-in user itself, not Flask-Login's request-local proxy: for rows and audit events
    (in a view behind ``login_required``)."""
    return current_user._get_current_object()


def acting_user():
    """Who is making this change: the signed-in user, or None from a command, the worker or a
    visitor (services that run both ways)."""
    return me() if has_request_context() and current_user.is_authenticated else None
