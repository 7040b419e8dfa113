"""Read-side queries for the recruiter's and the candidate's home pages, the candidate's time settings, and the
readiness check. The person's home (staff) and its links: ``staff``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..candidates.models import Candidate
from ..extensions import db, limiter
from ..feedback.models import FeedbackMessage, InterviewFeedback
from ..feedback.services import published_message
from ..i18n import _, known_language, ngettext
from ..meetings import notify
from ..meetings.models import WAITING, Meeting, MeetingTransition, Status
from ..questions.services import question_progress
from ..timeutil import utcnow

logger = logging.getLogger(__name__)


# --- the recruiter's home: the offer stage, and what is waiting for a recruiter --------------------

EXPIRY_WARNING = timedelta(hours=24)  # invitations this close to expiring are worth a nudge
DEADLINE_WINDOW = timedelta(days=7)  # decision deadlines this close are "this week"


@dataclass
class FeedbackDue:
    """A candidate and the interviewers who haven't given their feedback yet (asked longest ago first)."""

    candidate: Candidate
    rows: list[InterviewFeedback]


@dataclass
class OpenInvitation:
    """An invitation waiting for the person's answer, and when it expires (``notify.invitation_expires_at``)."""

    meeting: Meeting
    expires_at: datetime


def how_long(since: datetime, now: datetime) -> str:
    """``3 days``, ``1 day``, ``5 hours``, ``under an hour``: how long something has waited, rounded
    down, in the reader's language."""
    seconds = max(0, (now - since).total_seconds())
    if seconds >= 86400:
        return ngettext("%(num)d day", "%(num)d days", int(seconds // 86400))
    if seconds >= 3600:
        return ngettext("%(num)d hour", "%(num)d hours", int(seconds // 3600))
    return _("under an hour")


@dataclass
class WaitingRequest:
    """A request waiting for a recruiter's approval, and how long it has waited."""

    meeting: Meeting
    waited: str


@dataclass
class RecruiterOverview:
    candidates: list[Candidate]
    counts: dict[str, int]
    approvals: list[WaitingRequest] = field(default_factory=list)
    feedback_due: list[FeedbackDue] = field(default_factory=list)
    expiring: list[OpenInvitation] = field(default_factory=list)
    deadlines: list[Candidate] = field(default_factory=list)
    now: datetime | None = None

    @property
    def feedback_missing(self) -> int:
        return sum(len(due.rows) for due in self.feedback_due)

    @property
    def todo(self) -> int:
        return len(self.approvals) + self.feedback_missing + len(self.expiring) + len(self.deadlines)


def recruiter_overview(now: datetime | None = None) -> RecruiterOverview:
    """Candidates at the offer stage (soonest deadline first), a count per stage, and the recruiter's
    to-do list: requests waiting for approval (oldest first), interviewers who haven't given feedback
    (per candidate), invitations expiring within a day, and decision deadlines within a week.
    Five queries whatever the numbers."""
    now = now or utcnow()
    candidates = list(
        db.session.scalars(
            sa.select(Candidate)
            .where(Candidate.stage == "offer")
            .options(joinedload(Candidate.user), joinedload(Candidate.position), joinedload(Candidate.owner))
            .order_by(Candidate.decision_deadline.is_(None), Candidate.decision_deadline, Candidate.id)
        )
    )
    counts = dict(db.session.execute(sa.select(Candidate.stage, sa.func.count()).group_by(Candidate.stage)).all())
    approvals = [WaitingRequest(meeting, how_long(meeting.created_at, now)) for meeting in db.session.scalars(
        sa.select(Meeting).where(Meeting.status == Status.NEEDS_APPROVAL)
        .options(joinedload(Meeting.staff).joinedload(User.profile),
                 joinedload(Meeting.candidate).joinedload(Candidate.user))
        .order_by(Meeting.created_at, Meeting.id))]
    deadlines = [c for c in candidates
                 if c.decision_deadline is not None and now <= c.decision_deadline <= now + DEADLINE_WINDOW]
    return RecruiterOverview(candidates=candidates, counts=counts, approvals=approvals,
                             feedback_due=_by_candidate(feedback_not_given()), expiring=_expiring_invitations(now),
                             deadlines=deadlines, now=now)


def feedback_not_given(*where) -> list[InterviewFeedback]:
    """Feedback asked for and not given yet, that could still reach the candidate's message (the
    candidate is deciding, with an account; the message isn't published): asked longest ago first."""
    return list(db.session.scalars(
        sa.select(InterviewFeedback)
        .join(Candidate, InterviewFeedback.candidate_id == Candidate.id)
        .join(User, Candidate.user_id == User.id)
        .outerjoin(FeedbackMessage, FeedbackMessage.candidate_id == Candidate.id)
        .where(InterviewFeedback.submitted_at.is_(None), Candidate.stage == "offer", User.active.is_(True),
               sa.or_(FeedbackMessage.id.is_(None), FeedbackMessage.status != "published"), *where)
        .options(joinedload(InterviewFeedback.interviewer),
                 joinedload(InterviewFeedback.candidate).joinedload(Candidate.user),
                 joinedload(InterviewFeedback.candidate).joinedload(Candidate.position))
        .order_by(InterviewFeedback.requested_at, InterviewFeedback.id)))


def _by_candidate(rows: list[InterviewFeedback]) -> list[FeedbackDue]:
    grouped: dict[int, FeedbackDue] = {}
    for row in rows:
        grouped.setdefault(row.candidate_id, FeedbackDue(row.candidate, [])).rows.append(row)
    return list(grouped.values())


def _expiring_invitations(now: datetime) -> list[OpenInvitation]:
    """Invitations still open that expire within EXPIRY_WARNING, soonest first (one query). The
    expiry is ``notify.invitation_expires_at``'s: the latest move to invited (else creation) plus
    the invitation's hours, worked out in the query as the worker does (``meetings.tasks``)."""
    hours = timedelta(hours=notify.invitation_hours())
    invited_at = (sa.select(sa.func.max(MeetingTransition.at))
                  .where(MeetingTransition.meeting_id == Meeting.id, MeetingTransition.to_status == Status.INVITED)
                  .correlate(Meeting).scalar_subquery())
    since = sa.func.coalesce(invited_at, Meeting.created_at)
    rows = db.session.execute(
        sa.select(Meeting, since.label("since"))
        .where(Meeting.status == Status.INVITED, since > now - hours, since <= now + EXPIRY_WARNING - hours)
        .options(joinedload(Meeting.staff), joinedload(Meeting.candidate).joinedload(Candidate.user))
        .order_by(since, Meeting.id)).all()
    return [OpenInvitation(meeting, at + hours) for meeting, at in rows]


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
    """(confirmed conversations that haven't ended, soonest first, then answers coming in writing; waiting
    requests, those waiting for the candidate first (times proposed to them), then oldest first), each
    with its person: one query. A conversation that is under way stays until it ends, as on /meetings."""
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.candidate_id == candidacy.id,
               sa.or_(Meeting.status.in_(WAITING),
                      sa.and_(Meeting.status == Status.CONFIRMED,
                              sa.or_(Meeting.end_at > now, Meeting.end_at.is_(None)))))
        .options(joinedload(Meeting.staff))
        .order_by(Meeting.created_at, Meeting.id))
    upcoming, pending = [], []
    for meeting in meetings:
        (upcoming if meeting.status == Status.CONFIRMED else pending).append(meeting)
    upcoming.sort(key=lambda meeting: (meeting.start_at is None, meeting.start_at or now))
    pending.sort(key=lambda meeting: meeting.status != Status.PROPOSED)  # stable: oldest first otherwise
    return upcoming, pending


def update_time_settings(user, zone: str, day_start: int, day_end: int, language: str | None = None) -> None:
    """A person's own zone and hours (minutes after local midnight), and their language when given
    (one we ship: pages and e-mails follow it); the form has checked them."""
    user.timezone, user.day_start, user.day_end = zone, day_start, day_end
    if known_language(language):
        user.locale = known_language(language)
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
