"""The outbox worker: sends due messages over SMTP with retries and exponential backoff.

The database is never locked during an SMTP conversation. A pass opens one SMTP connection and
reuses it for every message it sends; for each message it

1. claims one due row (``pending`` → ``sending``, ``claimed_at`` = now, ``attempts`` + 1) in a
   short transaction, compare-and-swap so two workers never take the same row;
2. sends it with no transaction open;
3. records the outcome in its own short transaction (``sent``; ``pending`` with a backoff; or
   ``dead`` after OUTBOX_MAX_ATTEMPTS or a permanent 5xx refusal).

Only the message being sent is ever claimed, so a slow or failing message never holds up the
others, and any number of workers share the queue.

What is guaranteed:

* **At least once.** A message is marked ``sent`` only after the SMTP server accepted it. A row
  left in ``sending`` by a worker that died (SIGKILL, power loss, OOM) is released after its lease,
  OUTBOX_LEASE_SECONDS (60 s by default; it must exceed the time one message takes to send), and
  sent again. Such a crash strands at most the one message that worker was sending, for at most
  the lease; every other due message is sent meanwhile by any live worker.
* **A second copy only of a message whose fate was unknown, with the same Message-ID.** A crash
  between "the server accepted it" and "marked sent" sends that one message again; so does a
  connection lost after the data went out but before the server's answer arrived. The
  ``Message-ID`` is fixed when the message is queued, so the copy is recognisable (and dropped by
  servers and clients that de-duplicate). A message the worker knows was accepted is not sent
  again, and messages nobody tried are never affected by another's failure.
* **A failed status write is retried, not turned into a resend.** When writing ``sent`` fails
  (SQLite "database is locked", a PostgreSQL restart), the worker keeps retrying it for up to
  the lease before giving up; only if the database stays unwritable that long does the message
  fall back to the crash case above. ``sent`` is written even if the lease ran out meanwhile,
  as long as no other worker has recorded an outcome, so an expired lease does not cause a resend.
* A message that keeps killing workers is not retried forever: once a released claim has used
  OUTBOX_MAX_ATTEMPTS attempts it becomes ``dead``.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..log_format import request_id_as
from ..timeutil import utcnow
from .models import OutboxMessage

logger = logging.getLogger(__name__)

OUTBOX_PASS_LIMIT = 20  # messages per pass, between the conversation chores of run_worker()


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def build_email(message: OutboxMessage, mail_from: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = mail_from
    email["To"] = message.to_addr
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email["Date"] = format_datetime(message.created_at)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    for attachment in message.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        params = attachment.get("params") or {}
        email.add_attachment(
            base64.b64decode(attachment["content_b64"]),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
            params=params,
        )
    return email


def _backoff(attempts: int) -> timedelta:
    base = current_app.config["OUTBOX_BACKOFF_SECONDS"]
    cap = current_app.config["OUTBOX_BACKOFF_MAX_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def lease() -> timedelta:
    """How long a claim protects a message that is being sent (OUTBOX_LEASE_SECONDS)."""
    return timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])


def release_stale_claims(now: datetime) -> int:
    """Put back rows a crashed worker left in ``sending`` for longer than the lease (or give up on
    them once they have used every attempt)."""
    max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - lease())
        .values(
            status=sa.case((OutboxMessage.attempts >= max_attempts, "dead"), else_="pending"),
            claimed_at=None,
            last_error=sa.case(
                (OutboxMessage.attempts >= max_attempts, "a worker stopped while sending it, every attempt"),
                else_=OutboxMessage.last_error,
            ),
        )
    )
    return result.rowcount


def claim_next(now: datetime, skip: Collection[int] = ()) -> OutboxMessage | None:
    """Take the next due row for this worker (pending → sending) and commit; None when none is due.

    ``skip``: rows this pass has already handled (a message that failed is not retried in the
    same pass, even if its backoff is shorter than the pass).
    """
    while True:
        query = (
            sa.select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
        )
        if skip:
            query = query.where(OutboxMessage.id.not_in(list(skip)))
        message_id = db.session.scalar(query)
        if message_id is None:
            db.session.commit()
            return None
        result = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
            .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
        )
        if result.rowcount == 1:
            message = db.session.get(OutboxMessage, message_id, populate_existing=True)
            db.session.expunge(message)  # loaded and detached: reading it later opens no transaction
            db.session.commit()  # the claim is durable before any SMTP is spoken
            return message
        db.session.commit()  # another worker took it first: look again


def _write_with_retry(statement, deadline: float) -> int:
    """Run one UPDATE in its own transaction; when the database refuses (locked, restarting,
    connection lost) roll back and try again until ``deadline`` (time.monotonic()), then raise."""
    pause = 0.05
    while True:
        try:
            result = db.session.execute(statement)
            db.session.commit()
            return result.rowcount
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
            db.session.rollback()
            if time.monotonic() + pause > deadline:
                raise
            logger.warning("outbox: could not record an outcome, retrying: %s", error)
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def _record_sent(message_id: int, sent_at: datetime) -> bool:
    """Mark a message the server accepted as ``sent``.

    Retried for up to a lease when the database refuses, since giving up means sending it again.
    Written whether or not our claim is still current (a lease that ran out while we were sending
    must not make another worker send it again), but never over another worker's outcome.
    """
    statement = (
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(("sending", "pending")))
        .values(status="sent", claimed_at=None, sent_at=sent_at, last_error=None, **_redacted())
    )
    return _write_with_retry(statement, time.monotonic() + lease().total_seconds()) == 1


def _record(message_id: int, claimed_at: datetime, **values) -> bool:
    """Write a failure outcome, only if the row is still this worker's claim."""
    statement = (
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "sending",
               OutboxMessage.claimed_at == claimed_at)
        .values(claimed_at=None, **values)
    )
    return _write_with_retry(statement, time.monotonic() + lease().total_seconds()) == 1


