"""The limit on links from e-mail holds across processes when they share Redis (as production must).

Two real server processes stand in for two gunicorn workers; requests alternate between them. The
control run with per-process memory storage shows the test can tell the difference: there each
process counts only its own half and the limit is never reached.
"""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
import redis
from helpers import free_port

from portal.extensions import db

REDIS_URL = "redis://127.0.0.1:6379/15"

SERVER = """
import sys
from werkzeug.serving import make_server
from portal import create_app
app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": sys.argv[2],
                  "RATELIMIT_STORAGE_URI": sys.argv[3], "RATELIMIT_KEY_PREFIX": sys.argv[4],
                  "DEV_MAIL_DIR": sys.argv[5], "RATE_LIMIT_TOKEN_LINKS": "3 per 10 minutes"})
make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
"""

# Someone guessing links, moving from one kind of link to the next.
GUESSES = ["/feedback/guess-a", "/invite/guess-b", "/survey/guess-c", "/login/guess-d", "/answer/guess-e",
           "/invite/manage/guess-f"]


def redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.exceptions.RedisError:
        return False


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def start_servers(database_uri, tmp_path, storage, prefix, n=2):
    processes, bases = [], []
    env = {**os.environ, "PORTAL_ENV": "testing"}
    for _ in range(n):
        port = free_port()
        processes.append(subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port), database_uri, storage, prefix,
             str(tmp_path / "devmail")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 20
    for base in bases:
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    return processes, bases


@pytest.fixture
def served_app(app):
    with app.app_context():
        db.session.commit()  # the tables exist in this test's database (created by the fixture)
    return app


@pytest.mark.skipif(not redis_available(), reason="needs the Redis server on 127.0.0.1:6379")
@pytest.mark.parametrize("storage,expected", [
    (REDIS_URL, [404, 404, 404, 429, 429, 429]),  # shared: the 4th guess is refused, whichever process
    ("memory://", [404] * 6),  # control: per-process counters let 2 × 3 through
])
def test_token_link_limit_is_shared_by_separate_processes(served_app, tmp_path, storage, expected):
    prefix = f"test-{uuid.uuid4().hex}"
    processes, bases = start_servers(served_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, storage, prefix)
    try:
        answers = [fetch(bases[n % len(bases)] + path) for n, path in enumerate(GUESSES)]
        assert [status for status, _ in answers] == expected
        for status, body in answers:
            if status == 429:
                assert "<h1>Too many attempts</h1>" in body and "Nothing was changed" in body
        # Pages without a token are not counted against it.
        assert fetch(bases[0] + "/login")[0] == 200
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
        connection.close()
