"""The person's side, by e-mailed link and without an account: accept, decline or propose another
time; answer questions in writing. Flush, never commit.

Invitation links (``notify.send_invitation``): three tokens per mail, purposes ``meeting_accept``,
``meeting_decline`` and ``meeting_propose``, each bound to its action on one conversation and to
the person, expiring with the invitation. Using any of them ends every open invitation link of
that conversation (the reminder's too). Reading a link changes nothing; when the conversation has
moved on (answered, cancelled, expired), that answer wins over "used" or "expired", because it is
what the person needs to know.

Manage links (``notify.manage_link``, purpose ``meeting_manage``) come with the person's
confirmation: bound to one conversation and the person, never used up (the person can come back),
ending 7 days after the conversation. Cancelling (before the cut-off) and reporting a no-show
(after the start) are the only things they do, through ``states``.

Written-answer links (purpose ``written_answer``) are bound to a conversation in the written format
or to one question directed to the person; using one answers the questions, once.

Whose link it still is: ``links`` (the rule ``security.find_token`` applies to each of them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from ..audit.services import record
from ..auth.models import ActionToken, User
from ..candidates.models import Candidate
from ..extensions import db
from ..mail.services import queue_mail
from ..questions.models import Question
from ..security import TokenProblem, consume_token, find_token, issue_token
from ..timeutil import utcnow
from . import notify
from .calendar import agenda_questions, meeting_candidate, shown_text, video_link_for
from .links import WRITTEN, meeting_for_token, token_candidate  # noqa: F401 (the views read them here)
from .models import BookedUnit, CandidateBookedUnit, Meeting, ProposedSlot
from .forms import slot_value
from .requests import MAX_REASON, can_cancel, change_cutoff, has_started, offered_slots, outside_candidate_day
from .states import confirm, end_conversation, transition, units

DEFAULT_WRITTEN_ANSWER_DAYS = 14
MAX_TEXT = 2000
MAX_ANSWER = 10000
ANSWERED = frozenset({"confirmed", "declined", "completed", "no_show"})


class InviteError(ValueError):
    """An answer that needs another look; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class InviteLink(NamedTuple):
    token: ActionToken
    meeting: Meeting
    action: str  # "accept", "decline" or "propose"


class Accepted(NamedTuple):
    meeting: Meeting
    answer_token: str | None  # written format: the raw link to the answer page


class ManageLink(NamedTuple):
    token: ActionToken
    meeting: Meeting
    person: User


class AnswerLink(NamedTuple):
    token: ActionToken
    person: User
    candidate: Candidate
    questions: list[Question]
    meeting: Meeting | None


# --- reading an invitation link -----------------------------------------------------------------


def _state_problem(meeting: Meeting, token: ActionToken) -> str | None:
    """Why this conversation can no longer be answered through ``token`` (None: it can)."""
    if meeting.staff_id != token.user_id:
        return "moved"
    if meeting.status == "invited":
        return None
    if meeting.status in ANSWERED:
        return "answered"
    return {"expired": "request_expired"}.get(meeting.status, "cancelled")


def _find_invitation_token(raw: str) -> ActionToken:
    for purpose in notify.INVITE_PURPOSES:
        try:
            return find_token(purpose, raw)
        except TokenProblem as problem:
            if problem.reason != "invalid":
                raise
    raise TokenProblem("invalid")


def invitation_link(raw: str) -> InviteLink:
    """The usable invitation link for ``raw``, or TokenProblem saying why not. Changes nothing.

    Reasons: ``invalid``, ``used``, ``expired``, and, winning over those, ``answered``,
    ``cancelled``, ``request_expired``, ``moved`` (a recruiter gave the request to someone else) or
    ``decided`` (the candidate's offer process has ended).
    """
    try:
        token = _find_invitation_token(raw)
    except TokenProblem as problem:
        if problem.reason not in ("used", "expired"):  # the link rule's answer stands
            raise
        meeting = meeting_for_token(problem.token)
        reason = _state_problem(meeting, problem.token) if meeting is not None else None
        if reason:
            raise TokenProblem(reason, problem.token) from None
        raise
    meeting = meeting_for_token(token)
    if meeting is None:
        raise TokenProblem("invalid")
    reason = _state_problem(meeting, token)
    if reason:
        raise TokenProblem(reason, token)
    return InviteLink(token, meeting, token.purpose.removeprefix("meeting_"))


