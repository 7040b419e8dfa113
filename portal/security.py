"""Response headers, role checks and single-use e-mail tokens."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, g, has_request_context, request
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from limits import parse_many
from limits.errors import StorageError
from werkzeug.exceptions import TooManyRequests
from werkzeug.routing import IntegerConverter

from .extensions import db, limiter
from .timeutil import utcnow

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


def add_security_headers(response: Response) -> Response:
    """Headers every response carries, pages, fragments, errors and static files alike."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
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


def is_token_link() -> bool:
    """Does this request's URL carry a secret from an e-mail (or a provider's code)?"""
    rule = request.url_rule
    return rule is not None and ("token" in rule.arguments or request.endpoint in TOKEN_LINK_ENDPOINTS)


def rate_limit_buckets() -> list[tuple[str, str]]:
    """(bucket, setting name) for every limit the current request counts against."""
    rule = request.url_rule
    if rule is None or request.endpoint == "static":
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


# --- e-mailed action tokens -------------------------------------------------------------------


class TokenProblem(Exception):
    """Why a link cannot be used: ``invalid``, ``used`` or ``expired``, or what a feature's link rule
    says (``moved``, ``closed``, ``decided``…; see ``link_rule``)."""

    def __init__(self, reason: str, token=None):
        super().__init__(reason)
        self.reason = reason
        self.token = token


# Every e-mailed link is bound to its subject and its owner. Each feature says, for each purpose it
# mails links for, what "still yours?" means: a rule(token) returning None (the link may be used) or
# the reason it can't (a word that feature's problem page knows). find_token applies the rule before
# anything else, so whatever path changed the subject (redirected, deleted, made private to someone
# else, the candidate decided, the account closed), the old link shows none of it and changes nothing.
# This module imports no feature: features fill the table when they are imported (create_app imports
# every blueprint). A purpose without a rule can't be issued, and can't be read.
LinkRule = Callable[[object], str | None]
_LINK_RULES: dict[str, LinkRule] = {}


def link_rule(*purposes: str):
    """Decorator: ``rule`` decides whether a link of each of ``purposes`` is still its owner's."""

    def register(rule: LinkRule) -> LinkRule:
        for purpose in purposes:
            known = _LINK_RULES.get(purpose)
            if known is not None and (known.__module__, known.__qualname__) != (rule.__module__, rule.__qualname__):
                raise ValueError(f"Links of purpose {purpose!r} already have a rule: {known.__qualname__}")
            _LINK_RULES[purpose] = rule
        return rule

    return register


def link_purposes() -> frozenset[str]:
    """The purposes that have a rule (every kind of link the portal mails)."""
    return frozenset(_LINK_RULES)


def link_problem(token) -> str | None:
    """Why ``token``'s subject is no longer its owner's to act on (None: it still is)."""
    rule = _LINK_RULES.get(token.purpose)
    if rule is None:
        logger.error("No link rule for purpose %r: the link is refused", token.purpose)
        return "invalid"
    return rule(token)


def end_links(*, subject=None, user=None, purposes=None, keep_user_id: int | None = None) -> int:
    """Use up the open links about ``subject`` (and/or held by ``user``), optionally only some
    ``purposes`` and sparing those of ``keep_user_id`` (the subject's owner now). The rule above is what
    makes an old link safe; this just says so in the table too. Flushes nothing else; returns how many."""
    from .auth.models import ActionToken

    where = [ActionToken.used_at.is_(None)]
    if subject is not None:
        where += [ActionToken.subject_type == type(subject).__name__, ActionToken.subject_id == subject.id]
    if user is not None:
        where.append(ActionToken.user_id == user.id)
    if purposes is not None:
        where.append(ActionToken.purpose.in_(list(purposes)))
    if keep_user_id is not None:
        where.append(sa.or_(ActionToken.user_id.is_(None), ActionToken.user_id != keep_user_id))
    if len(where) == 1:
        raise ValueError("end_links needs a subject or a user")
    result = db.session.execute(sa.update(ActionToken).where(*where).values(used_at=utcnow())
                                .execution_options(synchronize_session=False))
    return result.rowcount or 0


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue_token(purpose: str, lifetime: timedelta, *, user=None, subject=None) -> tuple[str, object]:
    """Create a token for one purpose (and optionally one object); return (raw token, row).

    256 random bits; only the hash is stored, so a database leak does not leak usable links. The
    purpose must have a link rule (``link_rule``).
    """
    from .auth.models import ActionToken

    if purpose not in _LINK_RULES:
        raise LookupError(f"No link rule for purpose {purpose!r}: register one with security.link_rule")
    raw = secrets.token_urlsafe(32)
    row = ActionToken(
        purpose=purpose,
        token_hash=hash_token(raw),
        user=user,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=subject.id if subject is not None else None,
        expires_at=utcnow() + lifetime,
    )
    db.session.add(row)
    db.session.flush()
    return raw, row


def find_token(purpose: str, raw: str, now: datetime | None = None):
    """The usable token row for ``raw``, or raise TokenProblem saying why not. Changes nothing.

    The purpose's link rule goes first: when the subject is no longer the owner's (or is gone), that is
    the answer, whether or not the link was used or has expired.
    """
    from .auth.models import ActionToken

    if not raw or len(raw) > 200:
        raise TokenProblem("invalid")
    row = db.session.scalar(
        sa.select(ActionToken).where(ActionToken.token_hash == hash_token(raw), ActionToken.purpose == purpose)
    )
    if row is None:
        raise TokenProblem("invalid")
    reason = link_problem(row)
    if reason:
        raise TokenProblem(reason, row if reason != "invalid" else None)
    if row.used_at is not None:
        raise TokenProblem("used", row)
    if row.is_expired(now):
        raise TokenProblem("expired", row)
    return row


def consume_token(row, now: datetime | None = None) -> None:
    """Mark ``row`` used, atomically: of two concurrent uses exactly one wins.

    Written as a compare-and-swap UPDATE (``… WHERE used_at IS NULL``) and checked for one changed
    row, which holds on SQLite and PostgreSQL alike.
    """
    from .auth.models import ActionToken

    now = now or utcnow()
    result = db.session.execute(
        sa.update(ActionToken)
        .where(ActionToken.id == row.id, ActionToken.used_at.is_(None), ActionToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(row)
        raise TokenProblem("used" if row.used_at is not None else "expired", row)
    db.session.refresh(row)
