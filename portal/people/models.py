"""Staff profiles: who a candidate can talk to."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db

GROUPS = ("leadership", "team", "investor", "board", "alumni")
GROUP_LABELS = {
    "leadership": "Leadership",
    "team": "The team",
    "investor": "Investors",
    "board": "Board members",
    "alumni": "Former employees",
}
# Conversations with these groups wait for a recruiter's approval unless switched off per person.
APPROVAL_BY_DEFAULT = frozenset({"leadership", "investor", "board"})


class StaffProfile(db.Model):
    """One person in the directory (1:1 with their User)."""

    __tablename__ = "staff_profile"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    group: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(120))
    team: Mapped[str] = mapped_column(sa.String(120), default="")
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    topics: Mapped[str] = mapped_column(sa.Text, default="")  # comma-separated "ask me about"
    sort_order: Mapped[int] = mapped_column(default=100)
    visible: Mapped[bool] = mapped_column(default=True)
    accepting_requests: Mapped[bool] = mapped_column(default=True)
    needs_approval: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(backref=sa.orm.backref("profile", uselist=False))

    __table_args__ = (
        sa.CheckConstraint("\"group\" IN ('leadership', 'team', 'investor', 'board', 'alumni')", name="group_known"),
    )

    @property
    def group_label(self) -> str:
        return GROUP_LABELS[self.group]

    @property
    def topic_list(self) -> list[str]:
        return [t.strip() for t in self.topics.split(",") if t.strip()]