def _use(link: InviteLink, action: str) -> None:
    """Use the link (compare-and-set: of two concurrent uses one wins) and end its siblings."""
    if link.action != action:  # each link does only what it says
        raise TokenProblem("invalid", link.token)
    consume_token(link.token)
    db.session.execute(
        sa.update(ActionToken)
        .where(ActionToken.purpose.in_(notify.INVITE_PURPOSES), ActionToken.subject_type == Meeting.__name__,
               ActionToken.subject_id == link.meeting.id, ActionToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False))


def free_slots(meeting: Meeting, now: datetime | None = None) -> list[ProposedSlot]:
    """The proposed times that are still ahead and that nothing holds of the person's or the
    candidate's time (one query)."""
    now = now or utcnow()
    slots = [slot for slot in meeting.slots if slot.start_at > now]
    if not slots:
        return []
    length = timedelta(minutes=meeting.length_minutes)
    since, until = slots[0].start_at - length, slots[-1].start_at + length
    held = set(db.session.scalars(
        sa.select(BookedUnit.unit_start).where(BookedUnit.staff_id == meeting.staff_id,
                                               BookedUnit.unit_start >= since, BookedUnit.unit_start < until)
        .union(sa.select(CandidateBookedUnit.unit_start).where(
            CandidateBookedUnit.candidate_id == meeting.candidate_id, CandidateBookedUnit.unit_start >= since,
            CandidateBookedUnit.unit_start < until))))
    return [slot for slot in slots if not held & set(units(slot.start_at, slot.start_at + length))]


# --- answering an invitation --------------------------------------------------------------------


def _clean(text: str | None, field: str, limit: int = MAX_TEXT) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise InviteError(f"Keep this under {limit:,} characters (it has {len(text):,}).", field)
    return text


def accept_invitation(raw: str, slot_id: int | None) -> Accepted:
    """Confirm one proposed time (raises SlotTaken when someone else just took it: the caller rolls
    back, so the link stays unused). Written answers have no time: the person gets the answer page."""
    link = invitation_link(raw)
    meeting, person = link.meeting, link.meeting.staff
    answer_raw = None
    if meeting.format == "written":
        _use(link, "accept")
        transition(meeting, "confirmed", actor=person)
        answer_raw = mail_written_link(person, meeting, meeting_candidate(meeting), agenda_questions(meeting))
    else:
        slot = next((s for s in meeting.slots if s.id == slot_id), None)
        if slot is None:
            raise InviteError("Choose one of the proposed times.", "slot")
        if slot.start_at <= utcnow():
            raise InviteError("That time has already passed. Choose a later one, or propose another time.", "slot")
        _use(link, "accept")
        confirm(meeting, slot.start_at, actor=person, video_link=video_link_for(meeting))
    record("meeting.accepted", f"{person.name} accepted the conversation", actor=person,
           candidate=meeting_candidate(meeting), subject=meeting)
    notify.meeting_confirmed(meeting, person)
    return Accepted(meeting, answer_raw)


def decline_invitation(raw: str, reason: str | None) -> Meeting:
    link = invitation_link(raw)
    reason = _clean(reason, "reason")
    meeting, person = link.meeting, link.meeting.staff
    _use(link, "decline")
    transition(meeting, "declined", actor=person, note=reason or None, reason=reason or None)
    record("meeting.declined", f"{person.name} declined the conversation", actor=person,
           candidate=meeting_candidate(meeting), subject=meeting)
    notify.meeting_declined(meeting, person)
    return meeting


