"""Meetings' reactions to what lower features announce (candidates and questions sit below
meetings and do not import it)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..candidates import hooks as candidate_hooks
from ..candidates.decisions import ENDS_CONVERSATIONS, CalledOff
from ..candidates.models import Candidate
from ..extensions import db
from ..questions import hooks as question_hooks
from ..timeutil import utcnow
from . import notify
from .written import request_written_answer
from .models import WAITING, Meeting, Status
from .requests import candidate_meetings, group_conversations
from .states import TransitionRefused, end_conversation


def _still_open(meeting: Meeting, now: datetime) -> bool:
    """A request still waiting, or a confirmed conversation that hasn't started (written: no time)."""
    if meeting.status in WAITING:
        return True
    return meeting.status == Status.CONFIRMED and (meeting.start_at is None or meeting.start_at > now)


def open_conversations(candidate: Candidate, now: datetime) -> list[Meeting]:
    return list(db.session.scalars(
        sa.select(Meeting).where(
            Meeting.candidate_id == candidate.id,
            sa.or_(Meeting.status.in_(WAITING),
                   sa.and_(Meeting.status == Status.CONFIRMED,
                           sa.or_(Meeting.start_at.is_(None), Meeting.start_at > now))))
        .options(joinedload(Meeting.staff)).order_by(Meeting.id)))


def call_off_conversations(candidate: Candidate, *, by, now: datetime | None = None) -> CalledOff:
    """Cancel every open request and upcoming confirmed conversation of ``candidate`` through the state
    machine (time released, reminders withdrawn), each with the usual cancellation mail (METHOD:CANCEL
    when there was a time). A conversation that someone else moved meanwhile is looked at again."""
    now = now or utcnow()
    reason = (f"The offer process for {candidate.position.title} has ended, so this conversation is no longer "
              "needed.")
    result = CalledOff()
    for meeting in open_conversations(candidate, now):
        for _attempt in range(3):
            if not _still_open(meeting, now):
                break
            was = meeting.status
            try:
                end_conversation(meeting, Status.CANCELLED, actor=by, reason=reason)
            except TransitionRefused:
                continue  # changed by someone else just now (transition re-read it): look again
            notify.meeting_cancelled(meeting, by=by)
            kind = "conversation" if was == Status.CONFIRMED else "request"
            record("meeting.cancelled", f"{by.name} called off the {kind} to talk to {meeting.staff.name}: the "
                   "offer process ended", actor=by, candidate=candidate, subject=meeting, reason="offer_ended")
            if was == Status.CONFIRMED:
                result.conversations += 1
            else:
                result.requests += 1
            break
    return result


@candidate_hooks.decided.connect
def _offer_process_ended(candidate: Candidate, *, stage: str, by, now: datetime) -> CalledOff | None:
    """Declined or withdrawn: nothing the candidate asked for is still needed."""
    if stage not in ENDS_CONVERSATIONS:
        return None
    return call_off_conversations(candidate, by=by, now=now)


@candidate_hooks.page_sections.connect
def _conversations_section(candidate: Candidate) -> dict:
    """The recruiter's candidate page: the candidate's conversations grouped as on their /meetings,
    coming up, being arranged, then everything else, newest first."""
    groups = group_conversations(candidate_meetings(candidate), utcnow())
    earlier = sorted(groups["after"] + groups["done"] + groups["closed"], key=lambda m: (m.created_at, m.id),
                     reverse=True)
    return {"conversations": {"upcoming": groups["upcoming"], "waiting": groups["waiting"], "earlier": earlier}}


@question_hooks.directed.connect
def _ask_in_writing(question) -> None:
    """A question for someone in particular: they get a link to answer it in writing."""
    request_written_answer(question, by=question.candidate.user)
