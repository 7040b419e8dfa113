"""Fixtures: a fresh app and database per test, a real SMTP server, sign-in helpers.

SQLite by default (one database file per test). With TEST_DATABASE_URL set (CI does) the
same tests run against PostgreSQL: the schema is created once and every table is emptied after
each test.
"""

from __future__ import annotations

import os

import pytest
from factories import make_user
from helpers import BASE_URL, T0, Auth, SMTPServer

from portal import create_app
from portal.extensions import db


def _worker_database(url: str, worker: str) -> str:
    """With pytest-xdist each worker gets its own PostgreSQL database beside the given one
    (``<name>_gw0``, …), made when missing; .ci/run drops them with the main one."""
    import sqlalchemy as sa

    server = sa.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{server.database}_{worker}"
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


if os.environ.get("TEST_DATABASE_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    # Set before any test module reads it, so every module of this worker uses the worker's database.
    os.environ["TEST_DATABASE_URL"] = _worker_database(os.environ["TEST_DATABASE_URL"],
                                                       os.environ["PYTEST_XDIST_WORKER"])
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header(config):
    """Say when the suite runs at a moved moment (``make test-at``, tests/moments.py)."""
    offset = os.environ.get("PORTAL_TEST_CLOCK_OFFSET")
    if offset:
        from datetime import UTC, datetime

        import time_machine

        if not time_machine.traveller_stack:
            raise pytest.UsageError("PORTAL_TEST_CLOCK_OFFSET is set but the clock did not move: "
                                    "put tests/clock on PYTHONPATH (make test-at does)")
        return f"clock moved by {offset} s: now is {datetime.now(UTC):%a %Y-%m-%d %H:%M} UTC"
    return None


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


_sqlite_schema: list[str] = []  # this process's empty database with every table, built once


def _sqlite_with_schema(config: dict, target) -> None:
    """Put an empty database with the whole schema at ``target``: a copy of one built once per
    process (create_all on every test costs more than the test itself in most of the suite)."""
    import shutil
    import tempfile

    if not _sqlite_schema:
        path = os.path.join(tempfile.mkdtemp(prefix="portal-schema-"), "schema.db")
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
        with app.app_context():
            db.create_all()
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()  # the last connection closes: the WAL is checkpointed into the file
        _sqlite_schema.append(path)
    shutil.copyfile(_sqlite_schema[0], target)


@pytest.fixture
def make_app(tmp_path, smtp_server):
    """Build an app on this test's database with extra settings: ``make_app(WTF_CSRF_ENABLED=False)``."""
    created = []

    def _make(**overrides):
        config = _test_config(tmp_path, smtp_server.port)
        own_database = config["SQLALCHEMY_DATABASE_URI"]
        config.update(overrides)
        fresh_sqlite = not created and not TEST_DATABASE_URL and config["SQLALCHEMY_DATABASE_URI"] == own_database
        if fresh_sqlite:
            _sqlite_with_schema(config, tmp_path / "portal.db")
        app = create_app(config)
        if not created:
            if TEST_DATABASE_URL:
                _reset_postgres(app)
            elif not fresh_sqlite:
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
def served_app(app):
    """The app, for tests that also start server processes on its database (tests/limit_servers.py)."""
    with app.app_context():
        db.session.commit()  # the tables exist in this test's database (created by the fixture)
    return app


@pytest.fixture
def app_ctx(app):
    """An application context for service-level tests (no HTTP)."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def riley(app, client) -> int:
    """Riley Morgan, a recruiter in London, signed in on ``client``; their user id."""
    with app.app_context():
        user = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
        db.session.commit()
        Auth(app, client).login(user)
        return user.id


@pytest.fixture
def frozen(time_machine):
    """The clock stopped at ``helpers.T0``; move it with ``frozen.move_to(…)``."""
    time_machine.move_to(T0, tick=False)
    return time_machine


