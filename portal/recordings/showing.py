"""Recorded answers on the candidate's pages (the question list, a person's profile): what to show,
each in one query whatever the number of questions or recordings.

Who may play what is ``services.playable_by``; these lists follow the same rule, so a page never
shows a player whose file route would answer 404:
- an answer to one of the candidate's questions: theirs (the query names their candidacy);
- an answer for everyone: while its person is in the directory (visible and active).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..auth.models import User
from ..extensions import db
from ..people.models import StaffProfile
from ..questions.bank import BANK_BY_KEY
from ..questions.models import Question
from .models import Recording


@dataclass
class LedgerRecordings:
    """For the candidate's question list: ``answers`` (question id → the recording that answered it,
    None when it can no longer be played: removed, or its person left the directory) and ``offers``
    (open bank question id → answers for everyone to that bank question, by people in the directory)."""

    answers: dict[int, Recording | None] = field(default_factory=dict)
    offers: dict[int, list[Recording]] = field(default_factory=dict)


@dataclass
class ProfileRecordings:
    """A person's answers for everyone (bank order) with each one's bank question text, and for a
    candidate viewing them, their own question with that bank key (``mine``: bank key → Question)."""

    person: User
    recordings: list[Recording]
    texts: dict[int, str]
    mine: dict[str, Question] = field(default_factory=dict)

    @property
    def has_video(self) -> bool:
        """Any answer is a video (the page says "Watch …" rather than "Listen to …")."""
        return any(r.has_video for r in self.recordings)

    @property
    def verb(self) -> str:
        """"Watch" when any answer is a video, else "Listen to"."""
        return "Watch" if any(r.has_video for r in self.recordings) else "Listen to"


def _in_directory():
    return sa.and_(StaffProfile.visible.is_(True), User.active.is_(True))


def for_ledger(candidate, questions: list[Question]) -> LedgerRecordings:
    """What the question list shows of recordings, for ``questions`` of ``candidate``; one query (none
    when no question is answered by a recording and none is an open bank question)."""
    found = LedgerRecordings()
    mine = [q for q in questions if q.candidate_id == candidate.id]
    recorded = [q for q in mine if q.is_answered and q.answered_via == "recording"]
    open_bank = [q for q in mine if not q.is_answered and q.bank_key]
    if not recorded and not open_bank:
        return found
    keys = {q.bank_key for q in recorded + open_bank if q.bank_key}
    rows = db.session.execute(_ledger_statement(bool(recorded), bool(keys)),
                              {"candidate_id": candidate.id, "answered": [q.id for q in recorded],
                               "keys": sorted(keys)}).all()
    # Sorted here, not by the database: these are a few rows, and ORDER BY the person's name invited
    # SQLite to walk every user by name (ix_user_name) looking for them when it had no figures for
    # an empty recordings table.
    rows.sort(key=lambda row: (row[0].person.name, row[0].id))
    by_question, by_bank, for_key = {}, {}, defaultdict(list)
    for recording, listed in rows:
        if recording.question_id is not None:
            by_question[(recording.question_id, recording.person_id)] = recording
        elif bool(listed):
            by_bank[(recording.person_id, recording.bank_key)] = recording
            for_key[recording.bank_key].append(recording)
    for q in recorded:
        # The recording of whoever answered it (not an earlier one, from before the question was reopened).
        found.answers[q.id] = (by_question.get((q.id, q.answered_by_id))
                               or by_bank.get((q.answered_by_id, q.bank_key)))
    for q in open_bank:
        if for_key.get(q.bank_key):
            found.offers[q.id] = for_key[q.bank_key]
    return found


@cache
def _ledger_statement(answered: bool, keys: bool) -> sa.Select:
    """``for_ledger``'s statement, built once for each kind of list (with its cache key): recordings
    answering the candidate's questions (``answered``), answers for everyone to bank questions
    (``keys``), or both. Each leaves out what it has no use for, so the planner sees only what matters."""
    conditions = []
    if answered:
        conditions.append(sa.and_(Recording.candidate_id == sa.bindparam("candidate_id"),
                                  Recording.question_id.in_(sa.bindparam("answered", expanding=True))))
    if keys:
        conditions.append(Recording.bank_key.in_(sa.bindparam("keys", expanding=True)))
    return (sa.select(Recording, sa.case((_in_directory(), True), else_=False))
            .join(Recording.person).outerjoin(StaffProfile, StaffProfile.user_id == Recording.person_id)
            .options(contains_eager(Recording.person))
            .where(sa.or_(*conditions)))


@cache
def _answers_statement() -> sa.Select:
    """A person's recorded answers to the bank's questions, built once (every profile view reads it)."""
    return (sa.select(Recording)
            .where(Recording.person_id == sa.bindparam("person_id"), Recording.bank_key.is_not(None))
            .options(joinedload(Recording.person)))


def for_profile(person_id: int, candidate=None) -> ProfileRecordings | None:
    """The person's answers for everyone, or None when they have none; with ``candidate``, that
    candidate's questions from the same bank keys too. One query, two with a candidate."""
    recordings = db.session.scalars(_answers_statement(), {"person_id": person_id}).all()
    recordings = [r for r in recordings if r.bank_key in BANK_BY_KEY]  # keys are never reused (bank.py)
    if not recordings:
        return None
    order = {key: n for n, key in enumerate(BANK_BY_KEY)}
    recordings.sort(key=lambda r: order[r.bank_key])
    shown = ProfileRecordings(person=recordings[0].person, recordings=recordings,
                              texts={r.id: BANK_BY_KEY[r.bank_key].text for r in recordings})
    if candidate is not None:
        questions = db.session.scalars(sa.select(Question).where(
            Question.candidate_id == candidate.id, Question.bank_key.in_([r.bank_key for r in recordings])))
        shown.mine = {q.bank_key: q for q in questions}
    return shown
