"""A candidate's personal data: erase it, and purge decided candidates after the retention period.

(The download of it is in export.py.)

Erasure keeps the shape of what happened (stage, dates, categories, statuses, ratings), so
analytics stay correct, and removes who it happened to and everything they or others wrote about
them: names, e-mail addresses, question texts, notes, feedback, answers, mail bodies. An office hours
queue they are in lets them go (a talk under way ends); their places stay as times and statuses, the
people they asked to hear about and the links made for them alone go. Mentions of the name or e-mail
anywhere else in the database (an audit summary, a mail to the CEO, a calendar attachment) are found
column by column, so a table added later is covered too. Recordings made for them alone go, rows and
files (a file is deleted once the erasure commits); answers for everyone they marked stay the person's.

``sweep_media`` (run by ``flask purge``) deletes files in MEDIA_DIR that no recording refers to and
that are older than a day: what a crash between storing a file and committing its row leaves behind.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..audit.models import AuditEvent
from ..audit.services import record
from ..auth.models import ERASED_DOMAIN, ActionToken, User, new_session_token
from ..auth.search import forget_removed
from ..calendars.models import WrittenEvent
from ..candidates.models import Candidate, ExitSurvey
from ..extensions import db
from ..generations import bump
from ..feedback.models import FeedbackMessage, InterviewFeedback, MessageRevision
from ..mail.models import OutboxMessage
from ..meetings.models import Meeting, MeetingTransition
from ..office_hours.models import HoursLink, HoursWatch
from ..office_hours.queue import remove_candidate
from ..questions.models import Question
from ..recordings.media import media_dir, media_path
from ..recordings.models import Recording
from ..recordings.services import candidate_recordings, forget_file
from ..timeutil import utcnow

REDACTED = "[erased]"


def is_erased(candidate: Candidate) -> bool:
    return candidate.user.is_erased


# Tables that hold counts, hashes and times only: nothing to look for there.
NO_FREE_TEXT = frozenset({"analytics_cell", "analytics_refresh", "booked_unit", "candidate_booked_unit",
                          "alembic_version", "cache_generation"})
# The candidate's own account row is rewritten directly (another person may share the name).
SET_DIRECTLY = frozenset({"user"})


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _scrub(secrets: list[str], only: set[str] | None = None) -> int:
    """Replace each secret in every text and JSON column (of every table, or of ``only``); rows changed."""
    secrets = [s for s in dict.fromkeys(secrets) if s and len(s) >= 3]
    changed = 0
    if not secrets:
        return changed
    for table in db.metadata.sorted_tables:
        if table.name in NO_FREE_TEXT | SET_DIRECTLY or (only is not None and table.name not in only):
            continue
        key = list(table.primary_key.columns)
        for column in table.columns:
            if isinstance(column.type, sa.JSON):
                # JSON may hold the text as written or \u-escaped: look for both, fix in Python.
                forms = {f for s in secrets for f in (s, json.dumps(s)[1:-1])}
                where = sa.or_(*(sa.cast(column, sa.Text).like(_like(f), escape="\\") for f in forms))
                for row in db.session.execute(sa.select(*key, column).where(where)).all():
                    text = json.dumps(row[-1], ensure_ascii=False)
                    for secret in secrets:
                        text = text.replace(json.dumps(secret, ensure_ascii=False)[1:-1], REDACTED)
                    db.session.execute(table.update().where(*(k == row[i] for i, k in enumerate(key)))
                                       .values({column.name: json.loads(text)}))
                    changed += 1
            elif isinstance(column.type, sa.String | sa.Text):
                for secret in secrets:
                    result = db.session.execute(
                        table.update().where(column.like(_like(secret), escape="\\"))
                        .values({column.name: sa.func.replace(column, secret, REDACTED)}))
                    changed += result.rowcount or 0
    return changed


def erase_candidate(candidate: Candidate, by: User | None, reason: str = "request", *, merge_search: bool = True
                    ) -> None:
    """Remove the candidate's personal data, keeping what analytics count (flush; the caller commits).
    ``merge_search``: rewrite SQLite's search table now, so the old name and address leave it too (the
    purge does it once, after all of them)."""
    if is_erased(candidate):
        return
    user = candidate.user
    questions = db.session.scalars(sa.select(Question).where(Question.candidate_id == candidate.id)).all()
    # Their own words may be quoted in a mail to the person asked, or in an audit detail; a question
    # taken from the shared bank is nobody's own text, and other candidates keep theirs.
    own_texts = [q.text for q in questions if q.bank_key is None and len(q.text) >= 8]
    # Out of every office hours queue first: a talk under way ends, and pages polling the queue see it.
    # Their places stay as times and statuses (analytics count the waits); what they asked for next goes.
    remove_candidate(candidate, utcnow())
    db.session.execute(sa.delete(HoursWatch).where(HoursWatch.candidate_id == candidate.id))
    db.session.execute(sa.delete(HoursLink).where(HoursLink.candidate_id == candidate.id))
    meeting_ids = list(db.session.scalars(sa.select(Meeting.id).where(Meeting.candidate_id == candidate.id)))
    if meeting_ids:  # their name and questions leave people's CalDAV calendars too (the worker removes them)
        db.session.execute(sa.update(WrittenEvent).where(WrittenEvent.meeting_id.in_(meeting_ids))
                           .values(remove=True, next_try_at=None))

    # Recordings made for them alone: the rows now, the files once this commits. (Their questions stay
    # answered, as analytics count them.)
    for recording in candidate_recordings(candidate):
        forget_file(recording)
        db.session.delete(recording)

    # Their own rows: blank what was written, keep categories, statuses, dates and ratings.
    for q in questions:
        q.text, q.written_answer = REDACTED, None
    db.session.execute(sa.update(Meeting).where(Meeting.candidate_id == candidate.id)
                       .values(note="", reason=None, video_link=None))
    if meeting_ids:
        db.session.execute(sa.update(MeetingTransition).where(MeetingTransition.meeting_id.in_(meeting_ids))
                           .values(reason=None))
    db.session.execute(sa.update(InterviewFeedback).where(InterviewFeedback.candidate_id == candidate.id)
                       .values(went_well="", to_grow=""))
    message_ids = list(db.session.scalars(sa.select(FeedbackMessage.id)
                                          .where(FeedbackMessage.candidate_id == candidate.id)))
    if message_ids:
        db.session.execute(sa.update(FeedbackMessage).where(FeedbackMessage.id.in_(message_ids)).values(body=""))
        db.session.execute(sa.update(MessageRevision).where(MessageRevision.message_id.in_(message_ids))
                           .values(body=""))
    db.session.execute(sa.update(ExitSurvey).where(ExitSurvey.candidate_id == candidate.id).values(answer=None))
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.candidate_id == candidate.id).values(details={}))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_addr == user.email))
    db.session.execute(sa.delete(ActionToken).where(ActionToken.user_id == user.id))
    candidate.decision_note = None
    candidate.source = ""
    db.session.flush()

    # Mentions anywhere else: audit summaries, mails to the people they met, calendar files.
    _scrub([user.name, user.email])
    _scrub(own_texts, only={"outbox_message", "audit_event"})
    # Rewritten round the ORM: profiles' texts may have named them (generations.py). (Positions' titles
    # too, which the candidate list's kept counts read: renaming the account below moves those on.)
    bump(db.session.connection(), "people")

    # The account itself: no name, no address, no way to sign in.
    user.name = f"Erased candidate #{candidate.id}"
    user.email = f"candidate-{candidate.id}@{ERASED_DOMAIN}"
    user.timezone = "UTC"
    user.active = False
    user.session_token = new_session_token()
    user.last_sign_in_at = None
    db.session.flush()
    record("candidate.erased", f"Personal data of candidate #{candidate.id} erased"
           + (f" by {by.name}" if by is not None else f" ({reason})"), actor=by, candidate=candidate,
           subject=candidate, reason=reason)
    if merge_search:
        forget_removed()


def retention_days() -> int | None:
    days = current_app.config.get("RETENTION_DAYS")
    return int(days) if days else None


def due_for_purge(now: datetime, days: int) -> list[Candidate]:
    cutoff = now - timedelta(days=days)
    return list(db.session.scalars(
        sa.select(Candidate).join(Candidate.user)
        .where(Candidate.stage != "offer", Candidate.decided_at.is_not(None), Candidate.decided_at < cutoff,
               User.email.not_like(f"%@{ERASED_DOMAIN}"))
        .order_by(Candidate.decided_at)))


def purge(now: datetime | None = None, days: int | None = None, dry_run: bool = False) -> list[int]:
    """Erase decided candidates whose decision is older than the retention period (commits per candidate)."""
    now = now or utcnow()
    days = days if days is not None else retention_days()
    if not days:
        return []
    erased = []
    for candidate in due_for_purge(now, days):
        erased.append(candidate.id)
        if not dry_run:
            erase_candidate(candidate, None, reason=f"retention: decided more than {days} days ago",
                            merge_search=False)
            db.session.commit()
    if erased and not dry_run:
        forget_removed()  # SQLite's search table without the erased names and addresses
        db.session.commit()
    return erased


ORPHAN_AGE = timedelta(days=1)
_LEFTOVER = re.compile(r"\.(?:upload|clean)-[^/]*\.part")  # media.store_media's temporary files


def _ours(name: str) -> bool:
    """A file name media.py makes: a stored recording's key, or one of its temporary files."""
    if _LEFTOVER.fullmatch(name):
        return True
    try:
        media_path(name)
    except ValueError:
        return False
    return True


def sweep_media(now: datetime | None = None, dry_run: bool = False) -> list[str]:
    """Delete the files in MEDIA_DIR that no recording refers to and that were last written more than
    a day before ``now`` (a crash between storing and committing, an upload cut off mid-check); the
    names deleted (or, with ``dry_run``, that would be). Files of names media.py doesn't make are left
    alone, and so is anything younger: an upload being checked or committed right now."""
    folder = media_dir()
    if not folder.is_dir():
        return []
    cutoff = ((now or utcnow()) - ORPHAN_AGE).timestamp()
    known = set(db.session.scalars(sa.select(Recording.file_key)))
    swept = []
    for path in sorted(folder.iterdir()):
        if not _ours(path.name) or path.name in known or not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        swept.append(path.name)
        if not dry_run:
            path.unlink(missing_ok=True)
    return swept
