"""Recorded answers: saving, replacing, marking and who may play what (flush, never commit).

Files and rows move together (``filetx``): a new file is deleted if its transaction rolls back; a
file a change replaces or removes is deleted only once the change is committed.

Who may play a recording (``playable_by``):
- the person who recorded it, always;
- an answer for everyone (a bank question): anyone signed in who may see the person's profile;
- an answer to one candidate's question: that candidate, and nobody else. Recruiters learn that an
  answer exists (the ledger says "answered with a recording"), never what it says.
"""

from __future__ import annotations

import sqlalchemy as sa
from babel.numbers import format_decimal
from sqlalchemy.exc import IntegrityError

from ..audit.services import record
from ..auth.models import User
from ..auth.tokens import end_links
from ..extensions import db
from ..forms import FieldError
from ..i18n import _, current_locale
from ..meetings.calendar import agenda_questions
from ..meetings.links import WRITTEN
from ..meetings.models import Meeting, meeting_question
from ..meetings.states import end_conversation
from ..people.services import get_profile
from ..questions.bank import BANK_BY_KEY
from ..questions.models import Question
from ..timeutil import utcnow
from .filetx import delete_after_commit, delete_after_rollback
from .media import MediaRejected, check_captions, store_media
from .models import Recording

MAX_SUMMARY = 5000
MAX_CAPTIONS_BYTES = 256 * 1024


class RecordingError(FieldError):
    """A recording that can't be saved; ``field`` is ``media``, ``summary`` or ``captions``."""


def no_summary() -> str:
    return _("Write a short summary or transcript, so anyone who can't play the recording gets your answer too.")


def summary_too_long() -> str:
    return _("Keep the summary under %(num)s characters.", num=format_decimal(MAX_SUMMARY, locale=current_locale()))


def forget_file(recording: Recording) -> None:
    """The recording's row is going (erasure, a deleted question…): its file goes when that commits."""
    delete_after_commit(recording.file_key)


# --- saving -------------------------------------------------------------------------------------


def _clean_summary(summary: str | None) -> str:
    text = (summary or "").strip()
    if not text:
        raise RecordingError(no_summary(), "summary")
    if len(text) > MAX_SUMMARY:
        raise RecordingError(summary_too_long(), "summary")
    return text


def _clean_captions(captions) -> str | None:
    """``captions``: an uploaded .vtt (a file-like with ``read``) or None/empty."""
    if captions is None:
        return None
    data = captions.read(MAX_CAPTIONS_BYTES + 1) if hasattr(captions, "read") else bytes(captions)
    if not data:
        return None
    try:
        return check_captions(data)
    except MediaRejected as error:
        raise RecordingError(str(error), "captions") from error


def _store(file) -> dict:
    """Check and store the upload; the columns it fills. Raises RecordingError on the ``media`` field."""
    if file is None:
        raise RecordingError(_("Record an answer or choose a file to upload."), "media")
    stream = getattr(file, "stream", file)
    try:
        stored = store_media(stream)
    except MediaRejected as error:
        raise RecordingError(str(error), "media") from error
    delete_after_rollback(stored.key)
    return {"file_key": stored.key, "media_type": stored.media_type, "has_video": stored.has_video,
            "size_bytes": stored.size, "duration_ms": stored.duration_ms}


def _fill(recording: Recording, columns: dict, summary: str, captions: str | None) -> Recording:
    if recording.file_key and recording.file_key != columns["file_key"]:
        delete_after_commit(recording.file_key)  # replaced: the old file goes once this commits
    for name, value in columns.items():
        setattr(recording, name, value)
    recording.summary, recording.captions = summary, captions
    recording.created_at = utcnow()  # "recorded on": the answer as it is now
    return recording


