"""Database engine set-up: SQLite pragmas and explicit transaction starts.

SQLite (see README.md, Architecture): WAL so readers never block the writer, a busy
timeout (SQLITE_BUSY_TIMEOUT_SECONDS) so a second writer waits instead of failing, foreign keys
and secure_delete on, and write transactions opened with ``BEGIN IMMEDIATE``. pysqlite's own
implicit ``BEGIN`` is deferred: a transaction that reads and then writes can fail with "database
is locked" when another writer got there first, and ``SELECT … FOR UPDATE`` compiles to nothing on
SQLite. So pysqlite's transaction handling is switched off and we emit BEGIN ourselves (the
SQLAlchemy "pysqlite serializable" recipe). Requests that cannot write (GET/HEAD/OPTIONS) take a
plain deferred BEGIN so that page views never queue behind each other. A writer that still finds
the lock taken when its wait is over gets "database is locked": errors.py answers 503 with
Retry-After. After a request's commit (or that 503) the rest of it only reads, without queuing for the
lock (reads_only()).
"""

from __future__ import annotations

from contextlib import contextmanager
import re
import weakref

from flask import Flask, g, has_request_context, request
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from .extensions import db

_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _begin_statement() -> str:
    if not has_request_context() or g.get("write_transaction"):
        return "BEGIN IMMEDIATE"
    if request.method in _READ_ONLY_METHODS or g.get("reads_only"):
        return "BEGIN"
    return "BEGIN IMMEDIATE"


def reads_only() -> None:
    """Whatever this request still reads starts a deferred transaction, which never queues for the
    write lock. Set after the request's one commit (README.md, Architecture: the view commits once),
    so that re-reading the signed-in user for the response headers or the page can't time out on another
    writer's lock and turn a saved change into an error; and by errors.py when the request gave up
    waiting for the lock, so that its error page doesn't queue again."""
    g.reads_only = True


def _after_commit(_session) -> None:
    if has_request_context():
        reads_only()


_HELD = "held_rows"  # session.info: rows held until the transaction ends (``hold``)


def hold(row):
    """Keep ``row`` (a loaded object, or None) in the session until its transaction ends; returns it.

    The session's identity map holds objects weakly: a check that loaded a row and let go of it made
    the page after it read the same row again (an e-mailed link's rule loads the meeting and its
    people, then the page read each of them a second time). Held, ``session.get`` finds it, and so do
    the relationships it loaded. At the transaction's end every row expires anyway (and is let go)."""
    if row is not None:
        held = db.session().info.setdefault(_HELD, [])
        if not any(kept is row for kept in held):  # the rule and the page ask for the same row
            held.append(row)
    return row


def _let_go(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_HELD, None)


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


class Choice(TypeDecorator):
    """A short text from a fixed set (a status, a stage, a role): compared with a value written into
    the statement, not sent as a parameter.

    Their values are skewed (a few meetings wait for approval; hundreds of thousands are done), so
    PostgreSQL never trusts one plan for every value of a prepared ``status = $1``: it plans again at
    each run, 1-3 ms for a join of several tables against well under 1 ms to run it (issue 19). With the
    value written in, each value is a statement of its own, prepared once with a plan made for it.
    SQLite plans each statement text anyway; a value written in also lets either use an index made
    for that value. Only comparisons with plain strings (``==``, ``!=``, ``in_``) are written in, at
    execution (``literal_execute``: the compiled statement stays in SQLAlchemy's cache) and escaped by
    the dialect; INSERT and UPDATE values and explicit ``bindparam``s stay parameters."""

    impl = sa.String
    cache_ok = True

    # String's own comparator too, so that ``+`` stays the SQL ``||`` it is for a String.
    class comparator_factory(TypeDecorator.Comparator, sa.String.comparator_factory):
        def operate(self, op, *other, **kwargs):
            if op in (operators.eq, operators.ne) and isinstance(other[0], str):
                other = (sa.bindparam(None, _plain(other[0]), type_=self.type, literal_execute=True,
                                      unique=True),)
            elif (op in (operators.in_op, operators.not_in_op) and isinstance(other[0], (list, tuple, set, frozenset))
                  and other[0] and all(isinstance(value, str) for value in other[0])):
                # Sorted: a set's order differs between processes, and so would the statement's text.
                values = sorted({_plain(value) for value in other[0]})
                other = (sa.bindparam(None, values, type_=self.type, expanding=True, literal_execute=True,
                                      unique=True),)
            return super().operate(op, *other, **kwargs)


