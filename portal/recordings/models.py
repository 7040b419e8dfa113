"""Recorded answers: a person answers a question on video or audio instead of in writing.

- For one candidate: an answer to that candidate's question (``candidate_id`` and ``question_id``
  set). Only that candidate and the person who recorded it may play it; recruiters see that it
  exists, never what it says (as with private written answers).
- For everyone: an answer to a question of the shared bank (``bank_key`` set, no candidate), shown on
  the person's profile to every candidate; a candidate with that bank question on their list can
  mark it answered by the recording: the question is then ``answered_via == "recording"`` with
  ``answered_by_id`` the person, and (person, bank key) names the one recording.

The file itself lives under MEDIA_DIR, named by ``file_key`` (random, never user input); see
``media``. A re-recording replaces the file and keeps the row, so questions pointing at it still do.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..candidates.models import Candidate
from ..extensions import db
from ..timeutil import UTCDateTime, utcnow

MEDIA_TYPES = ("video/webm", "audio/webm", "audio/ogg", "video/mp4", "audio/mp4")


class Recording(db.Model):
    __tablename__ = "recording"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("question.id", ondelete="CASCADE"), index=True)
    bank_key: Mapped[str | None] = mapped_column(sa.String(40))
    file_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    media_type: Mapped[str] = mapped_column(sa.String(20))
    has_video: Mapped[bool] = mapped_column(default=False)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    duration_ms: Mapped[int] = mapped_column()
    summary: Mapped[str] = mapped_column(sa.Text)  # a summary or transcript: the answer for those who can't play it
    captions: Mapped[str | None] = mapped_column(sa.Text)  # WebVTT, optional
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    person: Mapped[User] = relationship()
    candidate: Mapped[Candidate | None] = relationship()

    __table_args__ = (
        # For one candidate, or for everyone through the bank: never both, never neither.
        sa.CheckConstraint("(candidate_id IS NULL) <> (bank_key IS NULL)", name="one_audience"),
        sa.CheckConstraint(f"media_type IN ({', '.join(map(repr, MEDIA_TYPES))})", name="media_type_known"),
        sa.CheckConstraint("duration_ms > 0 AND size_bytes > 0", name="not_empty"),
        # One answer per person to each bank question (re-recording replaces it).
        sa.UniqueConstraint("person_id", "bank_key"),
        # The answers to a candidate's bank questions, whoever gave them (the question list).
        sa.Index("ix_recording_bank_key", "bank_key"),
    )

    @property
    def for_everyone(self) -> bool:
        return self.bank_key is not None

    @property
    def duration_label(self) -> str:
        seconds = max(1, round(self.duration_ms / 1000))
        minutes, seconds = divmod(seconds, 60)
        return f"{minutes}:{seconds:02d}"
