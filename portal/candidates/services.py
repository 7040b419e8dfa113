"""Candidates for recruiters: the list with its counts, creating a candidate, their page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..auth.services import AccountError, create_user
from ..extensions import db
from ..forms import FieldError
from ..i18n import _
from ..security import RECRUITER_ROLES
from .hooks import gather, list_counts
from .models import STAGES, Candidate, Position


class CandidateError(FieldError):
    """A candidate that cannot be created or changed as asked; ``field`` names the form field."""


@dataclass
class CandidateRow:
    """One line of the recruiter's list: the candidate and the counts other features add
    (``hooks.list_counts``: feedback given of asked, the message's state, questions answered)."""

    candidate: Candidate
    feedback_submitted: int = 0
    feedback_requested: int = 0
    questions_answered: int = 0
    questions_total: int = 0
    message_status: str | None = None


def count_for_candidate(model, *where):
    """``SELECT count(*) FROM model WHERE …`` for one row of the candidate list (correlated)."""
    return sa.select(sa.func.count()).select_from(model).where(*where).correlate(Candidate).scalar_subquery()


def list_candidates(stage: str = "", position_id: int | None = None, q: str = "") -> list[CandidateRow]:
    """Candidates with their progress counts in one query (plus eager loads), soonest deadline first."""
    counts = gather(list_counts, None)
    query = sa.select(Candidate, *(column.label(name) for name, column in counts.items())).join(Candidate.user).options(
        joinedload(Candidate.user), joinedload(Candidate.position), joinedload(Candidate.owner)
    )
    if stage in STAGES:
        query = query.where(Candidate.stage == stage)
    if position_id:
        query = query.where(Candidate.position_id == position_id)
    for word in q.lower().split()[:5]:
        query = query.where(sa.or_(sa.func.lower(User.name).contains(word, autoescape=True),
                                   sa.func.lower(User.email).contains(word, autoescape=True)))
    query = query.order_by(Candidate.stage != "offer", Candidate.decision_deadline.is_(None),
                           Candidate.decision_deadline, User.name).limit(500)
    return [CandidateRow(row[0], **{name: row._mapping[name] for name in counts})
            for row in db.session.execute(query).unique().all()]


def positions() -> list[Position]:
    return list(db.session.scalars(sa.select(Position).order_by(Position.title, Position.team)))


def recruiters() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.role.in_(RECRUITER_ROLES), User.active.is_(True)).order_by(User.name)
    ))


def create_candidate(data: dict, by: User) -> Candidate:
    """A candidate at the offer stage: their account, their position, their recruiter."""
    if data["position_id"] == "new":
        title = (data.get("new_position_title") or "").strip()
        if not title:
            raise CandidateError(_("Enter the title of the new position."), "new_position_title")
        position = Position(title=title, team=(data.get("new_position_team") or "").strip())
        db.session.add(position)
    else:
        position = db.session.get(Position, int(data["position_id"]))
        if position is None:
            raise CandidateError(_("Choose a position from the list."), "position_id")
    owner = db.session.get(User, int(data["owner_id"]))
    if owner is None or owner.role not in RECRUITER_ROLES:
        raise CandidateError(_("Choose a recruiter from the list."), "owner_id")
    try:
        user = create_user(data["email"], data["name"], "candidate", data["timezone"],
                           locale=data.get("locale") or None)
    except AccountError as error:
        raise CandidateError(str(error), "email") from None
    candidate = Candidate(user=user, position=position, owner=owner, stage="offer",
                          decision_deadline=data.get("decision_deadline"), source=data.get("source") or "")
    db.session.add(candidate)
    db.session.flush()
    record("candidate.created", f"{by.name} added {user.name} at the offer stage for {position.title}",
           actor=by, candidate=candidate, subject=candidate)
    return candidate


def get_candidate(candidate_id: int) -> Candidate | None:
    return db.session.get(Candidate, candidate_id,
                          options=[joinedload(Candidate.user), joinedload(Candidate.position),
                                   joinedload(Candidate.owner)])


def candidate_or_404(candidate_id: int) -> Candidate:
    """The candidate for a recruiter's page (with user, position and owner loaded), or 404."""
    candidate = get_candidate(candidate_id)
    if candidate is None:
        abort(404)
    return candidate


def note_sign_in(user: User, now: datetime) -> None:
    """The first sign-in of a candidate is a milestone on their timeline (and in the funnel)."""
    candidacy = user.candidacy if user.role == "candidate" else None
    if candidacy is not None and candidacy.first_signed_in_at is None:
        candidacy.first_signed_in_at = now
        record("candidate.first_sign_in", f"{user.name} signed in for the first time", actor=user,
               candidate=candidacy)
