"""Conversations: a candidate's request that becomes a session (or a written answer)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from ..auth.models import User
from ..candidates.models import Candidate
from ..database import Choice
from ..extensions import db
from ..i18n import _l, ngettext
from ..timeutil import UTCDateTime, utcnow

# What a candidate can ask for (the request form); every kind a conversation can be is in KINDS.
# The labels are lazy (translated where they are shown); the keys are what the database stores.
FORMATS = {"video": _l("Video call"), "phone": _l("Phone call"), "in_person": _l("In person"),
           "written": _l("Written answers")}
KINDS = {**FORMATS, "office_hours": _l("Office hours")}  # office hours: a drop-in talk (portal.office_hours)
LENGTHS = (15, 30, 45)
ALL_LENGTHS = (10, 15, 20, 30, 45)  # office hours talks are 10, 15, 20 or 30 minutes


class Status(StrEnum):
    """Where a conversation is (stored as the value); ``states.TRANSITIONS`` says which way it may go."""

    REQUESTED = "requested"
    NEEDS_APPROVAL = "needs_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    INVITED = "invited"
    PROPOSED = "proposed"  # the person proposed other times: the candidate's turn to answer
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    EXPIRED = "expired"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


STATUSES = tuple(Status)
# Each status as a sentence says it ("it is now %(status)s"), in the reader's language.
STATUS_WORDS = {
    Status.REQUESTED: _l("requested"), Status.NEEDS_APPROVAL: _l("waiting for approval"),
    Status.APPROVED: _l("approved"), Status.REJECTED: _l("rejected"), Status.INVITED: _l("invited"),
    Status.PROPOSED: _l("proposed"), Status.CONFIRMED: _l("confirmed"), Status.DECLINED: _l("declined"),
    Status.EXPIRED: _l("expired"), Status.COMPLETED: _l("completed"), Status.CANCELLED: _l("cancelled"),
    Status.NO_SHOW: _l("a no-show"),
}


def status_word(status: str) -> str:
    """``needs_approval`` → "waiting for approval": a status as words in a sentence."""
    word = STATUS_WORDS.get(status)
    return str(word) if word is not None else status.replace("_", " ")

# A person's time is held from confirmation until the conversation is over or called off.
BOOKING_UNIT_MINUTES = 15
# A request still waiting for an answer; a candidate has at most one per person (``ux_meeting_one_waiting``).
WAITING = (Status.REQUESTED, Status.NEEDS_APPROVAL, Status.APPROVED, Status.INVITED, Status.PROPOSED)

_WAITING_SQL = "status IN ({})".format(", ".join(f"'{status}'" for status in WAITING))

meeting_question = sa.Table(
    "meeting_question",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("question_id", sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True),
)


class Meeting(db.Model):
    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(Choice(12), default="video")
    length_minutes: Mapped[int] = mapped_column(default=30)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(Choice(16), default="requested")
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    video_link: Mapped[str | None] = mapped_column(sa.String(500))
    uid: Mapped[str] = mapped_column(sa.String(120), unique=True)  # the calendar UID, stable for life
    sequence: Mapped[int] = mapped_column(default=0)  # bumped on every change sent to calendars
    reason: Mapped[str | None] = mapped_column(sa.Text)  # decline / reject / cancel reason, shown to the candidate
    redirected_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    rating: Mapped[int | None] = mapped_column()
    answered_needs: Mapped[bool | None] = mapped_column()
    no_show_reported_by: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    staff: Mapped[User] = relationship(foreign_keys=[staff_id])
    candidate: Mapped[Candidate] = relationship()
    slots: Mapped[list[ProposedSlot]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                      order_by="ProposedSlot.start_at")
    counter_times: Mapped[list[CounterTime]] = relationship(back_populates="meeting", cascade="all, delete-orphan",
                                                            order_by="CounterTime.start_at")
    transitions: Mapped[list[MeetingTransition]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingTransition.at")
    # How many times the candidate offered, read with a list of conversations that shows only that
    # (requests.candidate_meetings) instead of loading each one's times. None where it was not read with
    # the list (a conversation read another way, or expired since by a commit): then count ``slots``.
    times_offered: Mapped[int | None] = query_expression()

    __table_args__ = (
        sa.CheckConstraint(f"status IN ({', '.join(repr(str(status)) for status in Status)})", name="status_known"),
        sa.CheckConstraint(f"format IN ({', '.join(map(repr, KINDS))})", name="format_known"),
        sa.CheckConstraint(f"length_minutes IN ({', '.join(map(str, ALL_LENGTHS))})", name="length_known"),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        # A person's conversations in a period: their busy times, and the busiest week in analytics,
        # answered from the index alone (status and candidate are in it).
        sa.Index("ix_meeting_staff_start_status", "staff_id", "start_at", "status", "candidate_id"),
        # The approval queue and the worker start from the few conversations in one status.
        sa.Index("ix_meeting_status_created", "status", "created_at"),
        # At most one waiting request per candidate and person, whatever the interleaving of requests.
        sa.Index("ux_meeting_one_waiting", "candidate_id", "staff_id", unique=True,
                 sqlite_where=sa.text(_WAITING_SQL), postgresql_where=sa.text(_WAITING_SQL)),
    )

    @property
    def format_label(self) -> str:
        """The kind of conversation in the reader's language (``Video call``)."""
        return str(KINDS[self.format])

    @property
    def format_and_length(self) -> str:
        """``Video call, 30 minutes``; written answers take no time together, so no length."""
        if self.format == "written":
            return self.format_label
        return ngettext("%(format)s, %(num)d minute", "%(format)s, %(num)d minutes", self.length_minutes,
                        format=self.format_label)


class ProposedSlot(db.Model):
    """A time the candidate offered; the person accepts one of them."""

    __tablename__ = "proposed_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())

    meeting: Mapped[Meeting] = relationship(back_populates="slots")


class CounterTime(db.Model):
    """A time the person proposed instead (status ``proposed``); the candidate accepts one of them."""

    __tablename__ = "counter_time"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())

    meeting: Mapped[Meeting] = relationship(back_populates="counter_times")


class MeetingTransition(db.Model):
    """Every change of state, with who and when (timeline and analytics)."""

    __tablename__ = "meeting_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(Choice(16))
    to_status: Mapped[str] = mapped_column(Choice(16))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str | None] = mapped_column(sa.Text)

    meeting: Mapped[Meeting] = relationship(back_populates="transitions")


class BookedUnit(db.Model):
    """One 15-minute unit of a person's time held by a confirmed conversation or by a window of
    office hours (``window_id``; ``portal.office_hours``): exactly one of the two.

    The primary key (person, unit start) is the double-booking guard: two conversations that
    overlap by even one unit cannot both be confirmed, nor a conversation and a window, whatever
    their lengths, on SQLite and PostgreSQL alike and across any number of processes.
    """

    __tablename__ = "booked_unit"

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    unit_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hours_window.id", ondelete="CASCADE"), index=True)

    __table_args__ = (sa.CheckConstraint("(meeting_id IS NULL) <> (window_id IS NULL)", name="one_holder"),)


class CandidateBookedUnit(db.Model):
    """One 15-minute unit of a candidate's time held by a confirmed conversation: the same guard as
    ``BookedUnit`` for the other side, so two people accepting the same candidate's time (one after
    the other or at once) cannot both confirm it."""

    __tablename__ = "candidate_booked_unit"

    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"), primary_key=True)
    unit_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
