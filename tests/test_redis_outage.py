"""Redis, which holds the shared rate-limit counts, dies while people use the portal.

Two real server processes (standing in for two gunicorn workers, as in the shared-limit tests, so
that each can be asked in turn) count in a Redis of this test's own, which the test kills mid-run,
with traffic flowing, and starts again; then the same under gunicorn itself.
What must hold: nobody gets a server error, at any moment; limits still apply, counted by each
process on its own until Redis is back (Flask-Limiter's in-memory fallback); /readyz says 503 and
names Redis while it is down and 200 once it is back; each process logs the outage once, not once
per request.

Client addresses come from X-Forwarded-For (one trusted proxy hop), so that each part of the test
counts against its own addresses.
"""

from __future__ import annotations

import http.cookiejar
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from factories import make_user
from limit_servers import gunicorn_server, limit_servers, private_redis

from portal.auth.services import SIGN_IN
from portal.extensions import db
from portal.auth.tokens import issue_token
from helpers import csrf_in

LIMITS = {
    "TRUSTED_PROXY_HOPS": 1,
    "LOGIN_RATE_LIMIT_CLIENT": "100 per 15 minutes",
    "LOGIN_RATE_LIMIT_EMAIL": "3 per 15 minutes",
    "RATE_LIMIT_TOKEN_LINKS": "4 per 10 minutes",
    "RATE_LIMIT_FORMS": "1000 per minute",
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping client of one server process, coming from one client address."""

    def __init__(self, base: str, address: str):
        self.base, self.address = base, address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
        self.seen: list[int] = []

    def fetch(self, path: str, form: dict | None = None, address: str | None = None) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data,
                                         headers={"X-Forwarded-For": address or self.address})
        try:
            with self.opener.open(request, timeout=15) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode()
        self.seen.append(status)
        return status, body

    def csrf(self, path: str) -> str:
        status, html = self.fetch(path)
        assert status == 200, (path, status)
        return csrf_in(html)

    def ask_for_link(self, email: str, address: str | None = None) -> int:
        token = self.csrf("/login")
        return self.fetch("/login", {"email": email, "csrf_token": token}, address)[0]


def readiness(base: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Traffic(threading.Thread):
    """Sign-in requests to every process, one after another, each from a new address and for a new
    e-mail (so no limit refuses them), until stopped: every one of them touches the limit store."""

    def __init__(self, bases):
        super().__init__(daemon=True)
        self.browsers = [Browser(base, "10.1.0.1") for base in bases]
        self.stopped = threading.Event()
        self.statuses: list[int] = []

    def run(self):
        n = 0
        while not self.stopped.is_set():
            browser = self.browsers[n % len(self.browsers)]
            address = f"10.1.{n // 250 % 250}.{n % 250 + 1}"
            self.statuses.append(browser.ask_for_link(f"traffic{n}@example.com", address))
            n += 1

    def stop(self) -> list[int]:
        self.stopped.set()
        self.join(30)
        return self.statuses


def test_redis_dying_mid_run_costs_no_request_and_readiness_says_so(served_app, tmp_path):
    with served_app.app_context():
        user = make_user(email="dana@example.com", name="Dana Reyes")
        link = issue_token(SIGN_IN, timedelta(minutes=10), user=user)[0]
        db.session.commit()
    log_path = tmp_path / "servers.log"
    with private_redis(tmp_path) as redis, limit_servers(
        served_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, redis.url, log_path=log_path,
        REDIS_URL=redis.url, **LIMITS,
    ) as bases:
        first, second = (Browser(base, "10.0.0.1") for base in bases)

        # Redis up: ready, and the limit per e-mail is shared by both processes (3 in all).
        outbox = {"outbox": "ok", "outbox_oldest_due_seconds": 0, "dead_letters": 0}  # no worker here: none due
        ready = (200, {"status": "ready", "database": "ok", "redis": "ok", **outbox})
        assert [readiness(base) for base in bases] == [ready, ready]
        shared = [(first, second)[n % 2].ask_for_link("target@example.com") for n in range(4)]
        assert shared == [302, 302, 302, 429]

        # Redis dies while requests keep coming.
        traffic = Traffic(bases)
        traffic.start()
        time.sleep(1)
        redis.kill()
        time.sleep(2)

        # Readiness names what is down; liveness stays up.
        for base in bases:
            assert readiness(base) == (503, {"status": "unavailable", "database": "ok", "redis": "down", **outbox})
            assert urllib.request.urlopen(base + "/healthz", timeout=5).status == 200

        # Limits still hold, each process counting on its own: 3 per process for one e-mail.
        alone = [[browser.ask_for_link("other@example.com", "10.0.0.2") for _ in range(4)]
                 for browser in (first, second)]
        assert alone == [[302, 302, 302, 429]] * 2

        # A link from e-mail works: GET shows it, POST signs in; a signed-in form (sign out) works.
        reader = Browser(bases[0], "10.0.0.3")
        status, html = reader.fetch(f"/login/{link}")
        assert status == 200 and "Dana" in html
        token = csrf_in(html)
        assert reader.fetch(f"/login/{link}", {"csrf_token": token})[0] == 302
        assert reader.fetch("/")[0] == 200
        assert reader.fetch("/logout", {"csrf_token": reader.csrf("/")})[0] == 302

        # Guessing links is still limited (4 links per address per process here).
        guesser = Browser(bases[1], "10.0.0.4")
        assert [guesser.fetch(f"/login/guess-{n}")[0] for n in range(6)] == [404] * 4 + [429] * 2

        during = traffic.stop()

        # Redis is back: ready again at once; counting returns to Redis within Flask-Limiter's
        # probing interval (at most 32 s after the outage began).
        redis.start()
        assert [readiness(base)[0] for base in bases] == [200, 200]
        deadline = time.monotonic() + 45
        after = []
        while redis.keys() == 0:
            assert time.monotonic() < deadline, "the servers never went back to counting in Redis"
            for browser in (first, second):
                after.append(browser.ask_for_link(f"back{len(after)}@example.com", f"10.2.0.{len(after) % 250 + 1}"))
            time.sleep(0.5)

    everything = first.seen + second.seen + reader.seen + guesser.seen + during + after
    server_errors = [status for status in everything if status >= 500]
    print(f"\n{len(everything)} answers ({len(during)} from traffic across the outage), "
          f"{len(server_errors)} server errors; back in Redis after {len(after)} more requests")
    assert len(during) > 20
    assert not server_errors
    assert set(during) == {302}
    log = log_path.read_text()
    assert "Traceback" not in log, log[-3000:]
    # Said once per process when Redis went, not once per request.
    assert 1 <= log.lower().count("storage unreachable") <= len(bases), log[-3000:]


def test_gunicorn_workers_ride_out_a_redis_outage(served_app, tmp_path):
    """The production server: two sync workers, configured from the environment."""
    log_path = tmp_path / "gunicorn.log"
    with private_redis(tmp_path) as redis, gunicorn_server(
        served_app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, workers=2, log_path=log_path,
        REDIS_URL=redis.url, TRUSTED_PROXY_HOPS="1",
    ) as base:
        assert readiness(base)[0] == 200
        traffic = Traffic([base])
        traffic.start()
        time.sleep(1)
        redis.kill()
        time.sleep(2)
        down = [readiness(base) for _ in range(4)]  # whichever worker answers
        redis.start()
        up = [readiness(base)[0] for _ in range(4)]
        time.sleep(1)
        statuses = traffic.stop()
    print(f"\ngunicorn: {len(statuses)} sign-in requests across the outage: {sorted(set(statuses))}")
    outbox = {"outbox": "ok", "outbox_oldest_due_seconds": 0, "dead_letters": 0}  # no worker here: none due
    assert down == [(503, {"status": "unavailable", "database": "ok", "redis": "down", **outbox})] * 4
    assert up == [200] * 4
    assert len(statuses) > 20 and set(statuses) == {302}
    log = log_path.read_text()
    assert "Traceback" not in log and "[ERROR]" not in log, log[-3000:]
    assert 1 <= log.lower().count("storage unreachable") <= 2, log[-3000:]
