"""Read-side queries for the home pages, and the readiness check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..candidates.models import Candidate
from ..extensions import db, limiter
from ..feedback.services import published_message
from ..meetings.models import WAITING, Meeting, Status
from ..questions.services import question_progress

logger = logging.getLogger(__name__)


@dataclass
class RecruiterOverview:
    candidates: list[Candidate]
    counts: dict[str, int]


def recruiter_overview() -> RecruiterOverview:
    """Candidates at the offer stage (soonest deadline first) and a count per stage."""
    candidates = list(
        db.session.scalars(
            sa.select(Candidate)
            .where(Candidate.stage == "offer")
            .options(joinedload(Candidate.user), joinedload(Candidate.position), joinedload(Candidate.owner))
            .order_by(Candidate.decision_deadline.is_(None), Candidate.decision_deadline, Candidate.id)
        )
    )
    counts = dict(db.session.execute(sa.select(Candidate.stage, sa.func.count()).group_by(Candidate.stage)).all())
    return RecruiterOverview(candidates=candidates, counts=counts)


def candidate_home(candidacy, now: datetime) -> dict:
    """What a candidate's home shows: the published message, their deadline, question progress,
    and their conversations still ahead: confirmed ones not over yet, and requests waiting for an answer."""
    if candidacy is None:
        return {"candidacy": None}
    answered, total = question_progress(candidacy)
    upcoming, pending = _conversations_ahead(candidacy, now)
    return {
        "candidacy": candidacy,
        "message": published_message(candidacy),
        "answered": answered,
        "total": total,
        "open_questions": total - answered,
        "upcoming": upcoming,
        "pending": pending,
        "now": now,
    }


def _conversations_ahead(candidacy, now: datetime) -> tuple[list[Meeting], list[Meeting]]:
    """(confirmed conversations that haven't ended, soonest first; waiting requests, oldest first),
    each with its person: one query. A conversation that is under way stays until it ends, as on /meetings."""
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.candidate_id == candidacy.id,
               sa.or_(Meeting.status.in_(WAITING), sa.and_(Meeting.status == Status.CONFIRMED, Meeting.end_at > now)))
        .options(joinedload(Meeting.staff))
        .order_by(Meeting.created_at, Meeting.id))
    upcoming, pending = [], []
    for meeting in meetings:
        (upcoming if meeting.status == Status.CONFIRMED else pending).append(meeting)
    return sorted(upcoming, key=lambda meeting: meeting.start_at), pending


def update_time_settings(user, zone: str, day_start: int, day_end: int) -> None:
    """A person's own zone and hours (minutes after local midnight); the form has checked them."""
    user.timezone, user.day_start, user.day_end = zone, day_start, day_end
    db.session.flush()


def readiness() -> dict[str, str]:
    """"ok" or "down" for each service this process needs to serve requests: the database, and
    Redis when the rate limits are kept there. Changes nothing; never raises."""
    checks = {}
    try:
        db.session.execute(sa.select(User.id).limit(1))  # a real table: the schema is there too
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as error:
        logger.warning("readiness: database unavailable: %s", error)
        checks["database"] = "down"
    finally:
        db.session.rollback()
    if not current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        # limits' check() pings, within REDIS_TIMEOUT_SECONDS, and never raises.
        checks["redis"] = "ok" if limiter.initialized and limiter.storage.check() else "down"
    return checks
