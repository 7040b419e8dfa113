"""Queue e-mail in the outbox. Rendering happens here, inside the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app, render_template
from jinja2_fragments.flask import render_block
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..timeutil import utcnow
from .models import OutboxMessage


def _one_line(text: str) -> str:
    """Header values are one line: CR/LF in a subject would otherwise inject headers."""
    return " ".join(text.split())


def mail_domain() -> str:
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "localhost"


def render_mail(kind: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) from ``templates/emails/<kind>.txt`` and ``.html``.

    The subject is the ``subject`` block of the text template, so one file owns the wording.
    """
    subject = _one_line(render_block(f"emails/{kind}.txt", "subject", **context))
    text = render_template(f"emails/{kind}.txt", **context).strip() + "\n"
    html = render_template(f"emails/{kind}.html", subject=subject, **context)
    return subject, text, html


def queue_mail(
    kind: str,
    to: str,
    dedupe_key: str,
    *,
    send_after: datetime | None = None,
    attachments: list[dict] | None = None,
    **context,
) -> OutboxMessage:
    """Add one e-mail to the outbox (flush, no commit) and return it.

    Queuing the same ``dedupe_key`` twice returns the first message and adds nothing, even when
    two requests race (the unique index decides; the loser's savepoint is rolled back).
    """
    existing = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    subject, text, html = render_mail(kind, **context)
    message = OutboxMessage(
        dedupe_key=dedupe_key,
        message_id=f"<{uuid.uuid4().hex}@{mail_domain()}>",
        kind=kind,
        to_addr=to,
        subject=subject,
        text_body=text,
        html_body=html,
        attachments=attachments or [],
        next_attempt_at=send_after or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    return message
