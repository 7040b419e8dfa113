"""The database engine: SQLite pragmas, write transactions that start IMMEDIATE, parallel writers."""

import os
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from factories import make_user

from portal.auth.models import User
from portal.extensions import db

sqlite_only = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite engine settings")


@sqlite_only
def test_sqlite_connections_are_tuned(app_ctx):
    with db.engine.connect() as connection:
        def pragma(name):
            return connection.exec_driver_sql(f"PRAGMA {name}").scalar()

        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("secure_delete") == 1
        assert pragma("busy_timeout") == 10_000


def test_foreign_keys_are_enforced(app_ctx):
    from portal.candidates.models import Candidate

    db.session.add(Candidate(user_id=999, position_id=999))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def _database_path(app) -> str:
    return sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database


@sqlite_only
def test_transactions_outside_read_requests_take_the_write_lock_at_begin(app_ctx):
    """A worker/CLI/POST transaction holds the write lock from its first statement, so a
    read-then-write sequence can never fail half-way with "database is locked"."""
    db.session.execute(sa.select(1))  # only a read so far
    other = sqlite3.connect(_database_path(app_ctx), timeout=0.1)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()
        db.session.rollback()


@sqlite_only
def test_page_views_do_not_take_the_write_lock(app):
    with app.test_request_context("/", method="GET"):
        db.session.execute(sa.select(1))
        other = sqlite3.connect(_database_path(app), timeout=0.1)
        try:
            other.execute("BEGIN IMMEDIATE")  # a writer is not blocked by a page view
            other.execute("ROLLBACK")
        finally:
            other.close()
            db.session.rollback()


def test_parallel_read_then_write_transactions_lose_nothing(app):
    """Eight threads each read a counter-like value and insert rows: no lost writes, no errors."""
    errors = []
    barrier = threading.Barrier(8)

    def worker(n):
        try:
            with app.app_context():
                barrier.wait()
                for i in range(10):
                    existing = db.session.scalar(sa.select(sa.func.count()).select_from(User))
                    db.session.add(User(email=f"w{n}-{i}@example.com", name=f"seen {existing}", role="staff"))
                    db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (a thread's failure of any kind is collected and asserted below)
            errors.append(repr(error))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 80


def test_stored_times_come_back_in_utc(app_ctx):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    user = make_user()
    user.last_sign_in_at = datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(User, user.id).last_sign_in_at
    assert stored.tzinfo is not None and stored.utcoffset().total_seconds() == 0
    assert (stored.hour, stored.minute) == (1, 30)


def test_naive_datetimes_are_refused(app_ctx):
    from datetime import datetime

    user = make_user()
    user.last_sign_in_at = datetime(2026, 1, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.flush()


def test_a_held_row_is_found_again_without_a_query_and_let_go_when_the_transaction_ends(app_ctx):
    """``hold``: the identity map keeps rows weakly; a held one is found by ``session.get`` without a
    second read for the rest of the transaction, and nothing is held past it (a worker that runs for
    weeks in one session must not collect every row it ever checked)."""
    import gc
    import weakref

    from helpers import sql_statements

    from portal.database import hold

    user_id = make_user(email="held@example.com").id
    db.session.commit()

    def load_and_drop(keep: bool):
        """Load the user as a link's rule would, keep nothing of it (held or not); a weak reference."""
        user = db.session.get(User, user_id)
        if keep:
            hold(user)
        return weakref.ref(user)

    dropped = load_and_drop(keep=False)
    gc.collect()
    assert dropped() is None  # unheld: gone as soon as nobody uses it
    held = load_and_drop(keep=True)
    gc.collect()
    with sql_statements(app_ctx) as seen:
        assert db.session.get(User, user_id) is held()
    assert not seen.selects  # found in the session, not read again
    db.session.commit()
    gc.collect()
    assert held() is None  # the transaction ended: let go
