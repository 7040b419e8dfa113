"""A request that wrote nothing ends its PostgreSQL transaction with COMMIT, so the connection keeps
the statements psycopg prepared (a ROLLBACK makes it forget them all, and every request planned its
statements again); anything that wrote, or failed, is rolled back as before (``database.py``)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from factories import make_user

from portal.auth.models import User
from portal.extensions import db

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.fixture
def app_with_routes(make_app):
    # Its own engine, with one connection that every request here uses (the pool the other tests share
    # holds several, handed out in turn).
    app = make_app(TESTS_SHARE_ENGINE=False)

    @app.get("/test/reads")
    def reads():
        return {"names": list(db.session.scalars(sa.select(User.name).where(User.id > 0).order_by(User.id)))}

    @app.get("/test/flushes-and-forgets")
    def flushes_and_forgets():  # a change flushed, never committed: a bug this must not make permanent
        user = db.session.scalar(sa.select(User).order_by(User.id))
        user.name = "Changed Without Commit"
        db.session.flush()
        return {"ok": True}

    @app.get("/test/writes-core")
    def writes_core():
        db.session.execute(sa.update(User).values(name="Core Without Commit"))
        return {"ok": True}

    @app.get("/test/writes-text")
    def writes_text():  # written SQL: only its words say it writes
        db.session.execute(sa.text("  update \"user\" SET name = 'Text Without Commit'"))
        return {"ok": True}

    @app.get("/test/writes-in-with")
    def writes_in_with():  # a SELECT's answer, from a statement that writes on the way
        db.session.execute(sa.text("WITH changed AS (UPDATE \"user\" SET name = 'With Without Commit' "
                                   "RETURNING id) SELECT count(*) FROM changed")).scalar()
        return {"ok": True}

    @app.get("/test/select-then-update")
    def select_then_update():  # two statements in one string, the first a SELECT
        db.session.connection().exec_driver_sql("SELECT 1; UPDATE \"user\" SET name = 'Second Without Commit'")
        return {"ok": True}

    @app.get("/test/reads-and-locks")
    def reads_and_locks():  # SELECT … FOR UPDATE, SET LOCAL, a WITH that reads: nothing written, so COMMIT
        db.session.execute(sa.text("SET LOCAL statement_timeout = '5s'"))
        named = sa.select(User.name, User.created_at.label("updated_at")).cte("named")  # "updated" isn't UPDATE
        db.session.execute(sa.select(named.c.name)).all()
        return {"names": list(db.session.scalars(sa.select(User.name).with_for_update()))}

    @app.get("/test/writes-then-fails")
    def writes_then_fails():
        db.session.execute(sa.update(User).values(name="Failed Request"))
        raise RuntimeError("boom")

    with app.app_context():
        make_user("recruiter", name="Riley Morgan")
        db.session.commit()
    return app


def _names(app) -> list[str]:
    with app.app_context():
        names = list(db.session.scalars(sa.select(User.name)))
        db.session.remove()
    return names


@pytest.mark.parametrize("path", ["/test/flushes-and-forgets", "/test/writes-core", "/test/writes-text",
                                  *(pytest.param(path, marks=pytest.mark.skipif(
                                      not ON_POSTGRES, reason="PostgreSQL's SQL: a writing WITH, two at once"))
                                    for path in ("/test/writes-in-with", "/test/select-then-update"))])
def test_a_request_that_wrote_without_committing_changes_nothing(app_with_routes, path):
    client = app_with_routes.test_client()
    assert client.get(path).status_code == 200
    assert _names(app_with_routes) == ["Riley Morgan"]


def test_a_request_that_failed_after_writing_changes_nothing(app_with_routes):
    app_with_routes.config["PROPAGATE_EXCEPTIONS"] = False
    assert app_with_routes.test_client().get("/test/writes-then-fails").status_code == 500
    assert _names(app_with_routes) == ["Riley Morgan"]


@pytest.mark.skipif(not ON_POSTGRES, reason="psycopg's prepared statements: PostgreSQL only")
def test_reading_requests_keep_the_connections_prepared_statements(app_with_routes):
    client = app_with_routes.test_client()
    for _ in range(8):  # psycopg prepares a statement the fifth time one connection runs it
        assert client.get("/test/reads").get_json() == {"names": ["Riley Morgan"]}
    with app_with_routes.app_context():
        prepared = db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements"))
        db.session.remove()
    assert prepared >= 1


@pytest.mark.skipif(not ON_POSTGRES, reason="psycopg's prepared statements: PostgreSQL only")
def test_a_connection_keeps_more_prepared_statements_than_the_pages_send(app_with_routes):
    """psycopg keeps 100 prepared statements a connection unless told otherwise, and the pages send
    about that many: a connection serving every page would keep forgetting and preparing them."""
    with app_with_routes.app_context():
        connection = db.session.connection()
        for n in range(150):
            for _ in range(6):
                connection.execute(sa.text(f"SELECT {n} + :one"), {"one": 1})
        prepared = connection.execute(sa.text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        db.session.remove()
    assert prepared >= 150


@pytest.mark.skipif(not ON_POSTGRES, reason="how PostgreSQL transactions end")
def test_only_a_request_that_sent_nothing_that_writes_ends_with_commit(app_with_routes):
    """Each statement is looked at as it is sent: reads (locking ones and SET LOCAL too) end with
    COMMIT, which keeps the prepared statements; any statement that may write, with ROLLBACK."""
    ends = []
    listeners = {end: lambda connection, end=end: ends.append(end) for end in ("commit", "rollback")}
    with app_with_routes.app_context():
        engine = db.engine
    for end, listener in listeners.items():
        sa.event.listen(engine, end, listener)
    try:
        client = app_with_routes.test_client()
        assert client.get("/test/reads-and-locks").get_json() == {"names": ["Riley Morgan"]}
        assert ends == ["commit"]
        for path in ("/test/writes-text", "/test/writes-in-with", "/test/select-then-update", "/test/writes-core"):
            ends.clear()
            assert client.get(path).status_code == 200
            assert ends == ["rollback"], path
    finally:
        for end, listener in listeners.items():
            sa.event.remove(engine, end, listener)
