"""The approval queue's stamp (``portal/polling.py``): what lets its 30-second refresh answer 204/304
without loading or drawing anything when nothing it shows has changed.

The stamp is a digest of every value the queue section shows, read in one query of plain columns (no
objects, no template):

- each waiting request (status ``needs_approval``): its id, when it was asked and last changed, its
  format, length and note, the person's id, name, title and group, the candidate's name and
  position, how many questions are on its agenda;
- the times the candidate offered for them (id and start);
- the people a request can be passed to while they are few enough for a ``<select>``
  (``people.picker.small_list``): id, name and title; beyond that the field is a search box that
  shows no one, so only "many" counts;

plus what the reader brings: their language and time zone (the times are written in it), their
session's CSRF secret (signing in again, in another tab, makes a new one: the forms must follow),
and the hour. The hour makes the section redraw at least hourly even when nothing changed, so the
forms' CSRF tokens in an open tab stay young (they last ``WTF_CSRF_TIME_LIMIT``, 8 hours). A value the
queue shows but the stamp doesn't cover would leave a recruiter looking at a stale queue: a test
changes each of them (tests/meetings/test_queue_polling.py).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..candidates.models import Candidate, Position
from ..extensions import db
from ..i18n import current_language
from ..people.models import StaffProfile
from ..people.picker import SCOPES, SMALL_LIST
from .models import Meeting, ProposedSlot, meeting_question

WAITING = "needs_approval"
_WAITING, _SLOT, _PERSON = 0, 1, 2  # which list a row of the stamp's statement is of
_VALUES = 12  # the most values a row has (a waiting request's)


@cache
def _statement(scope: str) -> sa.Select:
    """The stamp's reads as one statement, built once (building a statement costs more than running it),
    so a poll makes one round trip to the database: the rows of its three lists in one UNION ALL, each
    value written as text (the lists' columns differ), the first column saying which list a row is of.
    The rows come in a fixed order (list, then id): the digest only needs the same rows in the same order."""
    person, asker = aliased(User), aliased(User)
    agenda = (sa.select(sa.func.count()).select_from(meeting_question)
              .where(meeting_question.c.meeting_id == Meeting.id).scalar_subquery())

    def row(kind: int, key, *values):
        texts = [sa.cast(value, sa.Text) for value in values]
        texts += [sa.null()] * (_VALUES - len(texts))
        return sa.select(sa.literal(kind).label("kind"), key.label("key"),
                         *[text.label(f"v{n}") for n, text in enumerate(texts)])  # names of their own

    waiting = (row(_WAITING, Meeting.id, Meeting.created_at, Meeting.updated_at, Meeting.format,
                   Meeting.length_minutes, Meeting.note, Meeting.staff_id, person.name, StaffProfile.title,
                   StaffProfile.group, asker.name, Position.title, agenda)
               .join(person, person.id == Meeting.staff_id)
               .outerjoin(StaffProfile, StaffProfile.user_id == Meeting.staff_id)
               .join(Candidate, Candidate.id == Meeting.candidate_id)
               .join(asker, asker.id == Candidate.user_id)
               .join(Position, Position.id == Candidate.position_id)
               .where(Meeting.status == WAITING))
    slots = (row(_SLOT, ProposedSlot.id, ProposedSlot.meeting_id, ProposedSlot.start_at, ProposedSlot.end_at)
             .join(Meeting, Meeting.id == ProposedSlot.meeting_id).where(Meeting.status == WAITING))
    # One more than a <select> holds: that many means a search box, which shows no one.
    few = (sa.select(StaffProfile.user_id, User.name, StaffProfile.title).join(User, User.id == StaffProfile.user_id)
           .where(*SCOPES[scope]()).order_by(StaffProfile.user_id).limit(SMALL_LIST + 1).subquery())
    people = row(_PERSON, few.c.user_id, few.c.name, few.c.title)
    union = sa.union_all(waiting, slots, people).subquery()
    return sa.select(union).order_by(union.c.kind, union.c.key)


def queue_stamp(scope: str, reader: User, now: datetime) -> str:
    """The stamp of the queue as ``reader`` sees it at ``now`` (``scope``: the "pass it to" picker's)."""
    rows = db.session.connection().execute(_statement(scope)).all()  # plain rows: no ORM loading to do
    digest = hashlib.blake2b(digest_size=12)
    generate_csrf()  # the session's secret, made now if the page (drawn after this) would make it
    secret = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "")
    for part in (reader.id, current_language(), reader.timezone, secret, int(now.timestamp() // 3600)):
        digest.update(f"{part}\x1f".encode())
    if not rows or rows[0].kind != _WAITING:
        return digest.hexdigest()  # nothing waiting: nothing else is shown
    people = [tuple(row) for row in rows if row.kind == _PERSON]
    for row in rows:
        if row.kind != _PERSON:
            digest.update(repr(tuple(row)).encode())
    digest.update((repr(people) if len(people) <= SMALL_LIST else "many").encode())
    return digest.hexdigest()
