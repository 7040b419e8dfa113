"""When the database can't take a request: a "busy, try again" answer (503 + Retry-After), never a 500,
and nothing half-saved.

SQLite: another connection holds the write lock (BEGIN IMMEDIATE, as a long job or a stuck process
would) for longer than SQLITE_BUSY_TIMEOUT_SECONDS. PostgreSQL: nothing listens where the database
should be. Both real; nothing is mocked.
"""

import logging
import os
import sqlite3
import time
from contextlib import closing

import pytest
import sqlalchemy as sa
from factories import make_candidate
from helpers import HTMX, Auth, count, csrf_token, free_port

from portal import create_app
from portal.extensions import db
from portal.questions.models import Question

sqlite_only = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite's write lock")
BUSY_TIMEOUT = 0.5


@pytest.fixture
def busy_app(make_app):
    return make_app(SQLITE_BUSY_TIMEOUT_SECONDS=BUSY_TIMEOUT)


@pytest.fixture
def candidate_client(busy_app):
    client = busy_app.test_client()
    with busy_app.app_context():
        candidate = make_candidate(name="Kim Lee")
        db.session.commit()
        Auth(busy_app, client).login(candidate.user)
    return client


@pytest.fixture
def write_lock(busy_app):
    """Another connection to the same file holding SQLite's write lock until released."""
    path = sa.make_url(busy_app.config["SQLALCHEMY_DATABASE_URI"]).database
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        yield holder
        if holder.in_transaction:
            holder.rollback()


def questions(app) -> int:
    with app.app_context():
        total = count(Question)
        db.session.remove()
        return total


@sqlite_only
def test_configured_busy_timeout_reaches_sqlite(busy_app):
    with busy_app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT * 1000


@sqlite_only
def test_write_lock_held_past_the_timeout_is_a_busy_page_and_nothing_is_saved(
        busy_app, candidate_client, write_lock, caplog):
    form = {"csrf_token": csrf_token(candidate_client, "/questions"), "text": "How are decisions made here?",
            "category": "role_team"}

    assert candidate_client.get("/questions").status_code == 200  # reading never waits for the lock
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="portal.errors"):
        response = candidate_client.post("/questions", data=form)
    waited = time.monotonic() - started

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    html = response.get_data(as_text=True)
    assert "<h1>The portal is busy</h1>" in html
    assert "Nothing was saved. Please try again in a few seconds." in html
    assert "locked" not in html.lower() and "Traceback" not in html
    assert "Kim Lee" in html  # the page still knows who is signed in: it read without queuing again
    assert BUSY_TIMEOUT <= waited < 5  # waited for the configured timeout, not the 10 s default
    assert [r.levelname for r in caplog.records if "database busy" in r.getMessage()] == ["WARNING"]
    assert "database is locked" in caplog.text and "POST /questions" in caplog.text

    write_lock.rollback()  # the other writer finishes
    assert questions(busy_app) == 0  # nothing was half-saved
    again = candidate_client.post("/questions", data=form)
    assert again.status_code == 302
    assert questions(busy_app) == 1


@sqlite_only
def test_busy_answer_to_an_htmx_form_keeps_the_page_and_says_why(busy_app, candidate_client, write_lock):
    form = {"csrf_token": csrf_token(candidate_client, "/questions"), "text": "Who would I work with?",
            "category": "role_team"}
    response = candidate_client.post("/questions", data=form,
                                     headers={**HTMX, "HX-Target": "add-question"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["HX-Retarget"] == "#main"
    assert response.headers["HX-Reswap"].startswith("afterbegin")
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "The portal is busy" in html and "Nothing was saved" in html
    assert "<html" not in html  # a notice at the top of the page, which keeps what was typed
    write_lock.rollback()
    assert questions(busy_app) == 0


def test_other_database_errors_are_still_server_errors(make_app):
    """Only "busy" is a 503 on SQLite: a missing table is a fault to fix, not to retry."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/__missing_table")
    def missing_table():
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    response = app.test_client().get("/__missing_table")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert response.status_code == 500
        assert "Something went wrong on our side" in response.get_data(as_text=True)
    else:
        assert response.status_code == 500  # PostgreSQL: UndefinedTable is a ProgrammingError


def test_postgresql_down_is_a_503_not_a_500(tmp_path, caplog):
    """Nothing listens where PostgreSQL should be: pages and forms say so and ask to try again later."""
    app = create_app({"PORTAL_ENV": "testing", "DEV_MAIL_DIR": str(tmp_path / "mail"),
                      "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": f"postgresql://portal@127.0.0.1:{free_port()}/portal"})
    client = app.test_client()
    token = csrf_token(client, "/login")  # the sign-in page itself needs no database
    with caplog.at_level(logging.ERROR, logger="portal.errors"):
        sign_in = client.post("/login", data={"csrf_token": token, "email": "kim@example.com"})
        with client.session_transaction() as session:  # someone signed in earlier
            session.update({"_user_id": "some-session-token", "_fresh": True, "signed_in_at": time.time()})
        home = client.get("/")

    for response in (sign_in, home):
        assert response.status_code == 503
        html = response.get_data(as_text=True)
        assert "<h1>The portal can&#39;t reach its database</h1>" in html
        assert "check whether it was saved" in html and "Traceback" not in html
    assert home.headers["Retry-After"] == "30"
    # On sign-in Flask-Limiter moves it to the end of the route's limit window (it keeps the later one).
    assert int(sign_in.headers["Retry-After"]) >= 30
    assert "database unavailable on POST /login" in caplog.text
    assert "database unavailable on GET /" in caplog.text


def test_busy_timeout_is_read_from_the_environment_and_bad_values_are_refused():
    from portal.config import ConfigError, build

    assert build(environ={"PORTAL_ENV": "testing", "SQLITE_BUSY_TIMEOUT_SECONDS": "2.5"})[
        "SQLITE_BUSY_TIMEOUT_SECONDS"] == 2.5
    assert build(environ={"PORTAL_ENV": "testing"})["SQLITE_BUSY_TIMEOUT_SECONDS"] == 10
    for bad in ("soon", "-1", "nan", "99999"):
        with pytest.raises(ConfigError, match="SQLITE_BUSY_TIMEOUT_SECONDS must be a number of seconds"):
            build(environ={"PORTAL_ENV": "testing", "SQLITE_BUSY_TIMEOUT_SECONDS": bad})
