"""The server and the sessions for `make bench` (bench/run.py): gunicorn on the scale database,
sign-in links issued with the app's own services and opened through the server, one request at a
time over loopback."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS = ("127.0.0.1", 6379)
MARKER = "%@scale.example"


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# --- the server and the sessions ----------------------------------------------------------------


def server_env(base_env: dict, url: str, port: int) -> dict:
    env = {**base_env, "DATABASE_URL": url, "SERVER_TIMING": "1",
           "PORTAL_BASE_URL": f"http://127.0.0.1:{port}"}
    if port_open(*REDIS):  # production settings need a shared rate-limit store
        env.update(PORTAL_ENV="production", SECRET_KEY=secrets.token_urlsafe(48),
                   REDIS_URL=f"redis://{REDIS[0]}:{REDIS[1]}/15")
    else:
        env.update(PORTAL_ENV="development")
    return env


def start_server(env: dict, port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
               "portal:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            if request(port, "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer within 60 s; see {log}")


def request(port: int, path: str, method: str = "GET", body: str | None = None, cookie: str = "",
            connection: http.client.HTTPConnection | None = None):
    """(status, headers, body) of one request; ``connection`` is reused when given (keep-alive)."""
    own = connection is None
    connection = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, response.headers, data
    finally:
        if own:
            connection.close()


def issue_sign_in(env: dict) -> dict[str, tuple[str, str]]:
    """{"recruiter"|"candidate": (e-mail, raw sign-in token)} issued with the app's own services."""
    os.environ.update({k: v for k, v in env.items() if k in (
        "DATABASE_URL", "PORTAL_ENV", "SECRET_KEY", "REDIS_URL", "PORTAL_BASE_URL")})
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    import sqlalchemy as sa

    from portal import create_app
    from portal.auth.models import User
    from portal.auth.services import SIGN_IN
    from portal.candidates.models import Candidate
    from portal.extensions import db
    from portal.meetings.models import Meeting
    from portal.auth.tokens import issue_token

    app = create_app({"SERVER_TIMING": False})
    with app.app_context():
        recruiter = db.session.scalar(sa.select(User).where(User.role == "recruiter", User.email.like(MARKER))
                                      .order_by(User.id).limit(1))
        busiest = (sa.select(Meeting.candidate_id).join(Candidate, Candidate.id == Meeting.candidate_id)
                   .where(Candidate.stage == "offer").group_by(Meeting.candidate_id)
                   .order_by(sa.func.count().desc(), Meeting.candidate_id).limit(1))
        candidate = db.session.scalar(sa.select(User).join(Candidate, Candidate.user_id == User.id)
                                      .where(Candidate.id == busiest.scalar_subquery()))
        out = {}
        for who, user in (("recruiter", recruiter), ("candidate", candidate)):
            raw, _row = issue_token(SIGN_IN, timedelta(minutes=10), user=user)
            out[who] = (user.email, raw)
        db.session.commit()
        for engine in db.engines.values():
            engine.dispose()
    return out


def sign_in(port: int, raw: str) -> str:
    """Open the e-mailed link through the server and press the button: the session cookie."""
    status, headers, body = request(port, f"/login/{raw}")
    if status != 200:
        raise RuntimeError(f"the sign-in link answered {status}")
    cookie = cookie_from(headers)
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
        rb'name="csrf_token" value="([^"]+)"', body)
    form = f"csrf_token={unescape(token.group(1).decode())}"
    status, headers, _ = request(port, f"/login/{raw}", "POST", form, cookie)
    if status != 302:
        raise RuntimeError(f"signing in answered {status}")
    return cookie_from(headers)


def cookie_from(headers) -> str:
    return "; ".join(value.split(";", 1)[0] for key, value in headers.items() if key.lower() == "set-cookie")
