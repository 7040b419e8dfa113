"""The candidate's checklist before a conversation, one row per conversation, saved as they tick."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..i18n import _l
from ..timeutil import UTCDateTime, utcnow

# Field → what the candidate ticks; the order is the page's.
CHECKLIST = {
    "quiet_place": _l("I have a quiet place with a good connection"),
    "questions_ready": _l("My questions are ready"),
    "link_opened": _l("I opened the link (or know where we meet)"),
    "devices_checked": _l("My camera and microphone work"),
}


class MeetingPrep(db.Model):
    __tablename__ = "meeting_prep"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    quiet_place: Mapped[bool] = mapped_column(default=False)
    questions_ready: Mapped[bool] = mapped_column(default=False)
    link_opened: Mapped[bool] = mapped_column(default=False)
    devices_checked: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def ticked(self) -> list[str]:
        return [field for field in CHECKLIST if getattr(self, field)]