def answer_question(person: User, question: Question, file, summary: str | None, captions=None) -> Recording:
    """``person`` answers one candidate's ``question`` with a recording: the question is answered.

    The caller has checked that the person may answer it (the written-answer link names it, or it is
    directed to them). Raises RecordingError (nothing stored, nothing changed; the caller rolls back).
    Of two answers at once (a recording and a written answer, or two recordings), exactly one wins:
    the question goes from open to answered in one compare-and-swap UPDATE, checked for one row."""
    if question.is_answered:
        raise RecordingError(_("This question is already answered."), "media")
    text, vtt = _clean_summary(summary), _clean_captions(captions)
    columns = _store(file)
    now = utcnow()
    won = db.session.execute(
        sa.update(Question).where(Question.id == question.id, Question.status == "open")
        .values(status="answered", answered_via="recording", answered_by_id=person.id, answered_at=now,
                updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if won != 1:
        raise RecordingError(_("This question was answered a moment ago, so your recording wasn't sent."), "media")
    db.session.refresh(question)
    recording = db.session.scalar(sa.select(Recording).where(Recording.question_id == question.id,
                                                              Recording.person_id == person.id))
    if recording is None:
        recording = Recording(person_id=person.id, candidate_id=question.candidate_id, question_id=question.id)
        db.session.add(recording)
    _fill(recording, columns, text, vtt)
    db.session.flush()
    # A private question's timeline entry doesn't say who answered it: that would tell the recruiter
    # whom the candidate asked (the ledger withholds it too).
    who = "Someone" if question.private else person.name
    record("question.answered_by_recording", f"{who} answered a question with a recording",
           actor=person, candidate=question.candidate, subject=question)
    return recording


def finish_written_conversations(person: User, question: Question) -> None:
    """``question`` was answered by ``person`` while signed in, not through a written conversation's
    link: a conversation in the written format with them whose agenda (as they see it) is now all
    answered is complete, and its link is used up, as if the last answer had come through it."""
    meetings = db.session.scalars(
        sa.select(Meeting).join(meeting_question, meeting_question.c.meeting_id == Meeting.id)
        .where(meeting_question.c.question_id == question.id, Meeting.staff_id == person.id,
               Meeting.status == "confirmed", Meeting.format == "written")).all()
    for meeting in meetings:
        agenda = [q for q in agenda_questions(meeting) if not q.private_to_someone_else(person.id)]
        if all(q.is_answered for q in agenda):
            end_links(subject=meeting, purposes=[WRITTEN])
            end_conversation(meeting, "completed", actor=person)


def record_for_everyone(person: User, bank_key: str, file, summary: str | None, captions=None) -> Recording:
    """``person`` answers bank question ``bank_key`` once, for every candidate (again: replaces it).
    Raises LookupError for a key not in the bank, RecordingError for a bad recording."""
    if bank_key not in BANK_BY_KEY:
        raise LookupError(bank_key)
    text, vtt = _clean_summary(summary), _clean_captions(captions)
    columns = _store(file)
    recording = bank_recording(person.id, bank_key)
    replaced = recording is not None
    if recording is None:
        try:
            with db.session.begin_nested():  # a first recording sent twice at once: one row wins
                recording = _fill(Recording(person_id=person.id, bank_key=bank_key), columns, text, vtt)
                db.session.add(recording)
        except IntegrityError:
            recording, replaced = bank_recording(person.id, bank_key), True
    if replaced:
        _fill(recording, columns, text, vtt)
    db.session.flush()
    record("recording.for_everyone", f"{person.name} {'re-recorded' if replaced else 'recorded'} an answer "
           "for every candidate", actor=person, subject=recording, bank_key=bank_key)
    return recording


def remove_for_everyone(person: User, recording: Recording) -> None:
    """The person takes back one of their answers for everyone. Questions marked answered by it stay
    answered (the candidate had their answer); they no longer play anything."""
    if recording.person_id != person.id or not recording.for_everyone:
        raise LookupError(recording.id)
    forget_file(recording)
    record("recording.removed", f"{person.name} removed an answer for every candidate", actor=person,
           subject=recording, bank_key=recording.bank_key)
    db.session.delete(recording)
    db.session.flush()


def mark_answered_by(candidate, question: Question, recording: Recording) -> Question:
    """The candidate's bank question is answered by a recording for everyone of the same question.
    Raises RecordingError when they don't match or the question is already answered."""
    if question.candidate_id != candidate.id:
        raise LookupError(question.id)
    if not recording.for_everyone or question.bank_key != recording.bank_key:
        raise RecordingError(_("That recording answers a different question."), "media")
    if question.is_answered:
        raise RecordingError(_("This question is already answered."), "media")
    question.status, question.answered_via = "answered", "recording"
    question.answered_by_id, question.answered_at = recording.person_id, utcnow()
    db.session.flush()
    record("question.answered", f"{candidate.user.name} marked a question answered by a recording",
           actor=candidate.user, candidate=candidate, subject=question)
    return question


# --- reading ------------------------------------------------------------------------------------


def bank_recording(person_id: int, bank_key: str) -> Recording | None:
    return db.session.scalar(sa.select(Recording).where(Recording.person_id == person_id,
                                                        Recording.bank_key == bank_key))


def for_everyone_by(person_id: int) -> list[Recording]:
    """A person's answers for everyone, in the bank's order."""
    rows = db.session.scalars(sa.select(Recording).where(Recording.person_id == person_id,
                                                         Recording.bank_key.is_not(None))).all()
    order = {key: n for n, key in enumerate(BANK_BY_KEY)}
    return sorted(rows, key=lambda r: order.get(r.bank_key, len(order)))


def answering(questions: list[Question]) -> dict[int, Recording]:
    """question id → the recording that answered it, for questions answered by recording; one query."""
    wanted = [q for q in questions if q.answered_via == "recording"]
    if not wanted:
        return {}
    own = [q.id for q in wanted]
    pairs = {(q.answered_by_id, q.bank_key) for q in wanted if q.bank_key and q.answered_by_id}
    conditions = [Recording.question_id.in_(own)]
    if pairs:
        conditions.append(sa.and_(Recording.bank_key.is_not(None),
                                  sa.tuple_(Recording.person_id, Recording.bank_key).in_(list(pairs))))
    rows = db.session.scalars(sa.select(Recording).where(sa.or_(*conditions))).all()
    by_question = {(r.question_id, r.person_id): r for r in rows if r.question_id is not None}
    by_bank = {(r.person_id, r.bank_key): r for r in rows if r.bank_key is not None}
    found = {}
    for q in wanted:
        own = by_question.get((q.id, q.answered_by_id))  # not an earlier answer, from before a reopen
        recording = own or by_bank.get((q.answered_by_id, q.bank_key))
        if recording is not None:
            found[q.id] = recording
    return found


def playable_by(user, recording_id: int) -> Recording | None:
    """The recording if ``user`` may play it, else None (the view answers 404 either way)."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or not getattr(user, "is_authenticated", False):
        return None
    if recording.person_id == user.id:
        return recording
    if recording.for_everyone:
        visible = get_profile(recording.person_id, include_hidden=user.is_recruiter) is not None
        return recording if visible else None
    candidacy = getattr(user, "candidacy", None)
    if user.role == "candidate" and candidacy is not None and recording.candidate_id == candidacy.id:
        return recording
    return None


def candidate_recordings(candidate) -> list[Recording]:
    """The recordings made for this one candidate (export, erasure)."""
    return list(db.session.scalars(sa.select(Recording).where(Recording.candidate_id == candidate.id)
                                   .order_by(Recording.created_at, Recording.id)))
