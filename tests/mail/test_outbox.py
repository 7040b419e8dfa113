"""The outbox over a real SMTP server: queued with the change, delivered once, retried, never lost."""

import base64
import smtplib
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from factories import make_user
from helpers import count, deliver_mail

from portal.auth.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.mail.services import queue_mail
from portal.mail.tasks import drain_outbox
from portal.timeutil import utcnow


def queue_sign_in_mail(app, to="pat@example.com", key="k1", **kwargs):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == to)) or make_user(email=to, name="Pat Doe")
        message = queue_mail("sign_in", to=to, dedupe_key=key, user=user, minutes=10,
                             link_values={"token": "abc"}, **kwargs)
        db.session.commit()
        return message.id


def outbox_row(app, message_id):
    with app.app_context():
        row = db.session.get(OutboxMessage, message_id)
        db.session.expunge(row)
        return row


def test_queued_mail_is_delivered_once_with_both_parts(app, smtp):
    message_id = queue_sign_in_mail(app)
    result = deliver_mail(app)
    assert (result.sent, result.retrying, result.dead) == (1, 0, 0)
    (received,) = smtp.messages
    assert received["To"] == "pat@example.com"
    assert received["From"] == "Reverse Interview Portal <portal@localhost>"
    assert received.get_body(preferencelist=("plain",)) is not None
    assert received.get_body(preferencelist=("html",)) is not None
    row = outbox_row(app, message_id)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    assert received["Message-ID"] == row.message_id
    # Nothing more to send: a second pass delivers nothing again.
    assert deliver_mail(app).sent == 0
    assert len(smtp.messages) == 1


def test_same_dedupe_key_queues_one_mail(app, smtp):
    first = queue_sign_in_mail(app, key="same")
    second = queue_sign_in_mail(app, key="same")
    assert first == second
    with app.app_context():
        assert count(OutboxMessage) == 1


def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(app, smtp):
    with app.app_context():
        user = make_user(email="pat@example.com")
        queue_mail("sign_in", to=user.email, dedupe_key="rolled-back", user=user, minutes=10,
                   link_values={"token": "abc"})
        db.session.rollback()
    deliver_mail(app)
    assert smtp.messages == []


def test_smtp_down_keeps_mail_queued_then_delivers_exactly_once(app, smtp):
    message_id = queue_sign_in_mail(app)
    smtp.stop()
    result = deliver_mail(app)
    assert (result.sent, result.retrying) == (0, 1)
    row = outbox_row(app, message_id)
    assert row.status == "pending"
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)  # backed off, not hammering

    # Still down, and not due yet: nothing is attempted.
    assert deliver_mail(app).retrying == 0

    smtp.start()
    with app.app_context():
        result = drain_outbox(now=row.next_attempt_at + timedelta(seconds=1))
        db.session.remove()
    assert result.sent == 1
    assert len(smtp.messages) == 1
    row = outbox_row(app, message_id)
    assert row.status == "sent" and row.attempts == 2
    assert deliver_mail(app).sent == 0 and len(smtp.messages) == 1


def test_backoff_doubles_then_gives_up_as_dead(make_app, smtp):
    app = make_app(OUTBOX_MAX_ATTEMPTS=3)
    message_id = queue_sign_in_mail(app)
    smtp.stop()
    now = utcnow()
    delays = []
    for _ in range(3):
        with app.app_context():
            drain_outbox(now=now)
            row = db.session.get(OutboxMessage, message_id)
            if row.status == "pending":
                delays.append((row.next_attempt_at - now).total_seconds())
                now = row.next_attempt_at
            db.session.remove()
    assert delays == [30, 60]
    row = outbox_row(app, message_id)
    assert row.status == "dead" and row.attempts == 3 and row.last_error


def test_permanent_smtp_rejection_is_dead_at_once(app, smtp):
    class Rejecting:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 5.1.1 No such mailbox"

    original = smtp.handler
    smtp.stop()
    smtp.handler = Rejecting()
    smtp.start()
    try:
        message_id = queue_sign_in_mail(app)
        result = deliver_mail(app)
    finally:
        smtp.stop()
        smtp.handler = original
        smtp.start()
    assert result.dead == 1
    row = outbox_row(app, message_id)
    assert row.status == "dead" and "550" in row.last_error


def test_mail_is_not_sent_before_send_after(app, smtp):
    queue_sign_in_mail(app, send_after=utcnow() + timedelta(hours=1))
    assert deliver_mail(app).sent == 0
    with app.app_context():
        assert drain_outbox(now=utcnow() + timedelta(hours=1, seconds=1)).sent == 1
        db.session.remove()
    assert len(smtp.messages) == 1


