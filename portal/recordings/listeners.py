"""What recordings do when features below them announce something (blinker signals they send)."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..questions import hooks as question_hooks
from .models import Recording
from .services import forget_file


@question_hooks.deleting.connect
def _question_deleted(question) -> None:
    """The database's cascade removes the rows of a deleted question's recordings; their files go once
    the deletion commits."""
    for recording in db.session.scalars(sa.select(Recording).where(Recording.question_id == question.id)):
        forget_file(recording)