def local_to_utc(value: datetime, zone: str) -> datetime:
    """A wall-clock time the person typed in their own zone, as an aware UTC moment."""
    return value.replace(tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def propose_time(raw: str, proposal: str | None, when: datetime | None) -> Meeting:
    """Another time, in the person's words (and optionally one moment in their zone). The request
    stays as it is; the candidate and the recruiter hear the suggestion."""
    link = invitation_link(raw)
    meeting, person = link.meeting, link.meeting.staff
    proposal = _clean(proposal, "proposal")
    proposed_at = local_to_utc(when, person.timezone) if when is not None else None
    if not proposal and proposed_at is None:
        raise InviteError("Say when would suit you, or pick a date and time.", "proposal")
    if proposed_at is not None and proposed_at <= utcnow():
        raise InviteError("Pick a time in the future.", "when")
    problem = proposed_at and outside_candidate_day(meeting_candidate(meeting).user, proposed_at,
                                                    meeting.length_minutes, person)
    if problem:
        raise InviteError(problem, "when")
    _use(link, "propose")
    record("meeting.time_proposed", f"{person.name} proposed another time", actor=person,
           candidate=meeting_candidate(meeting), subject=meeting,
           proposed_at=proposed_at.isoformat() if proposed_at else None)
    notify.time_proposed(meeting, proposal, proposed_at)
    return meeting


# --- written answers ----------------------------------------------------------------------------


def _written_lifetime() -> timedelta:
    return timedelta(days=int(current_app.config.get("WRITTEN_ANSWER_DAYS") or DEFAULT_WRITTEN_ANSWER_DAYS))


def mail_written_link(person: User, subject, candidate: Candidate, questions: list[Question],
                      asked_by: User | None = None) -> str:
    """Issue a written-answer link for ``subject`` (a conversation or a question), mail it, return it."""
    raw, token = issue_token(WRITTEN, _written_lifetime(), user=person, subject=subject)
    queue_mail("meeting_written_request", to=person.email, dedupe_key=f"meeting_written_request:{token.id}",
               person=person, candidate=candidate, questions=[shown_text(q) for q in questions],
               note=getattr(subject, "note", None), asked_by=asked_by, link=raw, expires_at=token.expires_at)
    return raw


def request_written_answer(question: Question, by: User) -> str:
    """Mail the person a question is directed to a link to answer it in writing; return the link."""
    if question.directed_to is None:
        raise InviteError("This question isn't directed to anyone yet.", "directed_to")
    if question.is_answered:
        raise InviteError("This question is already answered.")
    candidate = db.session.get(Candidate, question.candidate_id)
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
        return AnswerLink(token, token.user, meeting_candidate(meeting), questions, meeting)
    question = db.session.get(Question, token.subject_id) if token.subject_type == Question.__name__ else None
    if question is None or token.user is None:
        raise TokenProblem("invalid")
    return AnswerLink(token, token.user, db.session.get(Candidate, question.candidate_id), [question], None)


def submit_written_answers(raw: str, answers: dict[int, str]) -> list[Question]:
    """Answer the open questions the person wrote something for; uses the link (once). A conversation
    in the written format is then complete. Raises TokenProblem or InviteError (link left unused)."""
    link = answer_link(raw)
    texts = {q.id: _clean(answers.get(q.id), f"answer-{q.id}", MAX_ANSWER) for q in link.questions
             if not q.is_answered}
    if not any(texts.values()):
        raise InviteError("Write at least one answer.", f"answer-{next(iter(texts), 0)}")
    consume_token(link.token)
    now, answered = utcnow(), []
    for question in link.questions:
        if texts.get(question.id):
            question.status, question.answered_via, question.written_answer = "answered", "written", texts[question.id]
            question.answered_by_id, question.answered_at = link.person.id, now
            answered.append(question)
    db.session.flush()
    if link.meeting is not None:
        end_conversation(link.meeting, "completed", actor=link.person)
    record("question.answered_in_writing", f"{link.person.name} answered {len(answered)} question(s) in writing",
           actor=link.person, candidate=link.candidate, subject=link.meeting or link.questions[0])
    notify.written_answered(link.candidate, link.person, answered,
                            f"{link.token.subject_type}:{link.token.subject_id}:{link.token.id}")
    return answered


# --- the person's manage link -------------------------------------------------------------------


def manage_link(raw: str) -> ManageLink:
    """The usable manage link for ``raw``, or TokenProblem (``invalid``, ``expired``). Changes nothing."""
    token = find_token(notify.MANAGE, raw)
    meeting = meeting_for_token(token)
    if meeting is None or token.user is None or meeting.staff_id != token.user_id:
        raise TokenProblem("invalid")
    return ManageLink(token, meeting, token.user)


def too_late_to_cancel() -> str:
    hours = int(change_cutoff().total_seconds() // 3600)
    return f"It's too late to cancel here: changes close {hours} hours before the start. Nothing was changed."


def person_cancel(raw: str, reason: str | None, now: datetime) -> Meeting:
    """The person calls off a confirmed conversation before the cut-off, with a reason the candidate
    reads; both calendars get the CANCEL. Raises TokenProblem, InviteError or TransitionRefused."""
    link = manage_link(raw)
    meeting, person = link.meeting, link.person
    reason = (reason or "").strip()
    if not reason:
        raise InviteError(f"Say why, so {meeting_candidate(meeting).user.first_name} knows.", "reason")
    if len(reason) > MAX_REASON:
        raise InviteError(f"Keep the reason to {MAX_REASON:,} characters or fewer.", "reason")
    if meeting.status != "confirmed":
        raise InviteError("This conversation can't be cancelled: it's already closed.")
    if not can_cancel(meeting, now):
        raise InviteError(too_late_to_cancel())
    end_conversation(meeting, "cancelled", actor=person, reason=reason)
    notify.meeting_cancelled(meeting, by=person)
    record("meeting.cancelled", f"{person.name} cancelled the conversation", actor=person,
           candidate=meeting_candidate(meeting), subject=meeting, reason=reason)
    return meeting


def person_no_show(raw: str, now: datetime) -> Meeting:
    """The person says the candidate didn't come (only once the start has passed)."""
    link = manage_link(raw)
    meeting, person = link.meeting, link.person
    if meeting.status != "confirmed":
        raise InviteError("This conversation is already closed.")
    if not has_started(meeting, now):
        raise InviteError("You can report a no-show once the start time has passed.")
    transition(meeting, "no_show", actor=person, note="Reported by the person", no_show_reported_by="staff")
    candidate = meeting_candidate(meeting)
    record("meeting.no_show", f"{person.name} reported that {candidate.user.name} didn't come to the conversation",
           actor=person, candidate=candidate, subject=meeting)
    return meeting


def person_move_options(meeting: Meeting, now: datetime) -> list[tuple[str, str]]:
    """Times the person could move a confirmed conversation to: free for both sides, after the
    cut-off, shown in the person's zone with the candidate's time beside it."""
    person, candidate = meeting.staff, meeting_candidate(meeting)
    if person.profile is None or meeting.start_at is None:
        return []
    offered = offered_slots(candidate, person.profile, meeting.length_minutes, now, exclude_id=meeting.id,
                            earliest=now + change_cutoff())
    options = []
    for slot, how in offered.slots:
        if slot.start == meeting.start_at:
            continue
        mine, theirs = slot.start.astimezone(ZoneInfo(person.timezone)), slot.start.astimezone(
            ZoneInfo(candidate.user.timezone))
        early_late = "" if how.inside else f", {how.kind} for them"
        label = (f"{mine:%a} {mine.day} {mine:%b, %H:%M} {mine.tzname()} "
                 f"({theirs:%H:%M} {theirs.tzname()} for {candidate.user.first_name}{early_late})")
        options.append((slot_value(slot.start), label))
    return options


def person_reschedule(raw: str, start: datetime | None, now: datetime) -> Meeting:
    """The person moves a confirmed conversation to another free time before the cut-off; both sides
    get the new time and an updated calendar entry. Raises TokenProblem or InviteError."""
    from .requests import RequestError, reschedule_meeting

    link = manage_link(raw)
    try:
        return reschedule_meeting(meeting_candidate(link.meeting), link.meeting, start, now, by=link.person)
    except RequestError as error:
        raise InviteError(str(error), getattr(error, "field", None)) from None