def test_claim_left_by_a_crashed_worker_is_released(app, smtp):
    message_id = queue_sign_in_mail(app)
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(status="sending", claimed_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    assert deliver_mail(app).sent == 1
    assert outbox_row(app, message_id).status == "sent"


def test_two_workers_at_once_send_each_message_exactly_once(app, smtp):
    for n in range(12):
        queue_sign_in_mail(app, to=f"p{n}@example.com", key=f"k{n}")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                results.append(drain_outbox(limit=5))
                results.append(drain_outbox(limit=5))
                results.append(drain_outbox(limit=5))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 (a thread's failure of any kind is collected and asserted below)
            errors.append(repr(error))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sum(r.sent for r in results) == 12
    recipients = sorted(m["To"] for m in smtp.messages)
    assert recipients == sorted(f"p{n}@example.com" for n in range(12))


def test_a_broken_message_does_not_hold_up_the_others(app, smtp):
    broken = queue_sign_in_mail(app, to="broken@example.com", key="broken")
    good = queue_sign_in_mail(app, to="good@example.com", key="good")
    with app.app_context():
        db.session.get(OutboxMessage, broken).attachments = [{"filename": "x", "content_type": "text/plain",
                                                             "content_b64": "%%%not base64"}]
        db.session.commit()
    result = deliver_mail(app)
    assert (result.sent, result.dead) == (1, 1)
    assert [m["To"] for m in smtp.messages] == ["good@example.com"]
    assert outbox_row(app, broken).status == "dead" and outbox_row(app, good).status == "sent"


def test_a_worker_does_not_overwrite_a_claim_it_no_longer_holds(app, smtp):
    message_id = queue_sign_in_mail(app)
    with app.app_context():
        from portal.mail.tasks import _record, _record_sent, claim_next

        claimed = claim_next(utcnow())
        assert claimed.id == message_id and claimed.status == "sending" and claimed.attempts == 1
        assert claim_next(utcnow()) is None  # one claim at a time: nothing else is due
        # The lease ran out and another worker claimed the row meanwhile.
        db.session.execute(sa.update(OutboxMessage).values(claimed_at=utcnow() + timedelta(seconds=1)))
        db.session.commit()
        # A failure is not written over the other worker's claim...
        assert _record(message_id, claimed.claimed_at, status="pending", last_error="x") is False
        assert db.session.get(OutboxMessage, message_id).status == "sending"
        db.session.rollback()
        # ...but a message the server accepted is recorded as sent, so nobody sends it again.
        assert _record_sent(message_id, utcnow()) is True
        assert db.session.get(OutboxMessage, message_id).status == "sent"
        db.session.remove()


def test_released_claim_that_used_every_attempt_is_dead(make_app, smtp):
    app = make_app(OUTBOX_MAX_ATTEMPTS=3)
    message_id = queue_sign_in_mail(app)
    with app.app_context():
        db.session.execute(sa.update(OutboxMessage).values(status="sending", attempts=3,
                                                           claimed_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    assert deliver_mail(app).sent == 0
    row = outbox_row(app, message_id)
    assert row.status == "dead" and "stopped while sending" in row.last_error
    assert smtp.messages == []


@contextmanager
def smtp_sessions(smtp, closing_at: int | None = None):
    """The SMTP session of each message the server receives inside the block, in order (one id a
    message); the ``closing_at``-th (from 1) is answered "421 closing channel", as a server that shuts
    the connection does."""
    connections = []
    original = smtp.handler.handle_DATA

    async def handle_DATA(server, session, envelope):
        connections.append(id(session))
        if len(connections) == closing_at:
            return "421 4.3.2 Service shutting down, closing channel"
        return await original(server, session, envelope)

    smtp.handler.handle_DATA = handle_DATA
    try:
        yield connections
    finally:
        del smtp.handler.handle_DATA


def test_a_pass_reuses_one_smtp_connection(app, smtp):
    for n in range(5):
        queue_sign_in_mail(app, to=f"p{n}@example.com", key=f"k{n}")
    with smtp_sessions(smtp) as connections:
        assert deliver_mail(app).sent == 5
    assert len(connections) == 5 and len(set(connections)) == 1


def test_a_connection_the_server_closed_is_reopened_for_the_next_message(app, smtp):
    for n in range(3):
        queue_sign_in_mail(app, to=f"p{n}@example.com", key=f"k{n}")
    with smtp_sessions(smtp, closing_at=2) as connections:
        result = deliver_mail(app)
    assert (result.sent, result.retrying, result.dead) == (2, 1, 0)
    assert sorted(m["To"] for m in smtp.messages) == ["p0@example.com", "p2@example.com"]
    assert len(set(connections)) == 2  # the first and third message on two connections
    with app.app_context():
        row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_addr == "p1@example.com"))
        assert row.status == "pending" and "421" in row.last_error
        db.session.remove()


def test_attachments_are_sent(app, smtp):
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    queue_sign_in_mail(app, attachments=[{"filename": "invite.ics", "content_type": "text/calendar",
                                          "content_b64": base64.b64encode(ics).decode(),
                                          "params": {"method": "REQUEST"}}])
    deliver_mail(app)
    (received,) = smtp.messages
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar"


def test_header_values_are_made_single_line(app, smtp):
    with app.app_context():
        from portal.mail.services import _one_line

        assert _one_line("Hello\r\nBcc: victim@example.com") == "Hello Bcc: victim@example.com"


def test_worker_command_sends_and_reports(app, smtp):
    queue_sign_in_mail(app)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 to retry, 0 undeliverable" in result.output
    assert len(smtp.messages) == 1


@pytest.mark.parametrize("code,permanent", [(421, False), (451, False), (550, True), (554, True)])
def test_only_5xx_answers_about_the_message_are_permanent(code, permanent):
    from portal.mail.tasks import _is_permanent

    assert _is_permanent(smtplib.SMTPDataError(code, b"x")) is permanent


@pytest.mark.parametrize("error", [
    smtplib.SMTPConnectError(554, b"no service"),
    smtplib.SMTPHeloError(554, b"go away"),
    smtplib.SMTPSenderRefused(530, b"Authentication required", "portal@localhost"),
    smtplib.SMTPAuthenticationError(535, b"bad credentials"),
])
def test_server_and_configuration_problems_are_retried(error):
    from portal.mail.tasks import _is_permanent

    assert _is_permanent(error) is False


def test_sent_mail_keeps_no_body(app, smtp):
    message_id = queue_sign_in_mail(app)
    deliver_mail(app)
    row = outbox_row(app, message_id)
    assert row.status == "sent" and row.text_body == "" and row.html_body == "" and row.attachments == []
    assert row.subject and row.to_addr == "pat@example.com"
