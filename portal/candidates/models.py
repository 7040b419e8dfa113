"""Positions and candidates."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import Choice
from ..extensions import db
from ..generations import watch
from ..i18n import _l, lazy_pgettext
from ..timeutil import UTCDateTime, utcnow



class Stage(StrEnum):
    """Where a candidate is: deciding on the offer, or what they decided (stored as the value)."""

    OFFER = "offer"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


STAGES = tuple(Stage)
# Labels are lazy (shown in the reader's language): str() one before storing it anywhere.
# (The context tells translators these describe one candidate: "Aceptada", not the analytics' "Aceptadas".)
STAGE_LABELS = {Stage.OFFER: _l("Offer stage"), Stage.ACCEPTED: lazy_pgettext("candidate stage", "Accepted"),
                Stage.DECLINED: lazy_pgettext("candidate stage", "Declined"),
                Stage.WITHDRAWN: lazy_pgettext("candidate stage", "Withdrawn")}
OUTCOMES = (Stage.ACCEPTED, Stage.DECLINED, Stage.WITHDRAWN)
# Why a candidate declined: recorded by the recruiter from this list (plus free text), charted in analytics.
DECLINE_REASONS = {
    "compensation": _l("Compensation"),
    "other_offer": _l("Accepted another offer"),
    "counter_offer": _l("Counter-offer from their employer"),
    "role_scope": _l("Role or scope"),
    "team_culture": _l("Team or culture"),
    "company_direction": _l("Company direction or stability"),
    "location": _l("Location or remote policy"),
    "timing": _l("Timing or personal circumstances"),
    "process": _l("Our hiring process"),
    "other": _l("Other"),
}


class Position(db.Model):
    __tablename__ = "position"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(160))
    team: Mapped[str] = mapped_column(sa.String(120), default="")
    hiring_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    hiring_manager: Mapped[User | None] = relationship()


class Candidate(db.Model):
    """A person at (or past) the offer stage for one position (1:1 with their User)."""

    __tablename__ = "candidate"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    position_id: Mapped[int] = mapped_column(sa.ForeignKey("position.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    stage: Mapped[str] = mapped_column(Choice(12), default=Stage.OFFER)
    offer_made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decision_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(sa.String(30))  # a DECLINE_REASONS key
    decision_note: Mapped[str | None] = mapped_column(sa.Text)  # the recruiter's free text about the outcome
    source: Mapped[str] = mapped_column(sa.String(60), default="")
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # invitation e-mail sent
    first_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], back_populates="candidacy")
    position: Mapped[Position] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    exit_survey: Mapped[ExitSurvey | None] = relationship(back_populates="candidate", uselist=False,
                                                          passive_deletes=True)

    __table_args__ = (
        sa.CheckConstraint(f"stage IN ({', '.join(repr(str(stage)) for stage in Stage)})", name="stage_known"),
        sa.Index("ix_candidate_stage_deadline", "stage", "decision_deadline"),
        # Analytics recompute one (position, month of the offer) cell at a time.
        sa.Index("ix_candidate_position_offer", "position_id", "offer_made_at"),
        # The recruiters' list (candidates.services.list_candidates): its default order exactly (at the
        # offer stage first, soonest deadline first), and "recently added"; read in order, never sorted.
        sa.Index("ix_candidate_list_deadline", sa.text("(stage <> 'offer')"), sa.text("(decision_deadline IS NULL)"),
                 "decision_deadline", "id"),
        sa.Index("ix_candidate_created", "created_at", "id"),
    )

    @property
    def stage_label(self) -> str:
        """The stage in the reader's language."""
        return str(STAGE_LABELS[self.stage])

    @property
    def in_offer_process(self) -> bool:
        """Still deciding, with an account (not erased): e-mailed links about their questions,
        conversations and feedback work only while this holds."""
        return self.stage == Stage.OFFER and self.user is not None and self.user.active

    @property
    def keeps_conversations(self) -> bool:
        """Deciding, or accepted (accepting keeps their conversations and questions going; declining
        or withdrawing calls them off), with an account: links about them work only while this holds."""
        return self.stage in (Stage.OFFER, Stage.ACCEPTED) and self.user is not None and self.user.active


class ExitSurvey(db.Model):
    """The optional question sent to a candidate who declined: what would have changed your mind?"""

    __tablename__ = "exit_survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidate.id", ondelete="CASCADE"), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(sa.Text)  # what would have changed their mind

    candidate: Mapped[Candidate] = relationship(back_populates="exit_survey")


# How many candidates there are, kept by the recruiters' list (services.list_candidates) until one
# comes or goes (generations.py).
watch("candidates", Candidate, attributes=())
# How many a search or a filter of that list finds, kept until what it reads changes: a candidate comes,
# goes, or changes stage or position; a name or an address; a position's title. Writers round the ORM
# that may change those call ``bump`` themselves (demodata.scale; an erasure renames the account).
LIST_GENERATION = "candidate-list"
watch(LIST_GENERATION, Candidate, attributes=("user_id", "position_id", "stage"))
watch(LIST_GENERATION, User, attributes=("name", "email"))
watch(LIST_GENERATION, Position, attributes=("title",))