def _smtp_connection() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=config["SMTP_TIMEOUT"])
    try:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
    except Exception:
        smtp.close()
        raise
    return smtp


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _is_permanent(error: Exception) -> bool:
    """Only a 5xx refusal of this message or its recipient is final. Connection, greeting,
    authentication and sender problems are the server's or our configuration's, and get better
    once fixed, so those messages wait and retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, (smtplib.SMTPConnectError, smtplib.SMTPHeloError, smtplib.SMTPSenderRefused,
                          smtplib.SMTPAuthenticationError)):
        return False
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, (ValueError, TypeError, UnicodeError))  # a message that can't be built or encoded


def _redacted() -> dict:
    """Sent mail keeps its envelope for the record, not its body: bodies carry sign-in and
    action links, which must not sit in the database once delivered (nor, after
    OUTBOX_DEAD_RETENTION_DAYS, once given up on: redact_dead)."""
    return {"text_body": "", "html_body": "", "attachments": []}


def redact_dead(now: datetime) -> int:
    """Empty the bodies of undeliverable (``dead``) messages queued more than
    OUTBOX_DEAD_RETENTION_DAYS ago, as sending does at once: the envelope (recipient, subject,
    kind, dates, attempts, last error) stays for the record, the links in the body do not stay
    forever. Returns how many rows it emptied; every worker pass runs it."""
    cutoff = now - timedelta(days=current_app.config["OUTBOX_DEAD_RETENTION_DAYS"])
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == "dead", OutboxMessage.created_at < cutoff,
               sa.or_(OutboxMessage.text_body != "", OutboxMessage.html_body != ""))
        .values(**_redacted())
    )
    return result.rowcount


class _Connection:
    """The pass's one SMTP connection, opened when the first message needs it.

    If it cannot be opened, every message of the pass gets that error (and its backoff) without
    a new attempt per message. After an error that leaves the conversation out of step (timeout,
    reset) it is dropped and the next message opens a new one. A reused connection the server
    closed meanwhile (idle timeout, a per-connection limit, a 421) is reopened once, at once.
    """

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None
        self.error: Exception | None = None
        self.used = False

    def send(self, email: EmailMessage, to_addr: str) -> None:
        if self.error is not None:
            raise self.error
        if self.smtp is None:
            self._open()
        reused = self.used
        try:
            self._send(email, to_addr)
        except (smtplib.SMTPServerDisconnected, ConnectionError) as error:
            if not reused:
                raise
            logger.info("outbox: the SMTP server closed the connection (%s); reconnecting", error)
            self._open()
            self._send(email, to_addr)

    def _send(self, email: EmailMessage, to_addr: str) -> None:
        try:
            self.smtp.send_message(email, to_addrs=[to_addr])
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
            raise  # the server answered: the conversation is still in step
        except Exception:
            self.close()  # state unknown: the next message starts a new conversation
            raise
        self.used = True

    def _open(self) -> None:
        try:
            self.smtp = _smtp_connection()
        except (OSError, smtplib.SMTPException) as error:
            self.error = error
            raise

    def close(self) -> None:
        _close(self.smtp)
        self.smtp, self.used = None, False


def _send_one(message: OutboxMessage, connection: _Connection, started_at: datetime, result: DrainResult) -> None:
    """Build, send and record one claimed message (its log lines carry the id of the request that
    queued it: ``drain_outbox`` sets it)."""
    config = current_app.config
    message_id, attempts, claimed_at = message.id, message.attempts, message.claimed_at
    try:
        email = build_email(message, config["MAIL_FROM"])
    except Exception as error:  # noqa: BLE001 (one broken row must not hold up the others)
        text = f"{type(error).__name__}: {error}"[:2000]
        _record(message_id, claimed_at, status="dead", last_error=text)
        result.dead += 1
        result.errors.append(text)
        logger.error("outbox message %s cannot be built: %s", message_id, text)
        return
    try:
        connection.send(email, message.to_addr)  # no transaction is open here
    except Exception as error:  # noqa: BLE001  (recorded on the row below)
        text = f"{type(error).__name__}: {error}"[:2000]
        result.errors.append(text)
        if _is_permanent(error) or attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
            _record(message_id, claimed_at, status="dead", last_error=text)
            result.dead += 1
            logger.error("outbox message %s is dead after %s attempts: %s", message_id, attempts, text)
        else:
            _record(message_id, claimed_at, status="pending", last_error=text,
                    next_attempt_at=started_at + _backoff(attempts))
            result.retrying += 1
            logger.warning("outbox message %s failed (attempt %s), will retry: %s", message_id, attempts, text)
        return
    if not _record_sent(message_id, utcnow()):
        logger.warning("outbox message %s was sent; another worker had already recorded it", message_id)
    logger.info("outbox message %s (%s) sent, attempt %s", message_id, message.kind, attempts)
    result.sent += 1


def drain_outbox(now: datetime | None = None, limit: int = OUTBOX_PASS_LIMIT,
                 should_stop: Callable[[], bool] = lambda: False) -> DrainResult:
    """Send up to ``limit`` messages that are due now, one claim at a time; return what happened.
    Safe to run in parallel. ``now`` moves the pass's clock (tests); it advances in real time.
    ``should_stop`` is asked before each claim: a worker told to stop (SIGTERM) finishes the message
    it is sending and claims no other."""
    started, started_at = time.monotonic(), now or utcnow()

    def clock() -> datetime:
        return started_at + timedelta(seconds=time.monotonic() - started)

    result = DrainResult()
    release_stale_claims(clock())
    redact_dead(clock())
    db.session.commit()
    connection = _Connection()
    handled: set[int] = set()
    try:
        while len(handled) < limit and not should_stop():
            message = claim_next(clock(), skip=handled)
            if message is None:
                break
            handled.add(message.id)
            with request_id_as(message.request_id):
                _send_one(message, connection, started_at, result)
    finally:
        connection.close()
    return result
