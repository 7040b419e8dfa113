"""Write audit events (flush only; they commit with the change they describe)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
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


def timeline(candidate_id: int, limit: int = 200) -> list[AuditEvent]:
    """A candidate's events, newest first."""
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.candidate_id == candidate_id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    ))
