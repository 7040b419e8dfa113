"""The app factory and its configuration rules."""

import pytest
from helpers import PRODUCTION_SECRET_KEY

from portal import create_app
from portal.config import ConfigError

GOOD_KEY = PRODUCTION_SECRET_KEY


def production(**environ):
    base = {"PORTAL_ENV": "production", "REDIS_URL": "redis://127.0.0.1:6379/0", "SECRET_KEY": GOOD_KEY}
    base.update(environ)
    return {k: v for k, v in base.items() if v is not None}


def test_testing_app_is_in_testing_mode(app):
    assert app.testing
    assert app.config["PORTAL_ENV"] == "testing"


@pytest.mark.parametrize("setting,value,refusal", [
    pytest.param("SECRET_KEY", None, "SECRET_KEY is not set", id="without a secret key"),
    pytest.param("SECRET_KEY", "short", "too short", id="a short secret key"),
    pytest.param("REDIS_URL", None, "REDIS_URL", id="per-process rate limits"),
])
def test_production_refuses_to_start(monkeypatch, setting, value, refusal):
    for key, given in production(**{setting: value}).items():
        monkeypatch.setenv(key, given)
    if value is None:
        monkeypatch.delenv(setting, raising=False)
    with pytest.raises(ConfigError, match=refusal):
        create_app()


def test_production_is_the_default_environment(monkeypatch):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "staging-ish")
    with pytest.raises(ConfigError, match="PORTAL_ENV"):
        create_app()


def test_production_app_with_settings_from_the_environment(monkeypatch, tmp_path):
    for key, value in production(
        DATABASE_URL="postgresql://user@db.example/portal",
        PORTAL_BASE_URL="https://portal.example.com",
        SMTP_PORT="2525",
        SMTP_STARTTLS="true",
    ).items():
        monkeypatch.setenv(key, value)
    app = create_app()
    assert not app.testing and not app.debug
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.example/portal"
    assert app.config["SMTP_PORT"] == 2525 and app.config["SMTP_STARTTLS"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    # Served over https: cookies are Secure and host-locked.
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-portal_session"
    # The development mailbox does not exist in production.
    assert "mail.index" not in app.view_functions


def test_base_url_must_be_absolute(monkeypatch):
    monkeypatch.setenv("PORTAL_BASE_URL", "portal.example.com")
    with pytest.raises(ConfigError, match="PORTAL_BASE_URL"):
        create_app({"PORTAL_ENV": "testing"})


def test_forwarded_client_address_is_ignored_unless_a_proxy_is_trusted(make_app):
    from helpers import csrf_token

    direct = make_app(LOGIN_RATE_LIMIT_CLIENT="2 per 15 minutes")
    client = direct.test_client()
    token = csrf_token(client)
    codes = [client.post("/login", data={"email": f"f{n}@example.com", "csrf_token": token},
                         headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(3)]
    assert codes == [302, 302, 429]  # a forged header does not buy fresh attempts


def test_trusted_proxy_supplies_the_client_address(make_app):
    from helpers import csrf_token

    proxied = make_app(LOGIN_RATE_LIMIT_CLIENT="2 per 15 minutes", TRUSTED_PROXY_HOPS=1)
    client = proxied.test_client()
    token = csrf_token(client)
    codes = [client.post("/login", data={"email": f"p{n}@example.com", "csrf_token": token},
                         headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(3)]
    assert codes == [302, 302, 302]  # three different clients behind the proxy
