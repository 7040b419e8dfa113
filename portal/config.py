"""Configuration: safe defaults in code, then the environment, then the caller's overrides.

``PORTAL_ENV`` picks the profile: ``production`` (the default, so a forgotten variable fails
closed), ``development`` (``make run``) or ``testing``. Outside development and testing the app
refuses to start without a real ``SECRET_KEY`` and a shared rate-limit store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlsplit

ENVIRONMENTS = ("production", "development", "testing")

# Only ever used when PORTAL_ENV is development or testing; production refuses to start without
# its own key (see validate()).
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-use-in-production"


class ConfigError(RuntimeError):
    """The configuration is unusable; the message says which setting to fix."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


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
        "OUTBOX_CLAIM_TIMEOUT_SECONDS": 300,
        "SIGN_IN_TOKEN_MINUTES": 10,
        "DEV_MAIL_DIR": None,  # defaults to <instance>/devmail in development
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": None,
        "LOGIN_RATE_LIMIT_CLIENT": "20 per 15 minutes",
        "LOGIN_RATE_LIMIT_EMAIL": "5 per 15 minutes",
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
        # Analytics never show a percentage over fewer decisions than this: "2 of 3", not "67%".
        "ANALYTICS_MIN_FOR_RATE": 10,
        # Conversations.
        "INVITATION_EXPIRY_HOURS": 72,  # an unanswered invitation expires (a reminder goes halfway)
        "MEETING_CHANGE_CUTOFF_HOURS": 12,  # no cancelling or moving a confirmed conversation later
        "WRITTEN_ANSWER_DAYS": 14,  # how long a "answer in writing" link works
        "VIDEO_LINK_TEMPLATE": "https://meet.jit.si/reverse-interview-{room}",  # {room}: unguessable per conversation
    }


def from_environment(environ: Mapping[str, str]) -> dict:
    """The documented environment variables (README, Configuration), read once at start-up."""
    out: dict = {}
    plain = {
        "SECRET_KEY": "SECRET_KEY",
        "PORTAL_BASE_URL": "PORTAL_BASE_URL",
        "SMTP_HOST": "SMTP_HOST",
        "SMTP_USERNAME": "SMTP_USERNAME",
        "SMTP_PASSWORD": "SMTP_PASSWORD",
        "MAIL_FROM": "MAIL_FROM",
        "REDIS_URL": "REDIS_URL",
        "COMPANY_NAME": "COMPANY_NAME",
        "DEFAULT_TIMEZONE": "DEFAULT_TIMEZONE",
        "DEV_MAIL_DIR": "DEV_MAIL_DIR",
        "PHOTO_DIR": "PHOTO_DIR",
    }
    for key, var in plain.items():
        if environ.get(var):
            out[key] = environ[var]
    if environ.get("DATABASE_URL"):
        out["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("SMTP_PORT"):
        out["SMTP_PORT"] = int(environ["SMTP_PORT"])
    for key in ("INVITATION_EXPIRY_HOURS", "MEETING_CHANGE_CUTOFF_HOURS", "WRITTEN_ANSWER_DAYS"):
        if environ.get(key):
            out[key] = int(environ[key])
    if environ.get("VIDEO_LINK_TEMPLATE"):
        out["VIDEO_LINK_TEMPLATE"] = environ["VIDEO_LINK_TEMPLATE"]
    if environ.get("SERVER_TIMING"):
        out["SERVER_TIMING"] = _bool(environ["SERVER_TIMING"])
    if environ.get("TRUSTED_PROXY_HOPS"):
        out["TRUSTED_PROXY_HOPS"] = int(environ["TRUSTED_PROXY_HOPS"])
    if environ.get("SMTP_STARTTLS"):
        out["SMTP_STARTTLS"] = _bool(environ["SMTP_STARTTLS"])
    return out


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
    config["SQLALCHEMY_DATABASE_URI"] = _database_url(config["SQLALCHEMY_DATABASE_URI"])
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    if urlsplit(config["PORTAL_BASE_URL"]).scheme == "https":
        # Served over TLS: cookies only travel encrypted, and the __Host- prefix pins them to
        # this exact host and path.
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["SESSION_COOKIE_NAME"] = "__Host-portal_session"
        config["PREFERRED_URL_SCHEME"] = "https"
    validate(config)
    return config


def validate(config: Mapping) -> None:
    """Refuse to start with settings that would be insecure or silently broken."""
    env = config["PORTAL_ENV"]
    base = urlsplit(config["PORTAL_BASE_URL"])
    if base.scheme not in ("http", "https") or not base.netloc:
        raise ConfigError("PORTAL_BASE_URL must be an absolute http(s) URL, e.g. https://portal.example.com")
    if env in ("development", "testing"):
        return
    key = config.get("SECRET_KEY") or ""
    if not key or key == _DEV_SECRET_KEY:
        raise ConfigError(
            "SECRET_KEY is not set. Set it to a long random value, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
    if len(key) < 32:
        raise ConfigError("SECRET_KEY is too short: use at least 32 random characters.")
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        raise ConfigError(
            "REDIS_URL is not set. Production runs several processes, and rate limits must be "
            "shared by all of them: set REDIS_URL (e.g. redis://127.0.0.1:6379/0)."
        )
