"""SQLite under parallel writers: several web processes on one database file lose no write and never
tell anyone "database is locked".

Four gunicorn worker processes serve one SQLite file (WAL, busy timeout, write transactions opened
with BEGIN IMMEDIATE: portal/database.py). Client threads write through the real forms at the same
time: candidates add questions, recruiters add candidates, while others read. Every write that got a
success answer must be in the database exactly once; no answer may be a 5xx or mention a locked
database, and the servers must log no error.

Always SQLite, on its own file, whatever TEST_DATABASE_URL says: this is about SQLite's locking.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_position, make_user
from helpers import CSRF_RAW, free_port, session_cookie
from itsdangerous import URLSafeTimedSerializer

from portal import create_app
from portal.auth.models import User
from portal.extensions import db
from portal.questions.models import Question
from portal.timeutil import utcnow

WORKERS = 4
CANDIDATES = 6  # each writes questions from its own thread
RECRUITERS = 2  # each adds candidates from its own thread
READERS = 2  # threads that only read pages meanwhile
WRITES_PER_CLIENT = 40


class Browser:
    """One signed-in person on a keep-alive HTTP connection (one per thread)."""

    def __init__(self, port: int, cookie: tuple[str, str], csrf: str):
        self.port, self.cookie, self.csrf = port, f"{cookie[0]}={cookie[1]}", csrf
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, fields: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode({"csrf_token": self.csrf, **fields}) if fields is not None else None
        headers = {"Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                return response.status, response.read().decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn's sync workers close idle keep-alive connections: reconnect, never resend a
                # request the server may have seen (only a connection that failed before any answer).
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        self.connection.close()


@pytest.fixture
def company(tmp_path):
    """A SQLite file with the people who will write, and their signed-in cookies."""
    uri = f"sqlite:///{tmp_path / 'writers.db'}"
    app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": uri,
                      "DEV_MAIL_DIR": str(tmp_path / "mail"), "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
        position = make_position("Backend Engineer", "Platform")
        recruiters = [make_user("recruiter") for _ in range(RECRUITERS)]
        candidates = [make_candidate(position=position, owner=recruiters[0]) for _ in range(CANDIDATES)]
        db.session.commit()
        people = {
            "candidates": [(c.id, session_cookie(app, c.user.session_token)) for c in candidates],
            "recruiters": [(r.id, session_cookie(app, r.session_token)) for r in recruiters],
            "position": position.id,
        }
        db.session.remove()
    csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(CSRF_RAW)
    yield app, uri, people, csrf
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


WSGI_MODULE = """
from portal import create_app
app = create_app()
"""


def start_servers(company, tmp_path, control: bool = False):
    """gunicorn with WORKERS sync worker processes on the company's SQLite file."""
    _app, uri, _, _ = company
    port = free_port()
    (tmp_path / "writers_wsgi.py").write_text(WSGI_MODULE.format(control=control))
    log = open(tmp_path / "gunicorn.log", "w+")  # noqa: SIM115 (outlives this function: stop() reads and closes it)
    env = {**os.environ, "PORTAL_ENV": "testing", "DATABASE_URL": uri,
           "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
           "DEV_MAIL_DIR": str(tmp_path / "mail"), "PHOTO_DIR": str(tmp_path / "photos"),
           # Thousands of writes a minute from one address are the point here, not abuse.
           "RATE_LIMIT_FORMS": "100000 per minute",
           # The control run: no busy timeout, so a second writer fails at once.
           "SQLITE_BUSY_TIMEOUT_SECONDS": "0" if control else "10"}
    env.pop("TEST_DATABASE_URL", None)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), root, env.get("PYTHONPATH", "")])
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "--log-level", "warning", "writers_wsgi:app"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    deadline = time.monotonic() + 30
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            pass
        finally:
            connection.close()
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.seek(0)
            pytest.fail(f"gunicorn did not start: {log.read()[-2000:]}")
        time.sleep(0.2)
    return port, process, log


