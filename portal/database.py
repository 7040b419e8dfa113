"""Database engine set-up: SQLite pragmas and explicit transaction starts.

SQLite (see ARCHITECTURE.md, Data integrity): WAL so readers never block the writer, a busy
timeout so a second writer waits instead of failing, foreign keys and secure_delete on, and
write transactions opened with ``BEGIN IMMEDIATE``. pysqlite's own implicit ``BEGIN`` is
deferred: a transaction that reads and then writes can fail with "database is locked" when
another writer got there first, and ``SELECT … FOR UPDATE`` compiles to nothing on SQLite. So
pysqlite's transaction handling is switched off and we emit BEGIN ourselves (the SQLAlchemy
"pysqlite serializable" recipe). Requests that cannot write (GET/HEAD/OPTIONS) take a plain
deferred BEGIN so that page views never queue behind each other.
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

SQLITE_BUSY_TIMEOUT_MS = 10_000
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _begin_statement() -> str:
    if has_request_context() and request.method in _READ_ONLY_METHODS and not g.get("write_transaction"):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


@contextmanager
def write_transaction():
    """A short write transaction inside a GET request (e.g. refreshing a cache table), committed on exit.

    The session's current (read) transaction is ended first, so SQLite opens the new one with
    BEGIN IMMEDIATE instead of upgrading a read snapshot, which could fail as "database is locked".
    """
    db.session.rollback()
    g.write_transaction = True
    try:
        yield db.session
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        g.pop("write_transaction", None)


def configure_sqlite(engine: Engine) -> None:
    """Attach the pragma and BEGIN IMMEDIATE listeners to one SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(_begin_statement())


def init_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and tune every engine for its dialect."""
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                configure_sqlite(engine)
