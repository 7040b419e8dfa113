"""Write audit events (flush only; they commit with the change they describe)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

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
    from ..database import write_transaction

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


def timeline(candidate_id: int, limit: int = 200) -> list[AuditEvent]:
    """A candidate's events, newest first."""
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.candidate_id == candidate_id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    ))
