"""TextVersion: every saved version of an e-mail text, per kind and language; never updated.

The newest version of a (kind, language) is the one in use; a version with neither subject nor
opening is a reset to our default (our translation of it).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

MAX_SUBJECT = 200
MAX_OPENING = 5_000


class TextVersion(db.Model):
    __tablename__ = "text_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(8))
    subject: Mapped[str | None] = mapped_column(sa.String(MAX_SUBJECT))  # None: our default
    opening: Mapped[str | None] = mapped_column(sa.Text)  # None: our default
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship()

    __table_args__ = (sa.Index("ix_text_version_kind_language", "kind", "language", "id"),)

    @property
    def is_reset(self) -> bool:
        return self.subject is None and self.opening is None
