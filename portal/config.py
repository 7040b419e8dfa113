"""Configuration: safe defaults in code, then the environment, then the caller's overrides.

``PORTAL_ENV`` picks the profile: ``production`` (the default, so a forgotten variable fails
closed), ``development`` (``make run``) or ``testing``. Outside development and testing the app
refuses to start without a real ``SECRET_KEY`` and a shared rate-limit store.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from .secret_strength import MAKE_A_KEY, calendar_key_problem, is_placeholder, secret_key_problem

ENVIRONMENTS = ("production", "development", "testing")

# Only ever used when PORTAL_ENV is development or testing; production refuses to start without
# its own key (see validate()).
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production"
_DEV_CALENDAR_KEY = "ZGV2LW9ubHktY2FsZW5kYXIta2V5LW5vdC1zZWNyZXQ="  # a Fernet key anyone can read: dev and tests only


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says which setting to fix."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(key: str, value) -> float:
    """A non-negative number of seconds (``10``, ``0.5``), or a ConfigError naming the setting."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 <= seconds <= 3600:  # NaN fails too
        raise ConfigError(f"{key} must be a number of seconds between 0 and 3600, e.g. 5 (got {value!r}).")
    return seconds


def _database_url(url: str) -> str:
    """Point plain ``postgres://``/``postgresql://`` URLs at the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def defaults(env: str) -> dict:
    """Settings every deployment starts from."""
    return {
        "PORTAL_ENV": env,
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///portal.db",  # relative to the instance folder
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "PORTAL_BASE_URL": "http://127.0.0.1:5000",
        "PORTAL_NAME": "Reverse Interview Portal",
        "COMPANY_NAME": "Northwind Labs",
        "DEFAULT_TIMEZONE": "UTC",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": 8025,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": False,
        "SMTP_TIMEOUT": 10,
        "MAIL_FROM": "Reverse Interview Portal <portal@localhost>",
        "OUTBOX_MAX_ATTEMPTS": 8,
        "OUTBOX_BACKOFF_SECONDS": 30,
        "OUTBOX_BACKOFF_MAX_SECONDS": 3600,
        # A worker claims one message at a time; if it dies while sending, the message is sent
        # again after this long (portal/mail/tasks.py). Must exceed the time one message takes.
        "OUTBOX_LEASE_SECONDS": 60,
        # Sent messages lose their bodies (sign-in and action links) at once; undeliverable (dead)
        # ones keep them this many days after they were queued, for an admin to see what failed.
        "OUTBOX_DEAD_RETENTION_DAYS": 30,
        "SIGN_IN_TOKEN_MINUTES": 10,
        "DEV_MAIL_DIR": None,  # defaults to <instance>/devmail in development
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": None,
        # Explicit, because the one Limiter object keeps the last app's value when a setting is absent.
        "RATELIMIT_ENABLED": True,
        # When the limit store (Redis) fails, nobody gets a 500: each process counts the same limits
        # in its own memory (Flask-Limiter's in-memory fallback; security.py's link and form limits
        # follow it) and goes back to Redis once its probe finds it again. Any other limiter error is
        # logged and the request let through. /readyz answers 503 meanwhile.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Seconds to wait for Redis before counting it as down (connect, and each command).
        "REDIS_TIMEOUT_SECONDS": 1.0,
        # How long a write waits for SQLite's write lock before the request is answered 503 with
        # Retry-After (errors.py). Only SQLite; PostgreSQL rows lock one by one.
        "SQLITE_BUSY_TIMEOUT_SECONDS": 10.0,
        "LOGIN_RATE_LIMIT_CLIENT": "20 per 15 minutes",
        "LOGIN_RATE_LIMIT_EMAIL": "5 per 15 minutes",
        # Per client address, on top of the sign-in limits (see security.enforce_rate_limits):
        # every request to a link from e-mail (/invite/…, /feedback/…, /survey/…, sign-in links,
        # the SSO callback) together, and every form POST.
        "RATE_LIMIT_TOKEN_LINKS": "60 per 10 minutes",
        "RATE_LIMIT_FORMS": "120 per minute",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_COOKIE_NAME": "portal_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        # Pages reached from e-mailed links send no Referer (Referrer-Policy: no-referrer), so
        # Flask-WTF's HTTPS Referer check would refuse their forms. The CSRF token stays
        # required, and security.py refuses POSTs that the browser marks as cross-site.
        "WTF_CSRF_SSL_STRICT": False,
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none,
        # so a client cannot forge its address to dodge rate limits).
        "TRUSTED_PROXY_HOPS": 0,
        # A Server-Timing header with the app's own time (off in production: it is a timing side channel).
        "SERVER_TIMING": env != "production",
        # What to watch (README): log lines as JSON objects or text; /metrics for a bearer of this token
        # (unset: loopback only); /readyz unready once a due e-mail has waited this long.
        "LOG_FORMAT": "json" if env == "production" else "text",
        "METRICS_TOKEN": None,
        "READY_OUTBOX_MAX_AGE_SECONDS": 600,
        # Analytics never show a percentage over fewer decisions than this: "2 of 3", not "67%".
        "ANALYTICS_MIN_FOR_RATE": 10,
        # Personal data of decided candidates is erased this many days after the decision by
        # `flask --app portal purge` (None: kept until erased by hand).
        "RETENTION_DAYS": None,
        # Conversations.
        "INVITATION_EXPIRY_HOURS": 72,  # an unanswered invitation expires (a reminder goes halfway)
        "MEETING_CHANGE_CUTOFF_HOURS": 12,  # no cancelling or moving a confirmed conversation later
        "WRITTEN_ANSWER_DAYS": 14,  # how long a "answer in writing" link works
        # Recorded answers (portal/recordings/media.py): files in MEDIA_DIR (default <instance>/media),
        # each at most this many bytes and seconds (plus 3 s of grace for a recorder that stops late).
        "MEDIA_MAX_BYTES": 50 * 1024 * 1024,
        "MEDIA_MAX_SECONDS": 180,
        "VIDEO_LINK_TEMPLATE": "https://meet.jit.si/reverse-interview-{room}",  # {room}: unguessable per conversation
        # Single sign-on: {name: provider settings} (see oidc_providers()); empty = e-mailed links only.
        "OIDC_PROVIDERS": {},
        "OIDC_HTTP_TIMEOUT": 10,  # seconds for each call to a provider (discovery, keys, token)
        # Calendars (README): Fernet keys sealing their secrets; private networks allowed (not in production).
        "CALENDAR_KEY": None,
        "CALENDAR_PRIVATE_ADDRESSES": env != "production",
    }


# Rate limits, each a Flask-Limiter string ("20 per 15 minutes"; several joined with ";").
RATE_LIMIT_SETTINGS = ("LOGIN_RATE_LIMIT_CLIENT", "LOGIN_RATE_LIMIT_EMAIL", "RATE_LIMIT_TOKEN_LINKS",
                       "RATE_LIMIT_FORMS")


def from_environment(environ: Mapping[str, str]) -> dict:
    """The documented environment variables (README, Configuration), read once at start-up."""
    out: dict = {}
    text = ("SECRET_KEY", "PORTAL_BASE_URL", "SMTP_HOST", "SMTP_USERNAME", "SMTP_PASSWORD", "MAIL_FROM",
            "REDIS_URL", "COMPANY_NAME", "DEFAULT_TIMEZONE", "DEV_MAIL_DIR", "PHOTO_DIR", "MEDIA_DIR",
            "VIDEO_LINK_TEMPLATE", "LOG_FORMAT", "METRICS_TOKEN", "CALENDAR_KEY",
            *RATE_LIMIT_SETTINGS)
    whole = ("SMTP_PORT", "INVITATION_EXPIRY_HOURS", "MEETING_CHANGE_CUTOFF_HOURS", "WRITTEN_ANSWER_DAYS",
             "OUTBOX_LEASE_SECONDS", "OUTBOX_DEAD_RETENTION_DAYS", "RETENTION_DAYS", "TRUSTED_PROXY_HOPS",
             "MEDIA_MAX_BYTES", "MEDIA_MAX_SECONDS", "READY_OUTBOX_MAX_AGE_SECONDS")
    readers = [(text, str), (whole, int), (("SERVER_TIMING", "SMTP_STARTTLS", "CALENDAR_PRIVATE_ADDRESSES"), _bool),
               (("SQLITE_BUSY_TIMEOUT_SECONDS", "REDIS_TIMEOUT_SECONDS"), None)]
    for keys, read in readers:
        for key in keys:
            if environ.get(key):
                out[key] = read(environ[key]) if read else _seconds(key, environ[key])
    if environ.get("DATABASE_URL"):
        out["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    providers = _oidc_from_environment(environ)
    if providers is not None:
        out["OIDC_PROVIDERS"] = providers
    return out


# --- Single sign-on (OpenID Connect) ---------------------------------------------------------

# portal.auth.models.ROLES, repeated so that reading the configuration imports nothing else.
_ROLES = ("candidate", "staff", "recruiter", "admin")
_OIDC_FIELDS = ("issuer", "discovery_url", "client_id", "client_secret", "label", "roles")
_OIDC_NAME = re.compile(r"[a-z][a-z0-9_]{0,29}")
# The provider configured by the plain OIDC_ISSUER, OIDC_CLIENT_ID, … variables.
DEFAULT_OIDC_PROVIDER = "default"


def _oidc_var(name: str, field: str) -> str:
    """The environment variable behind ``field`` of provider ``name``: OIDC_ISSUER, OIDC_STAFF_ISSUER…"""
    if name == DEFAULT_OIDC_PROVIDER:
        return f"OIDC_{field.upper()}"
    return f"OIDC_{name.upper()}_{field.upper()}"


def _oidc_from_environment(environ: Mapping[str, str]) -> dict | None:
    """``OIDC_*`` variables as raw provider settings ({name: {field: value}}); None if none is set.

    One provider: ``OIDC_ISSUER`` (or ``OIDC_DISCOVERY_URL``), ``OIDC_CLIENT_ID``,
    ``OIDC_CLIENT_SECRET``, ``OIDC_LABEL``, ``OIDC_ROLES``. Several: ``OIDC_PROVIDERS=staff,candidates``
    and the same variables with the name inside, ``OIDC_STAFF_ISSUER``… Checked by oidc_providers().
    """
    listed = (environ.get("OIDC_PROVIDERS") or "").strip()
    plain = {f: environ.get(_oidc_var(DEFAULT_OIDC_PROVIDER, f)) for f in _OIDC_FIELDS}
    single = [_oidc_var(DEFAULT_OIDC_PROVIDER, f) for f, value in plain.items() if value]
    if listed and single:
        raise ConfigError(
            f"OIDC_PROVIDERS is set, so {', '.join(single)} would be ignored: name each provider's "
            "variables after it (OIDC_<NAME>_ISSUER, …), or unset OIDC_PROVIDERS for a single provider."
        )
    if single:
        return {DEFAULT_OIDC_PROVIDER: plain}
    if not listed:
        return None
    providers: dict = {}
    for name in (part.strip().lower() for part in listed.split(",")):
        if not _OIDC_NAME.fullmatch(name):
            raise ConfigError(
                f"OIDC_PROVIDERS: {name!r} is not a usable provider name; use lower-case letters, digits "
                "and _ (starting with a letter), e.g. OIDC_PROVIDERS=staff,candidates."
            )
        if name in providers:
            raise ConfigError(f"OIDC_PROVIDERS names {name!r} twice.")
        providers[name] = {f: environ.get(_oidc_var(name, f)) for f in _OIDC_FIELDS}
    return providers


def _oidc_url(value: str, var: str, env: str) -> str:
    """An absolute https URL (plain http only on loopback, or in development and testing)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{var} must be an absolute https URL, e.g. https://accounts.google.com (got {value!r})."
        )
    if parts.scheme == "http" and env == "production":
        try:
            loopback = parts.hostname == "localhost" or ipaddress.ip_address(parts.hostname).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ConfigError(f"{var} must use https: tokens from the provider would travel unencrypted.")
    return value


