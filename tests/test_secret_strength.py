"""Production refuses to start with a SECRET_KEY (or other secret) that someone typed instead of generating."""

import secrets

import pytest
from helpers import PRODUCTION_SECRET_KEY

from portal.config import ConfigError, build
from portal.secret_strength import MAKE_A_KEY, estimated_bits

PRODUCTION = {"PORTAL_ENV": "production", "REDIS_URL": "redis://127.0.0.1:6379/0"}


def production(**settings):
    return build(settings, environ={**PRODUCTION, "SECRET_KEY": PRODUCTION_SECRET_KEY})


@pytest.mark.parametrize("key,reason", [
    ("a" * 32, "too predictable"),
    ("a" * 64, "too predictable"),
    ("changeme-changeme-changeme-changeme", "placeholder"),
    ("CHANGE_ME_please_change_me_12345678", "placeholder"),
    ("your-secret-key-goes-here-0123456789", "placeholder"),
    ("0123456789abcdef" * 4, "too predictable"),  # 16 distinct characters, but a repeated run
    ("abcdefghijklmnopqrstuvwxyz0123456789", "too predictable"),  # 36 distinct, all in a row
    ("k3J9xQ2m" * 5, "too predictable"),  # looks random, repeats every 8 characters
    ("Summer2024!Summer2024!Summer2024!", "too predictable"),
    ("9f1c2a7be04d6e38", "too short"),  # a real 16-character hex key, fixed so every test process collects the same id
])
def test_weak_secret_keys_are_refused_with_how_to_make_one(key, reason):
    with pytest.raises(ConfigError, match=reason) as refused:
        production(SECRET_KEY=key)
    message = str(refused.value)
    assert message.startswith("SECRET_KEY ")
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in message
    assert key not in message  # the value itself never lands in a log


def test_the_development_key_is_refused_in_production():
    with pytest.raises(ConfigError, match="SECRET_KEY is not set") as refused:
        production(SECRET_KEY="dev-only-insecure-secret-key-never-use-in-production")
    assert MAKE_A_KEY in str(refused.value)


@pytest.mark.parametrize("make", [lambda: secrets.token_hex(32), lambda: secrets.token_urlsafe(32),
                                  lambda: secrets.token_urlsafe(48)])
def test_generated_keys_start(make):
    for _ in range(200):
        assert production(SECRET_KEY=make())["PORTAL_ENV"] == "production"
    assert production(SECRET_KEY=PRODUCTION_SECRET_KEY)["SECRET_KEY"] == PRODUCTION_SECRET_KEY


def test_the_estimate_counts_what_was_generated():
    assert estimated_bits("a" * 100) == 0
    assert estimated_bits("abcd" * 25) == estimated_bits("abcd")  # one period only
    assert 200 < estimated_bits(PRODUCTION_SECRET_KEY) < 256  # 64 hex characters: at most 4 bits each


def test_weak_keys_still_start_in_development_and_testing():
    for env in ("development", "testing"):
        assert build({"PORTAL_ENV": env, "SECRET_KEY": "a" * 32}, environ={})["SECRET_KEY"] == "a" * 32


@pytest.mark.parametrize("password", ["changeme", "CHANGE-ME", "password", "secret", "xxx", "<placeholder>"])
def test_a_placeholder_smtp_password_is_refused_in_production(password):
    with pytest.raises(ConfigError, match="SMTP_PASSWORD is a placeholder"):
        production(SMTP_PASSWORD=password)


def test_a_real_smtp_password_and_none_are_fine():
    assert production(SMTP_PASSWORD="Gh7-mq2L-xx91")["SMTP_PASSWORD"] == "Gh7-mq2L-xx91"
    assert production()["SMTP_PASSWORD"] is None


@pytest.mark.parametrize("secret", ["changeme", "client-secret", "your_secret_here"])
def test_a_placeholder_client_secret_is_refused_in_production(secret):
    providers = {"default": {"issuer": "https://sso.example.com", "client_id": "portal", "client_secret": secret}}
    with pytest.raises(ConfigError, match="OIDC_CLIENT_SECRET is a placeholder"):
        production(OIDC_PROVIDERS=providers)
    providers["default"]["client_secret"] = "s3cr3t-from-the-provider-7f2a9c"
    assert production(OIDC_PROVIDERS=providers)["OIDC_PROVIDERS"]["default"]["client_secret"].startswith("s3cr3t")


def test_a_calendar_key_must_be_fernet_keys_and_never_the_development_one():
    from cryptography.fernet import Fernet

    fresh, older = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert production(CALENDAR_KEY=f"{fresh}, {older}")["CALENDAR_KEY"] == f"{fresh}, {older}"
    assert production()["CALENDAR_KEY"] is None  # optional: without it, nobody can connect a calendar
    with pytest.raises(ConfigError, match="CALENDAR_KEY must be Fernet keys") as refused:
        production(CALENDAR_KEY="my-calendar-password")
    assert "Fernet.generate_key()" in str(refused.value) and "my-calendar-password" not in str(refused.value)
    development = build({"PORTAL_ENV": "development"}, environ={})["CALENDAR_KEY"]
    with pytest.raises(ConfigError, match="CALENDAR_KEY is the development key"):
        production(CALENDAR_KEY=f"{fresh},{development}")
