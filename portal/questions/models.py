"""The candidate's questions, kept until every one is answered."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..candidates.models import Candidate
from ..database import Choice
from ..extensions import db
from ..i18n import _l
from ..timeutil import UTCDateTime, utcnow

# Labels are lazy (shown in the reader's language): str() one before storing it anywhere.
CATEGORIES = {
    "role_team": _l("Role and team"),
    "culture_people": _l("Culture and people"),
    "growth": _l("Growth"),
    "compensation_benefits": _l("Compensation and benefits"),
    "direction_finances": _l("Company direction and finances"),
    "other": _l("Other"),
}
ANSWERED_VIA = {"candidate": _l("Marked answered"), "conversation": _l("In a conversation"),
                "written": _l("Written answer"), "recording": _l("Recorded answer")}


class Question(db.Model):
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(Choice(30), default="other")
    directed_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    private: Mapped[bool] = mapped_column(default=False)
    bank_key: Mapped[str | None] = mapped_column(sa.String(40))  # set when added from the question bank
    status: Mapped[str] = mapped_column(Choice(10), default="open")
    answered_via: Mapped[str | None] = mapped_column(sa.String(20))
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    written_answer: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    candidate: Mapped[Candidate] = relationship()
    directed_to: Mapped[User | None] = relationship(foreign_keys=[directed_to_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'answered')", name="status_known"),
        sa.CheckConstraint(
            "category IN ('role_team', 'culture_people', 'growth', 'compensation_benefits', "
            "'direction_finances', 'other')", name="category_known"),
        sa.Index("ix_question_candidate_status", "candidate_id", "status"),
        sa.UniqueConstraint("candidate_id", "bank_key"),
    )

    @property
    def category_label(self) -> str:
        """The category in the reader's language."""
        return str(CATEGORIES[self.category])

    @property
    def is_answered(self) -> bool:
        return self.status == "answered"

    def private_to_someone_else(self, user_id: int | None) -> bool:
        """A private question is for the candidate and the person it is directed to (or, directed to
        no one, whoever it is put to); anyone else must not see its text."""
        return self.private and self.directed_to_id is not None and self.directed_to_id != user_id