def oidc_providers(raw: Mapping, env: str) -> dict[str, dict]:
    """Check and complete single sign-on providers: {name: {name, label, issuer, metadata_url,
    client_id, client_secret, roles}}. ``roles`` is a tuple of the roles that may sign in through
    the provider, or None for all. A missing or unusable setting stops the app at start-up.

    Accepts what _oidc_from_environment() reads, test overrides (the same fields, ``roles`` as a
    list or a comma list) and its own output.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError("OIDC_PROVIDERS must map provider names to their settings.")
    providers: dict[str, dict] = {}
    for name, settings in raw.items():
        if not isinstance(name, str) or not _OIDC_NAME.fullmatch(name):
            raise ConfigError(
                f"{name!r} is not a usable single sign-on provider name (lower-case letters, digits, _)."
            )
        if not isinstance(settings, Mapping):
            raise ConfigError(f"Single sign-on provider {name!r}: settings must be a mapping.")
        var = partial(_oidc_var, name)
        value = {f: (settings.get(f) or "").strip() if isinstance(settings.get(f), str) else settings.get(f)
                 for f in (*_OIDC_FIELDS, "metadata_url")}
        issuer = value["issuer"] or None
        metadata_url = value["discovery_url"] or value["metadata_url"] or None
        if not issuer and not metadata_url:
            raise ConfigError(
                f"Single sign-on provider {name!r} has no issuer: set {var('issuer')} (e.g. "
                f"https://accounts.google.com) or {var('discovery_url')}."
            )
        for field in ("client_id", "client_secret"):
            if not value[field]:
                raise ConfigError(
                    f"Single sign-on provider {name!r} has no client {field[7:]}: set {var(field)} to the "
                    "value the provider gave when you registered the portal as an application."
                )
        if issuer:
            issuer = _oidc_url(issuer, var("issuer"), env).rstrip("/")
        if metadata_url:
            _oidc_url(metadata_url, var("discovery_url"), env)
        else:
            metadata_url = issuer + "/.well-known/openid-configuration"
        roles = value["roles"]
        if roles is not None:
            listed = roles.split(",") if isinstance(roles, str) else list(roles)
            roles = tuple(dict.fromkeys(r.strip().lower() for r in listed if r and r.strip())) or None
            unknown = sorted(set(roles or ()) - set(_ROLES))
            if unknown:
                raise ConfigError(
                    f"{var('roles')}: unknown role(s) {', '.join(unknown)}; choose from {', '.join(_ROLES)}."
                )
        label = value["label"] or (
            urlsplit(issuer or metadata_url).hostname if name == DEFAULT_OIDC_PROVIDER
            else name.replace("_", " ").title()
        )
        providers[name] = {
            "name": name,
            "label": str(label)[:60],
            "issuer": issuer,
            "metadata_url": metadata_url,
            "client_id": str(value["client_id"]),
            "client_secret": str(value["client_secret"]),
            "roles": roles,
        }
    return providers


def build(overrides: Mapping | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Merge defaults → environment → overrides, derive dependent settings and validate."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    env = overrides.get("PORTAL_ENV") or environ.get("PORTAL_ENV") or "production"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    config = defaults(env)
    config.update(from_environment(environ))
    if env == "testing":
        config["TESTING"] = True
    config.update(overrides)
    if not config.get("SECRET_KEY") and env in ("development", "testing"):
        config["SECRET_KEY"] = _DEV_SECRET_KEY
    if not config.get("CALENDAR_KEY") and env in ("development", "testing"):
        config["CALENDAR_KEY"] = _DEV_CALENDAR_KEY
    config["SQLALCHEMY_DATABASE_URI"] = _database_url(config["SQLALCHEMY_DATABASE_URI"])
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    for key in ("SQLITE_BUSY_TIMEOUT_SECONDS", "REDIS_TIMEOUT_SECONDS"):
        config[key] = _seconds(key, config[key])
    # Storage errors arrive as limits.errors.StorageError (security.py catches exactly that); a
    # Redis that stops answering counts as down after REDIS_TIMEOUT_SECONDS, not after the OS gives up.
    storage_options = {"wrap_exceptions": True, **(config.get("RATELIMIT_STORAGE_OPTIONS") or {})}
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis", "valkey")):
        storage_options.setdefault("socket_connect_timeout", config["REDIS_TIMEOUT_SECONDS"])
        storage_options.setdefault("socket_timeout", config["REDIS_TIMEOUT_SECONDS"])
    config["RATELIMIT_STORAGE_OPTIONS"] = storage_options
    config["OIDC_PROVIDERS"] = oidc_providers(config.get("OIDC_PROVIDERS") or {}, env)
    if urlsplit(config["PORTAL_BASE_URL"]).scheme == "https":
        # Served over TLS: cookies only travel encrypted, and the __Host- prefix pins them to
        # this exact host and path.
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["SESSION_COOKIE_NAME"] = "__Host-portal_session"
        config["PREFERRED_URL_SCHEME"] = "https"
    validate(config)
    return config


def _check_rate_limit(key: str, value) -> None:
    from limits import parse_many

    try:
        if not isinstance(value, str) or not parse_many(value):
            raise ValueError(value)
    except ValueError:
        raise ConfigError(
            f"{key} must be a rate limit such as \"120 per minute\" or \"60 per 10 minutes\" (got {value!r})."
        ) from None


def validate(config: Mapping) -> None:
    """Refuse to start with settings that would be insecure or silently broken."""
    env = config["PORTAL_ENV"]
    base = urlsplit(config["PORTAL_BASE_URL"])
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ConfigError("PORTAL_BASE_URL must be an absolute http(s) URL, e.g. https://portal.example.com")
    for key in RATE_LIMIT_SETTINGS:
        _check_rate_limit(key, config.get(key))
    if config["LOG_FORMAT"] not in ("json", "text"):
        raise ConfigError(f"LOG_FORMAT must be json or text (got {config['LOG_FORMAT']!r}).")
    if config["METRICS_TOKEN"] is not None and len(str(config["METRICS_TOKEN"])) < 32:
        raise ConfigError(f"METRICS_TOKEN must be at least 32 characters; make one with: {MAKE_A_KEY}")
    if problem := calendar_key_problem(config.get("CALENDAR_KEY"), env, _DEV_CALENDAR_KEY):
        raise ConfigError(problem)
    if env in ("development", "testing"):
        return
    key = config.get("SECRET_KEY") or ""
    if not key or key == _DEV_SECRET_KEY:
        raise ConfigError(f"SECRET_KEY is not set. Set it to a long random value, made with: {MAKE_A_KEY}")
    problem = secret_key_problem(str(key))
    if problem:
        raise ConfigError(f"SECRET_KEY {problem}. Make one with: {MAKE_A_KEY}")
    if is_placeholder(config.get("SMTP_PASSWORD")):
        raise ConfigError("SMTP_PASSWORD is a placeholder, not a real password: set the one your mail "
                          "provider issued (or leave it unset if the server needs none).")
    for name, provider in (config.get("OIDC_PROVIDERS") or {}).items():
        if is_placeholder(provider.get("client_secret")):
            raise ConfigError(f"{_oidc_var(name, 'client_secret')} is a placeholder: set the client secret the "
                              "provider gave when you registered the portal as an application.")
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        raise ConfigError(
            "REDIS_URL is not set. Production runs several processes, and rate limits must be "
            "shared by all of them: set REDIS_URL (e.g. redis://127.0.0.1:6379/0)."
        )
