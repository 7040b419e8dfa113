"""Fixtures: a fresh app and database per test, a real SMTP server, sign-in helpers.

SQLite by default (a fresh copy of an empty database, built once per process, in each test; the
same path in every test of a process, so its apps share one engine).
With TEST_DATABASE_URL set (CI does) the same tests run against PostgreSQL: the schema is created
once per process and every table is emptied before each test.
"""

from __future__ import annotations

import functools
import os

import pytest
import sqlalchemy as sa
from factories import make_user
from helpers import BASE_URL, T0, Auth, SMTPServer

from portal import create_app
from portal.extensions import db


def _worker_database(url: str, worker: str) -> str:
    """With pytest-xdist each worker gets its own PostgreSQL database beside the given one
    (``<name>_gw0``, …), made when missing; .ci/run drops them with the main one."""
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


def _reuse_compiled_rules() -> None:
    """Every test builds a fresh app, and Werkzeug parses each of its ~140 URL rules again (its parts,
    converters and weights) and compiles two URL-building functions for it (an AST run through
    ``compile()``): most of the time create_app takes, and a fifth of a typical test's. What a rule
    compiles to depends on its text, its defaults, the map's slash and host settings and the
    converter classes alone, and every app here is built alike, so this process compiles each rule
    once and gives the same rule of the next app a copy: its own argument set and converter table,
    the same immutable parts, and the builders bound to it (they take the rule as ``.self``: no
    globals, no closure). Only the test process: the servers the tests start build their own."""
    from werkzeug.routing.rules import Rule

    compile_rule = Rule.compile
    compiled: dict = {}

    def compile(self) -> None:
        map_ = self.map
        try:
            key = (type(self), self.rule, self.subdomain, self.host, self.merge_slashes, map_.host_matching,
                   tuple(sorted((self.defaults or {}).items())), tuple(sorted(map_.converters.items())))
            hit = compiled.get(key)
        except TypeError:  # something unhashable or unorderable in the key: compile it as Werkzeug would
            return compile_rule(self)
        if hit is None:
            compile_rule(self)
            compiled[key] = (self._parts, self._trace, dict(self._converters), frozenset(self.arguments),
                             self._build.__func__, self._build_unknown.__func__)
            return None
        parts, trace, converters, arguments, build, build_unknown = hit
        self._parts, self._trace = parts, trace
        self._converters, self.arguments = dict(converters), set(arguments)
        self._build, self._build_unknown = build.__get__(self, None), build_unknown.__get__(self, None)
        return None

    Rule.compile = compile


_reuse_compiled_rules()


_shared_engines: dict = {}  # the engines the apps on the tests' own database share (_reuse_engines)


def _reuse_engines() -> None:
    """Every test's fresh app made a fresh engine, and SQLAlchemy keeps compiled statements per engine
    (its dialect is part of the cache key), so each test compiled every statement it ran again: a
    quarter of a typical test's time. The tests' own database has the same URL in every test of this
    process (one SQLite file per process, replaced by a copy of the empty one before each test; the
    worker's database on PostgreSQL), so the apps built on it with the same engine settings share one
    engine. On SQLite its connections are closed after each test and again when the next test's copy
    is in place (a connection a straggling thread opened in between would read the old file); on
    PostgreSQL they stay open (make_app). Apps on any other database get their own, as before."""
    from flask_sqlalchemy import SQLAlchemy

    make_engine = SQLAlchemy._make_engine
    shared = _shared_engines

    def _make_engine(self, bind_key, options, app):
        if not app.config.get("TESTS_SHARE_ENGINE"):
            return make_engine(self, bind_key, options, app)
        key = (bind_key, repr(sorted(options.items())), app.config.get("SQLITE_BUSY_TIMEOUT_SECONDS"))
        if key not in shared:
            shared[key] = make_engine(self, bind_key, options, app)
        return shared[key]

    SQLAlchemy._make_engine = _make_engine


_reuse_engines()


def _reuse_compiled_templates() -> None:
    """Every test's fresh app has a fresh Jinja environment, which compiled each template it renders
    again: a third of a page test's time (the translated templates are longer). Jinja's own bytecode
    cache, kept in memory for this process, hands every app the code compiled from the same source
    (keyed by template and file; a changed source has another checksum and is compiled anew). Every
    app here is configured alike (create_app). Only the test process: the servers tests start compile
    their own."""
    from flask import Flask
    from jinja2 import BytecodeCache

    class _InMemory(BytecodeCache):
        def __init__(self):
            self.compiled: dict[str, bytes] = {}

        def load_bytecode(self, bucket):
            if bucket.key in self.compiled:
                bucket.bytecode_from_string(self.compiled[bucket.key])

        def dump_bytecode(self, bucket):
            self.compiled[bucket.key] = bucket.bytecode_to_string()

    cache = _InMemory()
    create_environment = Flask.create_jinja_environment

    def _create_jinja_environment(self):
        environment = create_environment(self)
        environment.bytecode_cache = cache
        return environment

    Flask.create_jinja_environment = _create_jinja_environment


_reuse_compiled_templates()


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


@functools.cache
def _own_sqlite_file() -> str:
    """Where this process's tests keep their SQLite database: one path for all of them (so their apps
    share an engine, _reuse_engines), holding a fresh copy of the empty database in each test."""
    import tempfile

    return os.path.join(tempfile.mkdtemp(prefix="portal-tests-"), "portal.db")


