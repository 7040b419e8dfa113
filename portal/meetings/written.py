"""Answers in writing, by e-mailed link and without an account. Flush, never commit.

Written-answer links (purpose ``links.WRITTEN``) are bound to a conversation in the written format
(mailed when the person accepts it) or to one question directed to the person (``request_written_answer``);
using one answers the open questions, once. Whose link it still is: ``links``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from flask import current_app

from ..audit.services import record
from ..auth.models import ActionToken, User
from ..candidates.models import Candidate
from ..extensions import db
from ..i18n import _
from ..mail.services import queue_mail
from ..questions.models import Question
from ..auth.tokens import TokenProblem, consume_token, find_token, issue_token
from ..timeutil import utcnow
from . import notify
from .calendar import agenda_questions, shown_text
from .links import WRITTEN, InviteError, clean_text, meeting_for_token, question_for_token
from .models import Meeting
from .states import end_conversation

DEFAULT_WRITTEN_ANSWER_DAYS = 14
MAX_ANSWER = 10000


class AnswerLink(NamedTuple):
    token: ActionToken
    person: User
    candidate: Candidate
    questions: list[Question]
    meeting: Meeting | None


def _written_lifetime() -> timedelta:
    return timedelta(days=int(current_app.config.get("WRITTEN_ANSWER_DAYS") or DEFAULT_WRITTEN_ANSWER_DAYS))


def issue_written_link(person: User, subject):
    """A written-answer link for ``subject`` (a conversation or a question), bound to ``person``:
    (raw token, row)."""
    return issue_token(WRITTEN, _written_lifetime(), user=person, subject=subject)


def mail_written_link(person: User, subject, candidate: Candidate, questions: list[Question],
                      asked_by: User | None = None) -> str:
    """Issue a written-answer link for ``subject`` (a conversation or a question), mail it, return it."""
    raw, token = issue_written_link(person, subject)
    queue_mail("meeting_written_request", to=person.email, dedupe_key=f"meeting_written_request:{token.id}",
               person=person, candidate=candidate, questions=[shown_text(q) for q in questions],
               note=getattr(subject, "note", None), asked_by=asked_by, link=raw, expires_at=token.expires_at)
    return raw


def request_written_answer(question: Question, by: User) -> str:
    """Mail the person a question is directed to a link to answer it in writing; return the link."""
    if question.directed_to is None:
        raise InviteError(_("This question isn't directed to anyone yet."), "directed_to")
    if question.is_answered:
        raise InviteError(_("This question is already answered."))
    candidate = question.candidate
    raw = mail_written_link(question.directed_to, question, candidate, [question], asked_by=by)
    record("question.written_requested", f"{question.directed_to.name} was asked to answer in writing",
           actor=by, candidate=candidate, subject=question)
    return raw


def answer_link(raw: str) -> AnswerLink:
    """The usable written-answer link, or TokenProblem (``invalid``, ``used``, ``expired``, ``closed``,
    ``moved``, ``decided``, ``answered``). A conversation's agenda leaves out any question made
    private to someone else."""
    token = find_token(WRITTEN, raw)
    meeting = meeting_for_token(token)
    if meeting is not None:
        if meeting.status != "confirmed" or meeting.staff_id != token.user_id:
            raise TokenProblem("closed", token)
        questions = [q for q in agenda_questions(meeting) if not q.private_to_someone_else(token.user_id)]
        return AnswerLink(token, token.user, meeting.candidate, questions, meeting)
    question = question_for_token(token)
    if question is None or token.user is None:
        raise TokenProblem("invalid")
    return AnswerLink(token, token.user, question.candidate, [question], None)


def finish_link(link: AnswerLink) -> None:
    """The link has done its work: it works no more, and a conversation in the written format is
    complete. Answers in writing finish it at once (one form answers what the person will answer);
    recorded answers, one question at a time, finish it with the last open question. Raises
    TokenProblem when the link was used meanwhile (the caller's changes are then rolled back)."""
    consume_token(link.token)
    if link.meeting is not None:
        end_conversation(link.meeting, "completed", actor=link.person)


def submit_written_answers(raw: str, answers: dict[int, str]) -> list[Question]:
    """Answer the open questions the person wrote something for; uses the link (once). A conversation
    in the written format is then complete. Raises TokenProblem or InviteError (link left unused)."""
    link = answer_link(raw)
    texts = {q.id: clean_text(answers.get(q.id), f"answer-{q.id}", MAX_ANSWER) for q in link.questions
             if not q.is_answered}
    if not any(texts.values()):
        raise InviteError(_("Write at least one answer."), f"answer-{next(iter(texts), 0)}")
    now, answered = utcnow(), []
    for question in link.questions:
        if texts.get(question.id):
            question.status, question.answered_via, question.written_answer = "answered", "written", texts[question.id]
            question.answered_by_id, question.answered_at = link.person.id, now
            answered.append(question)
    db.session.flush()
    finish_link(link)
    record("question.answered_in_writing", f"{link.person.name} answered {len(answered)} question(s) in writing",
           actor=link.person, candidate=link.candidate, subject=link.meeting or link.questions[0])
    notify.written_answered(link.candidate, link.person, answered,
                            f"{link.token.subject_type}:{link.token.subject_id}:{link.token.id}")
    return answered
