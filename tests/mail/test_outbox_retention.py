"""Undeliverable (dead) messages lose their bodies, with the links in them, after
OUTBOX_DEAD_RETENTION_DAYS, as sent messages do at once; the envelope and the error stay."""

from datetime import timedelta

from factories import make_user
from helpers import deliver_mail

from portal import config as settings
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.mail.services import queue_mail
from portal.mail.tasks import drain_outbox


def queue_link_mail(app, key: str, to: str = "pat@example.com", send_after=None) -> int:
    with app.app_context():
        user = make_user(email=to, name="Pat Doe")
        message = queue_mail("sign_in", to=to, dedupe_key=key, user=user, minutes=10, send_after=send_after,
                             link_values={"token": "tok-SECRET-" + key})
        db.session.commit()
        return message.id


def row(app, message_id: int) -> OutboxMessage:
    with app.app_context():
        found = db.session.get(OutboxMessage, message_id)
        db.session.expunge(found)
        return found


def test_dead_message_body_is_emptied_after_the_retention_period(make_app, smtp):
    app = make_app(OUTBOX_MAX_ATTEMPTS=1, OUTBOX_DEAD_RETENTION_DAYS=30)
    dead_id = queue_link_mail(app, "dead")
    smtp.stop()  # the one attempt fails: dead at once
    try:
        assert deliver_mail(app).dead == 1
    finally:
        smtp.start()
    dead = row(app, dead_id)
    assert dead.status == "dead" and "tok-SECRET-dead" in dead.text_body + dead.html_body
    queued = dead.created_at

    # A message still waiting to be sent keeps its body, however old.
    waiting_id = queue_link_mail(app, "waiting", to="sam@example.com", send_after=queued + timedelta(days=400))

    with app.app_context():
        drain_outbox(now=queued + timedelta(days=29, hours=23))
    kept = row(app, dead_id)
    assert "tok-SECRET-dead" in kept.text_body + kept.html_body, "emptied before the retention period"

    with app.app_context():
        drain_outbox(now=queued + timedelta(days=30, minutes=1))
    emptied = row(app, dead_id)
    assert emptied.status == "dead"
    assert (emptied.text_body, emptied.html_body, emptied.attachments) == ("", "", [])
    assert emptied.to_addr == "pat@example.com" and emptied.subject and emptied.last_error
    assert emptied.attempts == 1 and emptied.created_at == queued
    waiting = row(app, waiting_id)
    assert waiting.status == "pending" and "tok-SECRET-waiting" in waiting.text_body


def test_dead_retention_is_read_from_the_environment():
    config = settings.build(environ={"PORTAL_ENV": "testing", "OUTBOX_DEAD_RETENTION_DAYS": "7"})
    assert config["OUTBOX_DEAD_RETENTION_DAYS"] == 7
    assert settings.build(environ={"PORTAL_ENV": "testing"})["OUTBOX_DEAD_RETENTION_DAYS"] == 30
