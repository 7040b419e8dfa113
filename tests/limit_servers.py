"""Several real server processes sharing one rate-limit store, for the tests that prove limits hold
across processes (as gunicorn workers must). Used by tests/auth/test_*_limit_shared.py."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid

import redis
from helpers import free_port

REDIS_URL = "redis://127.0.0.1:6379/15"

SERVER = """
import json, sys
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


@contextlib.contextmanager
def limit_servers(database_uri: str, tmp_path, storage: str, n: int = 2, **config):
    """Start ``n`` servers on one database and limit store; yield their base URLs; stop and clean up."""
    prefix = f"test-{uuid.uuid4().hex}"
    processes, bases = [], []
    env = {**os.environ, "PORTAL_ENV": "testing"}
    try:
        for _ in range(n):
            port = free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-c", SERVER, str(port), database_uri, storage, prefix, str(tmp_path / "devmail"),
                 json.dumps(config)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
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
            connection = redis.Redis.from_url(storage)
            for key in connection.scan_iter(f"*{prefix}*"):
                connection.delete(key)
            connection.close()
