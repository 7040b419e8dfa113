"""Sign-in rate limits hold across processes when they share Redis (as production must).

Two real server processes stand in for two gunicorn workers. The control run with per-process
memory storage shows the test can tell the difference: there the limit is never reached.
"""

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
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
                  "DEV_MAIL_DIR": sys.argv[5]})
make_server("127.0.0.1", int(sys.argv[1]), app).serve_forever()
"""


def redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.exceptions.RedisError:
        return False


class Browser:
    """A cookie-keeping HTTP client for one server, that posts the sign-in form."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )
        html = self.opener.open(base + "/login", timeout=10).read().decode()
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    def request_link(self, email) -> int:
        data = urllib.parse.urlencode({"email": email, "csrf_token": self.token}).encode()
        try:
            return self.opener.open(self.base + "/login", data=data, timeout=10).status
        except urllib.error.HTTPError as error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def start_servers(app, tmp_path, storage, prefix, n=2):
    processes, bases = [], []
    env = {**os.environ, "PORTAL_ENV": "testing"}
    for _ in range(n):
        port = free_port()
        processes.append(subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port), app.config["SQLALCHEMY_DATABASE_URI"], storage, prefix,
             str(tmp_path / "devmail")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))
        bases.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 20
    for base in bases:
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    return processes, bases


def statuses_across(bases, attempts=6):
    browsers = [Browser(base) for base in bases]
    return [browsers[n % len(browsers)].request_link("target@example.com") for n in range(attempts)]


@pytest.fixture
def served_app(app):
    with app.app_context():
        db.session.commit()  # the tables exist in this test's database (created by the fixture)
    return app


@pytest.mark.skipif(not redis_available(), reason="needs the Redis server on 127.0.0.1:6379")
@pytest.mark.parametrize("storage,expected", [
    (REDIS_URL, [302, 302, 302, 302, 302, 429]),  # shared: the 6th attempt is refused, whichever process
    ("memory://", [302] * 6),  # control: per-process counters let 2 × 5 through
])
def test_limit_is_shared_by_separate_processes(served_app, tmp_path, storage, expected):
    prefix = f"test-{uuid.uuid4().hex}"
    processes, bases = start_servers(served_app, tmp_path, storage, prefix)
    try:
        assert statuses_across(bases) == expected
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
        connection.close()