def _plain(value: str) -> str:
    """The value as a plain ``str``: the dialect escapes it with its ``replace``, which a subclass may
    change (markupsafe's ``Markup`` escapes HTML in what it is given)."""
    return str.__str__(value)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def configure_sqlite(engine: Engine, busy_timeout_seconds: float) -> None:
    """Attach the pragma and BEGIN IMMEDIATE listeners to one SQLite engine."""
    busy_timeout_ms = round(busy_timeout_seconds * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")  # first: the other pragmas may wait too
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's own lower() changes only A-Z; PostgreSQL's, and Python's, every letter ("É" → "é"):
        # searches compare lower(column) with what was typed, lowered in Python.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql(_begin_statement())


MAY_HAVE_WRITTEN = "may_have_written"  # connection.info: this transaction sent a statement that may write


_WRITES = re.compile(r"\b(insert|update|delete|merge)\b", re.IGNORECASE)


def _reads_only(statement: str) -> bool:
    """A statement that cannot write: a SELECT (one that locks rows too: ending with COMMIT or ROLLBACK
    lets go of its locks alike), a ``SET LOCAL``, which ends with the transaction either way, or a WITH
    that names no INSERT, UPDATE, DELETE or MERGE (a word that only looks like one, as in ``FOR UPDATE``,
    counts as a write: a ROLLBACK too many costs time, never data). Anything else may have written, and
    so may a string of several statements. (A SELECT of a function that writes would pass: the app
    sends none.)"""
    if ";" in statement:  # several statements in one string: any of them may write
        return False
    head = statement.lstrip()[:10].upper()
    if head.startswith(("SELECT", "SET LOCAL ")):
        return True
    return head.startswith("WITH") and _WRITES.search(statement) is None


def _end_reads_with_commit(error: BaseException | None) -> None:
    """PostgreSQL: end a request's transaction that wrote nothing with COMMIT instead of the ROLLBACK
    that closing the session sends. The two are the same to the database, but psycopg forgets the
    connection's prepared statements on every ROLLBACK, so without this each request plans every
    statement again (the recruiter home's feedback query: 3 ms planned, 0.1 ms prepared).

    Only when nothing was written: no change waiting in the session, no savepoint, and no statement of
    the transaction that could write (every statement is looked at as it is sent, ``configure_postgresql``:
    one more round trip at the end of every request asked the database instead). Anything else, or a
    request that failed, is rolled back as before."""
    if error is not None or not has_request_context():
        return
    session = db.session()
    transaction = session.get_transaction()
    if (transaction is None or not transaction.is_active or session.get_nested_transaction() is not None
            or session.new or session.dirty or session.deleted or session.get_bind().dialect.name != "postgresql"):
        return
    try:
        if not session.connection().info.get(MAY_HAVE_WRITTEN):
            session.commit()
    except Exception:  # noqa: BLE001  (the session's own close rolls back whatever is left)
        session.rollback()


_tuned: weakref.WeakSet[Engine] = weakref.WeakSet()  # each engine gets its listeners once


def init_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and tune every engine for its dialect."""
    db.init_app(app)
    app.teardown_request(_end_reads_with_commit)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
    if not event.contains(Session, "after_transaction_end", _let_go):
        event.listen(Session, "after_transaction_end", _let_go)
    with app.app_context():
        for engine in db.engines.values():
            if engine in _tuned:  # another app on the same engine tuned it (the tests' apps share one)
                continue
            _tuned.add(engine)
            if engine.dialect.name == "sqlite":
                configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_SECONDS"])
            elif engine.dialect.name == "postgresql":
                configure_postgresql(engine)


# psycopg prepares a statement on its fifth run and keeps 100 per connection, forgetting the least
# recently used beyond that. The pages' statements alone are about that many (a statement per value
# of a status: ``Choice``), so a connection serving every page would keep re-preparing them.
PREPARED_PER_CONNECTION = 500


def configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _keep_more_prepared(dbapi_connection, _record):
        dbapi_connection.prepared_max = PREPARED_PER_CONNECTION

    @event.listens_for(engine, "begin")
    def _nothing_written_yet(connection):
        connection.info.pop(MAY_HAVE_WRITTEN, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _note_writes(connection, _cursor, statement, _parameters, _context, _executemany):
        if not _reads_only(statement):
            connection.info[MAY_HAVE_WRITTEN] = True


def compared_by_migrations(dialect: str):
    """Alembic's ``include_object`` for comparing the models with a ``dialect`` database (``flask db
    check``, autogenerate, tests/test_migrations.py): an index the models make for one database only
    (``Index(…).ddl_if(dialect=…)``, e.g. PostgreSQL's trigram indexes) is not missing on another.
    Alembic itself ignores ``ddl_if``. SQLite's search table of users is made by a listener, not a model."""

    def include_object(object, name, type_, reflected, compare_to):
        if type_ == "table" and reflected and name.startswith("user_search"):
            return False  # SQLite's full-text index of users and its own tables (auth/search.py)
        only = getattr(getattr(object, "_ddl_if", None), "dialect", None)
        return type_ != "index" or reflected or only is None or only == dialect

    return include_object


# SQLite's query planner knows nothing of the tables' sizes until ANALYZE has run (sqlite_stat1):
# without it, a join of the few hundred people to the hundred thousand users may read every user.
# The worker refreshes the figures when it starts and daily (PostgreSQL's autovacuum does this there).
ANALYSIS_LIMIT = 1000  # rows sampled per index: a second or so on a large file, figures close enough


def refresh_statistics() -> bool:
    """Refresh the SQLite planner's table and index figures (``ANALYZE``, sampled); False elsewhere."""
    if db.engine.dialect.name != "sqlite":
        return False
    with db.engine.connect() as connection:
        connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return True


def contains_text(column, word: str):
    """``column`` contains ``word`` (as typed, wildcards taken literally), in any case: SQLite's LIKE
    already ignores case (ASCII letters) and is twice as fast without lower() on every row;
    PostgreSQL's ILIKE also uses the trigram indexes. The lists' searches (candidates, people)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return column.contains(word, autoescape=True)
    return column.icontains(word, autoescape=True)
