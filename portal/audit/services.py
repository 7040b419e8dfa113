"""Write audit events (flush only; they commit with the change they describe)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..auth.models import User
from ..database import write_transaction
from ..extensions import db
from ..timeutil import utcnow
from .models import AuditEvent


def record(action: str, summary: str, *, actor=None, candidate=None, subject=None, **details) -> AuditEvent:
    """Append one event. ``summary`` is what a timeline shows, e.g. "Riley asked Tom for feedback"."""
    event = AuditEvent(
        action=action,
        summary=summary[:300],
        actor_id=getattr(actor, "id", None),
        candidate_id=getattr(candidate, "id", None),
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
        details=details,
    )
    db.session.add(event)
    db.session.flush()
    return event


VIEW_EVENT_EVERY = timedelta(minutes=30)


def record_view(candidate, viewer) -> bool:
    """A recruiter opened the candidate's page: one event per viewer and candidate per half hour.

    Runs in its own short write transaction (the page itself is a GET) and commits it.
    """
    since = utcnow() - VIEW_EVENT_EVERY
    recent = db.session.scalar(sa.select(AuditEvent.id).where(
        AuditEvent.action == "candidate.viewed", AuditEvent.candidate_id == candidate.id,
        AuditEvent.actor_id == viewer.id, AuditEvent.at >= since).limit(1))
    if recent is not None:
        return False
    candidate_id, viewer_id, name = candidate.id, viewer.id, viewer.name
    with write_transaction():
        db.session.add(AuditEvent(action="candidate.viewed", summary=f"{name} opened the candidate's page",
                                  actor_id=viewer_id, candidate_id=candidate_id, subject_type="Candidate",
                                  subject_id=candidate_id, details={}))
    return True


# Who opened a candidate's page is for the audit trail (/recruiter/audit), not the candidate's story.
NOT_IN_THE_STORY = ("candidate.viewed",)


def timeline(candidate_id: int, limit: int = 200) -> list[AuditEvent]:
    """What happened to a candidate, newest first (``NOT_IN_THE_STORY`` stays in the audit trail)."""
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.candidate_id == candidate_id,
                                    AuditEvent.action.not_in(NOT_IN_THE_STORY))
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    ))


# --- the audit trail (/recruiter/audit) -----------------------------------------------------------

PAGE = 50


@dataclass(frozen=True)
class EventFilter:
    """Which events the audit trail shows (every one by default)."""

    action: str = ""  # the start of the action, e.g. "meeting." or "meeting.requested"
    who: str = ""  # part of the actor's name or e-mail address, any case
    candidate_id: int | None = None
    start: date | None = None  # the first day, in the viewer's zone
    end: date | None = None  # the last day, in the viewer's zone
    before: int | None = None  # only events older than this one (the next page)


def find_events(filters: EventFilter, zone: ZoneInfo, limit: int = PAGE) -> tuple[list[AuditEvent], bool]:
    """Up to ``limit`` events that match, newest first, and whether there are older ones that match."""
    query = sa.select(AuditEvent).options(joinedload(AuditEvent.actor))
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
    if filters.who:
        who = filters.who.lower()
        actors = sa.select(User.id).where(sa.or_(sa.func.lower(User.name).contains(who, autoescape=True),
                                                 sa.func.lower(User.email).contains(who, autoescape=True)))
        query = query.where(AuditEvent.actor_id.in_(actors))
    if filters.candidate_id is not None:
        query = query.where(AuditEvent.candidate_id == filters.candidate_id)
    if filters.start:
        query = query.where(AuditEvent.at >= datetime.combine(filters.start, time(0), tzinfo=zone))
    if filters.end:
        day_after = filters.end + timedelta(days=1)
        query = query.where(AuditEvent.at < datetime.combine(day_after, time(0), tzinfo=zone))
    if filters.before is not None:
        query = query.where(AuditEvent.id < filters.before)
    events = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    return events[:limit], len(events) > limit


def event_actions() -> list[str]:
    """Every action the trail holds, in order (the filter's choices)."""
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
