"""Interviewer feedback (collected by e-mailed link) and the good-news message built from it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..candidates.models import Candidate
from ..database import Choice
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow


class InterviewFeedback(db.Model):
    """One interviewer's feedback on one candidate: requested, then submitted (or typed in)."""

    __tablename__ = "interview_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    interviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    went_well: Mapped[str] = mapped_column(sa.Text, default="")
    to_grow: Mapped[str] = mapped_column(sa.Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    candidate: Mapped[Candidate] = relationship()
    interviewer: Mapped[User] = relationship(foreign_keys=[interviewer_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])

    __table_args__ = (sa.UniqueConstraint("candidate_id", "interviewer_id"),)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class FeedbackMessage(db.Model):
    """The good-news message for one candidate: a draft until published; plain text."""

    __tablename__ = "feedback_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(Choice(10), default="draft")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    author: Mapped[User | None] = relationship()
    revisions: Mapped[list[MessageRevision]] = relationship(
        back_populates="message", cascade="all, delete-orphan", order_by="MessageRevision.created_at.desc()"
    )

    __table_args__ = (sa.CheckConstraint("status IN ('draft', 'published')", name="status_known"),)

    @property
    def is_published(self) -> bool:
        return self.status == "published"


class MessageRevision(db.Model):
    """A published version of the message, kept when it is published or changed afterwards."""

    __tablename__ = "message_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_message.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    message: Mapped[FeedbackMessage] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()
