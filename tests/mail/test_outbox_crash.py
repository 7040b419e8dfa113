"""The outbox when a worker dies or the database stumbles mid-batch, with real parts: worker
processes started as in production (``flask --app portal worker``), SIGKILL, an aiosmtpd server,
the test's database file (or PostgreSQL with TEST_DATABASE_URL).

What is promised (portal/mail/tasks.py): a worker claims one message at a time, so a crash strands
at most the message it was sending, for OUTBOX_LEASE_SECONDS; delivery is at least once, and only
that one message can arrive twice (with the same Message-ID).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import sqlalchemy as sa
from aiosmtpd.controller import Controller
from factories import make_user
from helpers import free_port

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.mail.services import queue_mail
from portal.mail.tasks import drain_outbox
from portal.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 15  # room for the second worker to start and send 17 on a busy 2-core machine (CI under faketime)
MAILS = 20


class StallingSink:
    """An SMTP server that keeps every message it receives and, on the ``stall_at``-th one, stores
    it and then does not answer until released: the sender is stuck after the data went through,
    exactly where a crash leaves a message delivered but not yet marked sent."""

    def __init__(self, stall_at: int):
        self.stall_at = stall_at
        self.arrivals: list[tuple[float, str]] = []  # (time.monotonic(), Message-ID)
        self.lock = threading.Lock()
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        with self.lock:
            self.arrivals.append((time.monotonic(), message["Message-ID"]))
            number = len(self.arrivals)
        if number == self.stall_at:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        return "250 OK"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [message_id for _, message_id in self.arrivals]


def queue_mails(app, n: int) -> list[str]:
    """Queue ``n`` sign-in mails; their Message-IDs in queue order."""
    with app.app_context():
        ids = []
        for i in range(n):
            user = make_user(email=f"p{i}@example.com")
            message = queue_mail("sign_in", to=user.email, dedupe_key=f"crash-{i}", user=user, minutes=10,
                                 link_values={"token": f"t{i}"})
            ids.append(message.message_id)
        db.session.commit()
        db.session.remove()
        return ids


def statuses(app) -> dict[str, str]:
    """{Message-ID: status} of every outbox row."""
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.message_id, OutboxMessage.status)).all()
        db.session.remove()
        return dict(rows)


def start_worker(app, tmp_path: Path, smtp_port: int, name: str) -> tuple[subprocess.Popen, object]:
    """``flask --app portal worker`` in its own process, on the test's database and SMTP server."""
    log = open(tmp_path / f"{name}.log", "w+")  # noqa: SIM115 (outlives this function: stop_worker reads and closes it)
    env = {**os.environ, "PORTAL_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "PORTAL_BASE_URL": app.config["PORTAL_BASE_URL"], "SMTP_HOST": "127.0.0.1",
           "SMTP_PORT": str(smtp_port),
           "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS), "DEV_MAIL_DIR": str(tmp_path / "devmail"),
           "PHOTO_DIR": str(tmp_path / "photos")}
    env.pop("TEST_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal", "worker", "--interval", "0.2"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return process, log


def stop_worker(process: subprocess.Popen, log) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log.seek(0)
    output = log.read()
    log.close()
    return output


def wind_down(sink, first, first_log, second, second_log) -> str:
    """After a test, whatever happened: release the sink, kill the first worker if it still runs, stop
    the second; the second's output (for assertion messages)."""
    sink.release.set()
    if first.poll() is None:
        first.kill()
        first.wait()
    first_log.close()
    return stop_worker(second, second_log) if second is not None else ""


def test_worker_killed_mid_batch_strands_only_the_message_in_flight(app, stalling_sink, tmp_path):
    queued = queue_mails(app, MAILS)
    first, first_log = start_worker(app, tmp_path, stalling_sink.port, "worker-1")
    second = second_log = None
    try:
        assert stalling_sink.stalled.wait(60), stop_worker(first, first_log)
        # The first worker is inside the SMTP conversation of its 3rd message: the server has it.
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        stalling_sink.release.set()
        in_flight = stalling_sink.message_ids()[2]

        # What the dead worker left behind: only the message it was sending is still claimed;
        # the 17 it never tried are free for any worker.
        left = statuses(app)
        assert [mid for mid, status in left.items() if status == "sending"] == [in_flight]
        assert Counter(left.values()) == {"sent": 2, "sending": 1, "pending": MAILS - 3}

        second, second_log = start_worker(app, tmp_path, stalling_sink.port, "worker-2")
        deadline = killed_at + 60
        while set(stalling_sink.message_ids()) != set(queued) and time.monotonic() < deadline:
            assert second.poll() is None, stop_worker(second, second_log)
            time.sleep(0.05)
        others_delivered = time.monotonic() - killed_at
        assert set(stalling_sink.message_ids()) == set(queued), stop_worker(second, second_log)
        # Every row ends sent (the in-flight one once its lease ran out), then nothing more goes out.
        while set(statuses(app).values()) != {"sent"} and time.monotonic() < deadline:
            time.sleep(0.05)
        all_delivered = time.monotonic() - killed_at
        assert set(statuses(app).values()) == {"sent"}
        time.sleep(0.5)
    finally:
        output = wind_down(stalling_sink, first, first_log, second, second_log)

    received = stalling_sink.message_ids()
    copies = Counter(received)
    assert {mid: n for mid, n in copies.items() if n != 1} == {in_flight: 2}, output
    assert len(received) == MAILS + 1
    # The never-tried messages did not wait for the stranded one's lease: every one of them went
    # out before the in-flight message was sent again.
    after_kill = received[3:]
    assert after_kill.index(in_flight) == len(after_kill) - 1, after_kill
    assert all_delivered < 60
    print(f"\nSIGKILL mid-batch: the {MAILS - 3} untried delivered {others_delivered:.1f} s after the kill, "
          f"the one in flight again after {all_delivered:.1f} s (lease {LEASE_SECONDS} s); "
          f"{len(received) - MAILS} duplicate (the message in flight)")


class LockingSink:
    """An SMTP server that accepts each message and, at that moment, makes the database
    unwritable for ``hold`` seconds: on SQLite another connection holds the write lock; on
    PostgreSQL every other connection to the database is terminated (a restart, a failover)."""

    def __init__(self, database_uri: str, hold: float):
        self.uri = database_uri
        self.hold = hold
        self.received: list[str] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.timers: list[threading.Timer] = []

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        self.received.append(message["Message-ID"])
        if self.uri.startswith("sqlite"):
            import sqlite3

            locker = sqlite3.connect(sa.make_url(self.uri).database, isolation_level=None,
                                     check_same_thread=False)
            locker.execute("BEGIN IMMEDIATE")

            def unlock():
                locker.execute("ROLLBACK")
                locker.close()

            timer = threading.Timer(self.hold, unlock)
            timer.start()
            self.timers.append(timer)
        else:
            import psycopg

            url = sa.make_url(self.uri)
            plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(plain, autocommit=True) as connection:
                connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                   "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return "250 OK"


def test_status_write_failing_after_send_is_retried_not_resent(make_app):
    # A short busy timeout, so the write meets "database is locked" instead of waiting it out.
    app = make_app(OUTBOX_LEASE_SECONDS=LEASE_SECONDS, SQLITE_BUSY_TIMEOUT_SECONDS=0.1)
    sink = LockingSink(app.config["SQLALCHEMY_DATABASE_URI"], hold=1.0)
    app.config["SMTP_PORT"] = sink.port
    sink.controller.start()
    try:
        queued = queue_mails(app, 2)
        with app.app_context():
            result = drain_outbox()
            db.session.remove()
        for timer in sink.timers:
            timer.join()
        assert (result.sent, result.retrying, result.dead) == (2, 0, 0)
        assert statuses(app) == {mid: "sent" for mid in queued}
        # Long after any lease would have run out, nothing is sent again.
        with app.app_context():
            later = drain_outbox(now=utcnow() + timedelta(hours=1))
            db.session.remove()
        assert later.sent == 0
        assert sorted(sink.received) == sorted(queued)
    finally:
        sink.controller.stop()
