"""/readyz: can this process serve, and is the mail going out? 200 when the database and Redis (if
configured) answer and no due e-mail has waited longer than READY_OUTBOX_MAX_AGE_SECONDS, else 503
naming what is wrong; dead letters are counted, never a reason to be unready. /healthz (liveness)
stays 200 either way. Real servers that go away and come back, or nothing listening where one
should be; nothing is mocked. (Redis dying under load: test_redis_outage.py.)"""

import os
import socket
import threading
from datetime import timedelta

import sqlalchemy as sa
from factories import make_user
from helpers import T0, deliver_mail, free_port
from limit_servers import private_redis
from sqlalchemy.pool import NullPool

from portal import create_app
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.mail.services import queue_mail

# The suite's PostgreSQL (tests/conftest.py points it at this test worker's own database first).
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

READY = {"status": "ready", "database": "ok", "outbox": "ok", "outbox_oldest_due_seconds": 0, "dead_letters": 0}


def readyz(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


def test_ready_when_everything_answers(client):
    assert readyz(client) == (200, READY)  # no Redis configured: not checked


def test_unready_while_redis_is_gone_and_ready_again_when_it_is_back(make_app, tmp_path):
    with private_redis(tmp_path) as redis:
        client = make_app(REDIS_URL=redis.url, RATELIMIT_STORAGE_URI=redis.url).test_client()
        assert readyz(client) == (200, {**READY, "redis": "ok"})
        redis.kill()
        assert readyz(client) == (503, {**READY, "status": "unavailable", "redis": "down"})
        assert client.get("/healthz").status_code == 200
        assert client.get("/login").status_code == 200  # pages still work
        redis.start()  # the same port again
        assert readyz(client) == (200, {**READY, "redis": "ok"})


class Forwarder:
    """A TCP relay on a loopback port of its own to the PostgreSQL server: closing it cuts every
    connection through it and refuses new ones, as a database that went away does."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, free_port()
        self.sockets: list[socket.socket] = []
        self.listener = None

    def open(self):
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        if self.listener is None:
            return
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() waiting in its thread (Linux)
        self.listener.close()
        self.listener = None
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.sockets.clear()


def test_unready_while_the_database_is_gone_and_ready_again_when_it_is_back(make_app, tmp_path):
    """This run's database goes away and comes back: PostgreSQL behind a relay that is closed and
    opened again; SQLite in a folder that is moved away and back (an unmounted volume), opened anew
    for each request (NullPool: a connection kept open would go on reading the moved file)."""
    if TEST_DATABASE_URL:
        url = sa.make_url(TEST_DATABASE_URL)
        relay = Forwarder((url.host or "127.0.0.1", url.port or 5432))
        relay.open()
        client = make_app(SQLALCHEMY_DATABASE_URI=url.set(host="127.0.0.1", port=relay.port)
                          .render_as_string(hide_password=False)).test_client()
        gone, back = relay.close, relay.open
    else:
        folder = tmp_path / "volume"
        folder.mkdir()
        client = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'portal.db'}",
                          SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool}).test_client()
        gone, back = (lambda: folder.rename(tmp_path / "away")), (lambda: (tmp_path / "away").rename(folder))
    try:
        assert readyz(client) == (200, READY)
        gone()
        assert readyz(client) == (503, {"status": "unavailable", "database": "down", "outbox": "unknown"})
        assert client.get("/healthz").status_code == 200
        back()
        assert readyz(client) == (200, READY)
    finally:
        if TEST_DATABASE_URL:
            relay.close()


def test_not_ready_naming_the_database_when_it_is_unreachable(tmp_path):
    app = create_app({"PORTAL_ENV": "testing", "DEV_MAIL_DIR": str(tmp_path / "mail"),
                      "RATELIMIT_STORAGE_URI": "memory://",
                      "SQLALCHEMY_DATABASE_URI": f"postgresql://portal@127.0.0.1:{free_port()}/portal"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "down", "outbox": "unknown"}


def _queue(app, key: str, **kwargs) -> int:
    with app.app_context():
        user = make_user(email=f"{key}@example.com", name="Pat Doe")
        message = queue_mail("sign_in", to=user.email, dedupe_key=key, user=user, minutes=10,
                             link_values={"token": "abc"}, **kwargs)
        db.session.commit()
        return message.id


def test_unready_when_due_mail_waits_too_long_and_ready_once_the_worker_sends_it(app, client, smtp, frozen):
    """Waiting is counted from when a message became due: a reminder set for tomorrow is not late;
    a mail queued now and not sent 10 minutes (READY_OUTBOX_MAX_AGE_SECONDS) later is."""
    _queue(app, "later", send_after=T0 + timedelta(days=1))
    _queue(app, "now")
    assert readyz(client) == (200, READY)

    frozen.move_to(T0 + timedelta(seconds=600), tick=False)
    assert readyz(client) == (200, {**READY, "outbox_oldest_due_seconds": 600})
    frozen.move_to(T0 + timedelta(seconds=601), tick=False)
    assert readyz(client) == (503, {**READY, "status": "unavailable", "outbox": "behind",
                                    "outbox_oldest_due_seconds": 601})
    assert client.get("/healthz").status_code == 200

    assert deliver_mail(app).sent == 1  # the worker runs again: only the due one goes
    assert readyz(client) == (200, READY)


def test_dead_letters_are_counted_but_leave_the_portal_ready(app, client):
    dead = _queue(app, "refused")
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == dead).values(status="dead"))
        db.session.commit()
    assert readyz(client) == (200, {**READY, "dead_letters": 1})


def test_the_age_limit_is_a_setting(make_app, frozen):
    app = make_app(READY_OUTBOX_MAX_AGE_SECONDS=60)
    _queue(app, "now")
    frozen.move_to(T0 + timedelta(seconds=61), tick=False)
    assert readyz(app.test_client())[1]["outbox"] == "behind"
