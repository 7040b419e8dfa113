"""Several real server processes sharing one rate-limit store, for the tests that prove limits hold
across processes (as gunicorn workers must), and a Redis of a test's own that it may kill and start
again. Used by tests/auth/test_*_limit_shared.py and tests/test_redis_outage.py."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
import redis
from helpers import free_port

REDIS_URL = "redis://127.0.0.1:6379/15"

SERVER = """
import json, logging, sys
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from werkzeug.serving import make_server
from portal import create_app
app = create_app({"PORTAL_ENV": "testing", "SQLALCHEMY_DATABASE_URI": sys.argv[2],
                  "RATELIMIT_STORAGE_URI": sys.argv[3], "RATELIMIT_KEY_PREFIX": sys.argv[4],
                  "DEV_MAIL_DIR": sys.argv[5], **json.loads(sys.argv[6])})
make_server("127.0.0.1", int(sys.argv[1]), app, threaded=True).serve_forever()
"""


def redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.exceptions.RedisError:
        return False


needs_redis = pytest.mark.skipif(not redis_available(), reason="needs the Redis server on 127.0.0.1:6379")


@contextlib.contextmanager
def limit_servers(database_uri: str, tmp_path, storage: str, n: int = 2, log_path=None, **config):
    """Start ``n`` servers on one database and limit store; yield their base URLs; stop and clean up.

    ``log_path``: a file that gets what the servers log (warnings and errors), for tests to read.
    """
    prefix = f"test-{uuid.uuid4().hex}"
    processes, bases = [], []
    env = {**os.environ, "PORTAL_ENV": "testing"}
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(open(log_path, "a")) if log_path else subprocess.DEVNULL
        try:
            for _ in range(n):
                port = free_port()
                processes.append(subprocess.Popen(
                    [sys.executable, "-c", SERVER, str(port), database_uri, storage, prefix,
                     str(tmp_path / "devmail"), json.dumps(config)], env=env, stdout=log, stderr=log))
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
            yield bases
        finally:
            for process in processes:
                process.terminate()
                process.wait(10)
            if storage.startswith("redis://"):
                connection = redis.Redis.from_url(storage, socket_connect_timeout=0.5)
                with contextlib.suppress(redis.exceptions.ConnectionError):  # a test may have stopped it
                    for key in connection.scan_iter(f"*{prefix}*"):
                        connection.delete(key)
                connection.close()


@contextlib.contextmanager
def gunicorn_server(database_uri: str, tmp_path, workers: int = 2, log_path=None, args=(), **environ):
    """gunicorn with ``workers`` sync worker processes, configured through the environment as in
    production (``environ`` adds to it); yield its base URL; stop it.

    ``args``: more gunicorn options (they come last, so ``--log-level`` here wins over the default).
    """
    port = free_port()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PORTAL_ENV": "testing", "DATABASE_URL": database_uri,
           "PORTAL_BASE_URL": f"http://127.0.0.1:{port}", "DEV_MAIL_DIR": str(tmp_path / "devmail"),
           "PHOTO_DIR": str(tmp_path / "photos"), **environ}
    env.pop("TEST_DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    with open(log_path or os.devnull, "a") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "--log-level", "warning", *args, "portal:create_app()"], env=env, stdout=log, stderr=log, cwd=root)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start") from None
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(15)


class PrivateRedis:
    """A redis-server of one test's own on a free loopback port, to kill and start again at will
    (the shared one on 6379 is never touched)."""

    def __init__(self, tmp_path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.alive():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def alive(self) -> bool:
        connection = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            return connection.ping()
        except redis.exceptions.RedisError:
            return False
        finally:
            connection.close()

    def kill(self):
        """Gone at once, as a crashed server is: no shutdown, no goodbye to connected clients."""
        self.process.kill()
        self.process.wait(10)

    def keys(self) -> int:
        connection = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        try:
            return connection.dbsize()
        finally:
            connection.close()


@contextlib.contextmanager
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()
