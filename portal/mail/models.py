"""The outbox: one row per e-mail, written in the same transaction as the change behind it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Choice
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

OUTBOX_STATUSES = ("pending", "sending", "sent", "dead")


class OutboxMessage(db.Model):
    """A rendered e-mail waiting for (or done with) delivery.

    ``dedupe_key`` is unique, so the same event can never queue the same mail twice;
    ``message_id`` is fixed at creation, so a resend after a crash is recognisable as the
    same message by the receiving side.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    message_id: Mapped[str] = mapped_column(sa.String(250), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    to_addr: Mapped[str] = mapped_column(sa.String(320))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    attachments: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(Choice(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The id of the request (or worker pass) that queued it: the worker's log lines about sending it
    # carry the same id, so "I got no mail" can be followed from the click to the SMTP server.
    request_id: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'dead')", name="status_known"),
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
