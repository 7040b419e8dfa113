"""Marking analytics cells due when the ORM writes (``rollup.py`` recounts them): after every flush
that touched a candidate, question, conversation (or its history), exit survey or place in an office
hours queue, that candidate's cell (position, month of the offer) gets an ``AnalyticsRefresh`` row,
in the same transaction as the change.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..candidates.models import Candidate, ExitSurvey
from ..meetings.models import Meeting, MeetingTransition
from ..office_hours.models import HoursEntry
from ..questions.models import Question
from ..timeutil import utcnow
from .models import AnalyticsRefresh
from .rollup import Cell
from .sql import month_key


def _mark(session: Session, flush_context) -> None:
    candidate_ids: set[int] = set()
    meeting_ids: set[int] = set()
    cells: set[Cell] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Candidate):
            state = sa.inspect(obj)
            for attr in ("offer_made_at", "position_id"):
                history = state.attrs[attr].history
                if history.deleted:  # moved: the old cell changes too
                    old = {"offer_made_at": obj.offer_made_at, "position_id": obj.position_id}
                    old[attr] = history.deleted[0]
                    if old["offer_made_at"] is not None and old["position_id"] is not None:
                        cells.add((month_key(old["offer_made_at"]), old["position_id"]))
            if obj.offer_made_at is not None and obj.position_id is not None:
                cells.add((month_key(obj.offer_made_at), obj.position_id))
        elif isinstance(obj, Question | Meeting | ExitSurvey | HoursEntry):
            if obj.candidate_id is not None:
                candidate_ids.add(obj.candidate_id)
        elif isinstance(obj, MeetingTransition) and obj.meeting_id is not None:
            meeting_ids.add(obj.meeting_id)
    if not (candidate_ids or meeting_ids or cells):
        return
    connection = session.connection()
    if candidate_ids or meeting_ids:
        query = sa.select(Candidate.offer_made_at, Candidate.position_id).where(sa.or_(
            Candidate.id.in_(candidate_ids),
            Candidate.id.in_(sa.select(Meeting.candidate_id).where(Meeting.id.in_(meeting_ids)))))
        for offer_made_at, position_id in connection.execute(query):
            cells.add((month_key(offer_made_at), position_id))
    now = utcnow()
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(AnalyticsRefresh)
    connection.execute(
        insert.values([{"month": m, "position_id": pos, "due_at": now} for m, pos in sorted(cells)])
        .on_conflict_do_update(index_elements=["month", "position_id"], set_={"due_at": now}))


def init_rollup() -> None:
    """Listen to every ORM flush (once per process)."""
    if not sa.event.contains(Session, "after_flush", _mark):
        sa.event.listen(Session, "after_flush", _mark)