def hammer(company, port):
    """All the people at once; returns (answers, seconds)."""
    _app, _, people, csrf = company
    answers: list[tuple[str, str, int, str]] = []  # (kind, key, status, body)
    lock = threading.Lock()
    start = threading.Barrier(CANDIDATES + RECRUITERS + READERS)
    deadline = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")

    def run(cookie, steps):
        """One person: wait for everyone, then make their requests one after another."""
        browser = Browser(port, cookie, csrf)
        try:
            start.wait()
            for kind, key, method, path, fields in steps:
                status, body = browser.request(method, path, fields)
                with lock:
                    answers.append((kind, key, status, body))
        finally:
            browser.close()

    def candidate(n, cookie):
        texts = [f"Question {n}-{i}: how do teams decide what to build?" for i in range(WRITES_PER_CLIENT)]
        run(cookie, [("question", text, "POST", "/questions", {"text": text, "category": "role_team"})
                     for text in texts])

    def recruiter(n, owner_id, cookie):
        steps = []
        for i in range(WRITES_PER_CLIENT):
            email = f"new-{n}-{i}@example.com"
            steps.append(("candidate", email, "POST", "/recruiter/candidates/new", {
                "name": f"New Person {n}-{i}", "email": email, "timezone": "Europe/Berlin",
                "position_id": str(people["position"]), "owner_id": str(owner_id),
                "decision_deadline": deadline, "source": "referral"}))
        run(cookie, steps)

    def reader(n, cookie):
        run(cookie, [("read", "", "GET", "/recruiter/candidates" if i % 2 else "/", None)
                     for i in range(WRITES_PER_CLIENT)])

    threads = [threading.Thread(target=candidate, args=(n, cookie)) for n, (_, cookie) in
               enumerate(people["candidates"])]
    threads += [threading.Thread(target=recruiter, args=(n, rid, cookie)) for n, (rid, cookie) in
                enumerate(people["recruiters"])]
    threads += [threading.Thread(target=reader, args=(n, people["recruiters"][n % RECRUITERS][1]))
                for n in range(READERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    return answers, time.perf_counter() - started


def stop(process, log) -> str:
    process.terminate()
    try:
        process.wait(15)
    finally:
        log.seek(0)
        text = log.read()
        log.close()
    return text


def test_parallel_writers_lose_nothing_and_never_see_a_locked_database(company, tmp_path):
    app, _, _people, _ = company
    port, process, log = start_servers(company, tmp_path)
    try:
        answers, elapsed = hammer(company, port)
    finally:
        server_log = stop(process, log)

    statuses = Counter(status for _, _, status, _ in answers)
    writes = [a for a in answers if a[0] != "read"]
    print(f"\n{len(writes)} writes and {len(answers) - len(writes)} reads through {WORKERS} processes in "
          f"{elapsed:.1f} s ({len(writes) / elapsed:.0f} writes/s); answers {dict(statuses)}")
    assert len(answers) == (CANDIDATES + RECRUITERS + READERS) * WRITES_PER_CLIENT
    assert not [a for a in answers if a[2] >= 500], "server errors"
    assert not [a for a in answers if "locked" in a[3].lower()], "a page mentioned a locked database"
    succeeded = [a for a in writes if a[2] in (302, 303)]
    assert len(succeeded) == len(writes), Counter(a[2] for a in writes)  # nobody was turned away either
    assert all(a[2] == 200 for a in answers if a[0] == "read")

    # Every write that was answered with success is in the database, exactly once.
    with app.app_context():
        texts = Counter(db.session.scalars(sa.select(Question.text)))
        emails = Counter(db.session.scalars(sa.select(User.email).where(User.email.like("new-%"))))
        db.session.remove()
    for kind, key, _, _ in succeeded:
        stored = texts[key] if kind == "question" else emails[key]
        assert stored == 1, f"{kind} {key} stored {stored} times"
    assert sum(texts.values()) == CANDIDATES * WRITES_PER_CLIENT
    assert sum(emails.values()) == RECRUITERS * WRITES_PER_CLIENT
    assert "locked" not in server_log.lower() and "Traceback" not in server_log, server_log[-3000:]


def test_control_without_a_busy_timeout_the_same_load_fails(company, tmp_path):
    """The test can tell: with SQLite's busy timeout off, the same writers hit "database is locked"."""
    port, process, log = start_servers(company, tmp_path, control=True)
    try:
        answers, _ = hammer(company, port)
    finally:
        server_log = stop(process, log)
    failed = [a for a in answers if a[2] >= 500]
    print(f"\ncontrol: {len(failed)} of {len(answers)} answers refused: {Counter(a[2] for a in failed)}")
    # Refused as "busy, try again" (errors.py: 503, never a 500), and logged, but refused all the same.
    assert failed and {a[2] for a in failed} == {503} and "database is locked" in server_log
