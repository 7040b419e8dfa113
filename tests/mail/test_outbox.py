"""The outbox over a real SMTP server: queued with the change, delivered once, retried, never lost."""

import base64
import smtplib
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
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
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


def test_two_workers_never_send_the_same_message_twice(app, smtp):
    for n in range(5):
        queue_sign_in_mail(app, to=f"p{n}@example.com", key=f"k{n}")
    with app.app_context():
        from portal.mail.tasks import claim_due

        first = claim_due(utcnow(), limit=3)
        db.session.commit()
        second = claim_due(utcnow(), limit=10)
        db.session.commit()
        assert len(first) == 3 and len(second) == 2
        assert not {m.id for m in first} & {m.id for m in second}


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


def test_subject_with_line_breaks_cannot_inject_headers(app, smtp):
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
def test_only_5xx_answers_are_permanent(code, permanent):
    from portal.mail.tasks import _is_permanent

    assert _is_permanent(smtplib.SMTPDataError(code, b"x")) is permanent
