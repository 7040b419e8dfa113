"""Fixtures: a fresh app and database per test, a real SMTP server, sign-in helpers.

SQLite by default (one database file per test). With TEST_DATABASE_URL set (CI does) the
same tests run against PostgreSQL: the schema is created once and every table is emptied after
each test.
"""

from __future__ import annotations

import os

import pytest
from helpers import BASE_URL, Auth, SMTPServer

from portal import create_app
from portal.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """The running SMTP server, empty at the start of the test (and running again after it)."""
    smtp_server.start()
    smtp_server.clear()
    yield smtp_server
    smtp_server.start()


def _test_config(tmp_path, smtp_port: int) -> dict:
    if TEST_DATABASE_URL:
        uri = TEST_DATABASE_URL
    else:
        uri = f"sqlite:///{tmp_path / 'portal.db'}"
    return {
        "PORTAL_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": uri,
        "PORTAL_BASE_URL": BASE_URL,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        "SMTP_TIMEOUT": 5,
        "DEV_MAIL_DIR": str(tmp_path / "devmail"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
    }


_pg_schema_ready = False


def _reset_postgres(app):
    global _pg_schema_ready
    with app.app_context():
        if not _pg_schema_ready:
            db.drop_all()
            db.create_all()
            _pg_schema_ready = True
        names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture
def make_app(tmp_path, smtp_server):
    """Build an app on this test's database with extra settings: ``make_app(WTF_CSRF_ENABLED=False)``."""
    created = []

    def _make(**overrides):
        config = _test_config(tmp_path, smtp_server.port)
        config.update(overrides)
        app = create_app(config)
        if not created:
            if TEST_DATABASE_URL:
                _reset_postgres(app)
            else:
                with app.app_context():
                    db.create_all()
        created.append(app)
        return app

    yield _make
    for app in created:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()


@pytest.fixture
def app(make_app):
    """The app with CSRF on, as in production."""
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    """An application context for service-level tests (no HTTP)."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


