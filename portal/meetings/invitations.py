"""The person's answer to an invitation, by e-mailed link and without an account: accept (choose a
time), decline or propose another time. Flush, never commit.

Invitation links (``notify.send_invitation``): three tokens per mail, purposes ``meeting_accept``,
``meeting_decline`` and ``meeting_propose``, each bound to its action on one conversation and to
the person, expiring with the invitation. Using any of them ends every open invitation link of
that conversation (the reminder's too). Reading a link changes nothing; when the conversation has
moved on (answered, cancelled, expired), that answer wins over "used" or "expired", because it is
what the person needs to know.

The person's other links: ``manage`` (cancel, move, report a no-show) and ``written`` (answer in
writing). Whose link it still is: ``links``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import ActionToken
from ..extensions import db
from ..auth.tokens import TokenProblem, consume_token, find_token
from ..timeutil import utcnow
from . import notify
from .calendar import agenda_questions, video_link_for
from .links import InviteError, clean_text, meeting_for_token
from .models import BookedUnit, CandidateBookedUnit, Meeting, ProposedSlot
from .requests import outside_candidate_day
from .states import confirm, transition, units
from .written import mail_written_link

ANSWERED = frozenset({"confirmed", "declined", "completed", "no_show"})


class InviteLink(NamedTuple):
    token: ActionToken
    meeting: Meeting
    action: str  # "accept", "decline" or "propose"


class Accepted(NamedTuple):
    meeting: Meeting
    answer_token: str | None  # written format: the raw link to the answer page


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


def accept_invitation(raw: str, slot_id: int | None) -> Accepted:
    """Confirm one proposed time (raises SlotTaken when someone else just took it: the caller rolls
    back, so the link stays unused). Written answers have no time: the person gets the answer page."""
    link = invitation_link(raw)
    meeting, person = link.meeting, link.meeting.staff
    answer_raw = None
    if meeting.format == "written":
        _use(link, "accept")
        transition(meeting, "confirmed", actor=person)
        answer_raw = mail_written_link(person, meeting, meeting.candidate, agenda_questions(meeting))
    else:
        slot = next((s for s in meeting.slots if s.id == slot_id), None)
        if slot is None:
            raise InviteError("Choose one of the proposed times.", "slot")
        if slot.start_at <= utcnow():
            raise InviteError("That time has already passed. Choose a later one, or propose another time.", "slot")
        _use(link, "accept")
        confirm(meeting, slot.start_at, actor=person, video_link=video_link_for(meeting))
    record("meeting.accepted", f"{person.name} accepted the conversation", actor=person,
           candidate=meeting.candidate, subject=meeting)
    notify.meeting_confirmed(meeting, person)
    return Accepted(meeting, answer_raw)


def decline_invitation(raw: str, reason: str | None) -> Meeting:
    link = invitation_link(raw)
    reason = clean_text(reason, "reason")
    meeting, person = link.meeting, link.meeting.staff
    _use(link, "decline")
    transition(meeting, "declined", actor=person, note=reason or None, reason=reason or None)
    record("meeting.declined", f"{person.name} declined the conversation", actor=person,
           candidate=meeting.candidate, subject=meeting)
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
    proposal = clean_text(proposal, "proposal")
    proposed_at = local_to_utc(when, person.timezone) if when is not None else None
    if not proposal and proposed_at is None:
        raise InviteError("Say when would suit you, or pick a date and time.", "proposal")
    if proposed_at is not None and proposed_at <= utcnow():
        raise InviteError("Pick a time in the future.", "when")
    problem = proposed_at and outside_candidate_day(meeting.candidate.user, proposed_at,
                                                    meeting.length_minutes, person)
    if problem:
        raise InviteError(problem, "when")
    _use(link, "propose")
    record("meeting.time_proposed", f"{person.name} proposed another time", actor=person,
           candidate=meeting.candidate, subject=meeting,
           proposed_at=proposed_at.isoformat() if proposed_at else None)
    notify.time_proposed(meeting, proposal, proposed_at)
    return meeting
