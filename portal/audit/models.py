"""AuditEvent: one row per thing that happened; never updated."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(60))
    candidate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"))
    subject_type: Mapped[str | None] = mapped_column(sa.String(40))
    subject_id: Mapped[int | None] = mapped_column()
    summary: Mapped[str] = mapped_column(sa.String(300), default="")  # readable, no personal free text
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("ix_audit_event_candidate_at", "candidate_id", "at"),
        # The trail filtered by what happened, newest first; and the list of actions it holds, read
        # by skipping from one action to the next (audit.services.event_actions).
        sa.Index("ix_audit_event_action_at", "action", "at"),
    )