def _test_config(tmp_path, smtp_port: int) -> dict:
    if TEST_DATABASE_URL:
        uri = TEST_DATABASE_URL
    else:
        uri = f"sqlite:///{_own_sqlite_file()}"
    return {
        "PORTAL_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": uri,
        "PORTAL_BASE_URL": BASE_URL,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        "SMTP_TIMEOUT": 5,
        "DEV_MAIL_DIR": str(tmp_path / "devmail"),
        "MEDIA_DIR": str(tmp_path / "media"),  # recorded answers: each test its own folder
        "RATELIMIT_STORAGE_URI": "memory://",
        "REDIS_URL": None,
    }


_pg_empty_tables: list[str] = []  # the statements that empty this worker's database, once it has the schema


def _reset_postgres(app):
    """Every table empty and every id counting from its start again, as after ``TRUNCATE … RESTART
    IDENTITY``: DELETE from each table (children first) and set each table's sequences back, in one
    round trip. TRUNCATE made new files for all 30 tables on every test (0.4–0.9 s a test on the 2-core
    CI machine); deleting the few rows a test left takes milliseconds. As a superuser (CI's), with the
    foreign keys' checks off for that transaction (``session_replication_role``): nothing is left for
    them to guard, and they were a third of the time. The connections stay open from test to test
    (make_app), so the server has each table's details at hand instead of reading them again."""
    with app.app_context():
        if not _pg_empty_tables:
            db.drop_all()
            db.create_all()
            tables = [t.name for t in db.metadata.sorted_tables]
            with db.engine.connect() as connection:
                sequences = connection.execute(sa.text(
                    "SELECT quote_ident(n.nspname) || '.' || quote_ident(s.relname), q.seqstart "
                    "FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace "
                    "JOIN pg_sequence q ON q.seqrelid = s.oid "
                    "JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid "
                    "  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
                    "JOIN pg_class t ON t.oid = d.refobjid "
                    "WHERE s.relkind = 'S' AND n.nspname = current_schema() AND t.relname = ANY(:tables)"),
                    {"tables": tables}).all()
                superuser = connection.scalar(sa.text("SELECT current_setting('is_superuser')")) == "on"
            statements = [f'DELETE FROM "{name}"' for name in reversed(tables)]
            if superuser:
                statements.insert(0, "SET LOCAL session_replication_role = replica")
            if sequences:
                statements.append("SELECT " + ", ".join(f"setval('{name}', {start}, false)"
                                                        for name, start in sequences))
            _pg_empty_tables.append(";\n".join(statements))
            _pg_empty_tables.append("TRUNCATE " + ", ".join(f'"{name}"' for name in tables)
                                    + " RESTART IDENTITY CASCADE")
        delete, truncate = _pg_empty_tables

        def empty(statement: str) -> None:
            with db.engine.begin() as connection:
                connection.exec_driver_sql(statement)

        try:
            try:
                empty(delete)
            except sa.exc.DBAPIError as error:
                if not error.connection_invalidated:
                    raise
                # A test ended the server's connections (pg_terminate_backend): every one the pool
                # keeps is dead. Closed, all of them (dispose; the pool's own "older than the failure"
                # check compares times that frozen tests stopped), and again on a new one.
                db.engine.dispose()
                empty(delete)
        except sa.exc.DBAPIError:  # rows a plain DELETE cannot remove (a constraint's order): as before
            empty(truncate)


_sqlite_schema: list[str] = []  # this process's empty database with every table, built once


def _sqlite_with_schema(config: dict, target) -> None:
    """Put an empty database with the whole schema at ``target``: a copy of one built once per
    process (create_all on every test costs more than the test itself in most of the suite)."""
    import shutil
    import tempfile

    if not _sqlite_schema:
        path = os.path.join(tempfile.mkdtemp(prefix="portal-schema-"), "schema.db")
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTS_SHARE_ENGINE": False})
        with app.app_context():
            db.create_all()
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()  # the last connection closes: the WAL is checkpointed into the file
        _sqlite_schema.append(path)
    for leftover in (f"{target}-wal", f"{target}-shm", target):  # the last test's, its WAL included
        try:
            os.unlink(leftover)  # a handle a test left open keeps the old file, not this one
        except FileNotFoundError:
            pass
    shutil.copyfile(_sqlite_schema[0], target)


@pytest.fixture
def make_app(tmp_path, smtp_server):
    """Build an app on this test's database with extra settings: ``make_app(WTF_CSRF_ENABLED=False)``."""
    created = []

    def _make(**overrides):
        config = _test_config(tmp_path, smtp_server.port)
        own_database = config["SQLALCHEMY_DATABASE_URI"]
        config.update(overrides)
        shared = config["SQLALCHEMY_DATABASE_URI"] == own_database
        config.setdefault("TESTS_SHARE_ENGINE", shared)  # the tests' database: one engine (_reuse_engines)
        # A fresh copy for the test's first app on its own database (an earlier one may be elsewhere).
        fresh_sqlite = (not TEST_DATABASE_URL and shared
                        and not any(a.config["SQLALCHEMY_DATABASE_URI"] == own_database for a in created))
        if fresh_sqlite:
            _sqlite_with_schema(config, _own_sqlite_file())
            for engine in _shared_engines.values():
                engine.dispose()  # no connection to the file just replaced is handed out again
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
            if TEST_DATABASE_URL and app.config["TESTS_SHARE_ENGINE"]:
                continue  # the next test's app gets the same engine: its connections stay warm (_reuse_engines)
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


