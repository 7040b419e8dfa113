"""The outbox worker: sends due messages over SMTP with retries and exponential backoff.

The database is never locked during an SMTP conversation: due rows are claimed in one short
transaction (``pending`` → ``sending``, compare-and-swap so two workers never take the same row),
sent with no transaction open, and each outcome is recorded in its own short transaction.
A worker that dies mid-send leaves rows in ``sending``; they are released again after
OUTBOX_CLAIM_TIMEOUT_SECONDS, and the stable Message-ID lets receivers drop the duplicate.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..timeutil import utcnow
from .models import OutboxMessage

logger = logging.getLogger(__name__)


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


def release_stale_claims(now: datetime) -> int:
    """Put back rows a crashed worker left in ``sending``."""
    cutoff = now - timedelta(seconds=current_app.config["OUTBOX_CLAIM_TIMEOUT_SECONDS"])
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < cutoff)
        .values(status="pending", claimed_at=None)
    )
    return result.rowcount


def claim_due(now: datetime, limit: int) -> list[OutboxMessage]:
    """Take up to ``limit`` due rows for this worker (pending → sending)."""
    ids = db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    claimed = []
    for message_id in ids:
        result = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
            .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    if not claimed:
        return []
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(claimed))))


def _record(message_id: int, claimed_at: datetime, **values) -> bool:
    """Write the outcome, only if the row is still this worker's claim."""
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "sending",
               OutboxMessage.claimed_at == claimed_at)
        .values(claimed_at=None, **values)
    )
    db.session.commit()
    return result.rowcount == 1


def _renew_claim(message_id: int, claimed_at: datetime) -> datetime | None:
    """Re-stamp the claim just before sending; None if another worker took the row back
    (our batch ran longer than the claim timeout), in which case we must not send it."""
    now = utcnow()
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "sending",
               OutboxMessage.claimed_at == claimed_at)
        .values(claimed_at=now)
    )
    db.session.commit()
    return now if result.rowcount == 1 else None


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
    action links, which must not sit in the database once delivered."""
    return {"text_body": "", "html_body": "", "attachments": []}


def drain_outbox(now: datetime | None = None, limit: int = 20) -> DrainResult:
    """Send every message that is due now; return what happened. Safe to run in parallel."""
    now = now or utcnow()
    config = current_app.config
    result = DrainResult()
    release_stale_claims(now)
    work = []
    for message in claim_due(now, limit):
        try:
            work.append((message.id, message.attempts, message.to_addr, build_email(message, config["MAIL_FROM"])))
        except Exception as error:  # one broken row must not hold up the others
            text = f"{type(error).__name__}: {error}"[:2000]
            message.status, message.claimed_at, message.last_error = "dead", None, text
            result.dead += 1
            result.errors.append(text)
            logger.error("outbox message %s cannot be built: %s", message.id, text)
    db.session.commit()  # the claim is durable and no transaction stays open while we talk SMTP
    if not work:
        return result

    smtp = None
    connect_error: Exception | None = None
    try:
        smtp = _smtp_connection()
    except (OSError, smtplib.SMTPException) as error:
        connect_error = error

    claimed_at = now
    try:
        for message_id, attempts, to_addr, email in work:
            stamp = _renew_claim(message_id, claimed_at)
            if stamp is None:
                continue
            error = connect_error
            if error is None:
                try:
                    smtp.send_message(email, to_addrs=[to_addr])
                except Exception as send_error:  # noqa: BLE001  (recorded on the row below)
                    error = send_error
            if error is None:
                _record(message_id, stamp, status="sent", sent_at=utcnow(), last_error=None, **_redacted())
                result.sent += 1
                continue
            text = f"{type(error).__name__}: {error}"[:2000]
            result.errors.append(text)
            if _is_permanent(error) or attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
                _record(message_id, stamp, status="dead", last_error=text)
                result.dead += 1
                logger.error("outbox message %s is dead after %s attempts: %s", message_id, attempts, text)
            else:
                _record(message_id, stamp, status="pending", last_error=text, next_attempt_at=now + _backoff(attempts))
                result.retrying += 1
                logger.warning("outbox message %s failed (attempt %s), will retry: %s", message_id, attempts, text)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return result


def run_worker(interval: float = 2.0, once: bool = False, should_stop=lambda: False) -> DrainResult:
    """Drain the outbox now and then every ``interval`` seconds until stopped.

    Each pass first runs the conversation chores (``portal.meetings.tasks.run_due``: expire
    unanswered invitations, queue halfway reminders), so whatever they queue goes out in the same
    pass, and recounts the analytics cells that changed (``portal.analytics.rollup.refresh_due``). They commit per conversation and never raise for one bad row.
    """
    from ..analytics.rollup import refresh_due
    from ..meetings.tasks import run_due

    total = DrainResult()
    while True:
        try:
            run_due(utcnow())
            refresh_due(utcnow())  # recount analytics cells that changed, off the page's clock
            db.session.commit()
            result = drain_outbox()
        except sa.exc.OperationalError as error:
            # The database is restarting or briefly unavailable: say so and try again later.
            db.session.rollback()
            logger.warning("outbox worker could not reach the database: %s", error)
            result = DrainResult(errors=[str(error)])
        except Exception as error:  # keep the worker alive; the next pass tries again
            db.session.rollback()
            logger.exception("outbox pass failed")
            result = DrainResult(errors=[f"{type(error).__name__}: {error}"])
        finally:
            db.session.remove()
        if result.sent or result.dead:
            logger.info("outbox: %s sent, %s to retry, %s undeliverable", result.sent, result.retrying, result.dead)
        total.sent += result.sent
        total.retrying += result.retrying
        total.dead += result.dead
        total.errors += result.errors
        if once or should_stop():
            return total
        slept = 0.0
        while slept < interval and not should_stop():
            time.sleep(0.2)
            slept += 0.2
