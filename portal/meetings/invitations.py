"""The person's answer to an invitation, by e-mailed link and without an account: accept (choose a
time), decline or propose another time. Flush, never commit.

Invitation links (``notify.send_invitation``): three tokens per mail, purposes ``meeting_accept``,
``meeting_decline`` and ``meeting_propose`` (up to three of the person's own free times that suit
the candidate too; the candidate accepts one in the portal: ``proposals``), each bound to its action on one conversation and to
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

import sqlalchemy as sa

from ..audit.services import record
from ..auth.models import ActionToken
from ..extensions import db
from ..i18n import _, ngettext
from ..auth.tokens import TokenProblem, consume_token, find_token
from ..timeutil import format_datetime, utcnow
from . import notify
from .calendar import agenda_questions, video_link_for
from .capacity import lock_person
from .links import InviteError, clean_text, meeting_for_token
from .models import CounterTime, Meeting, ProposedSlot, Status
from .free_times import Offered, free_in_their_calendar, offered_slots
from .states import confirm, still_free, transition
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
    if meeting.status == Status.PROPOSED:
        return "proposed"
    return {"expired": "request_expired"}.get(meeting.status, "cancelled")


def invitation_link(raw: str) -> InviteLink:
    """The usable invitation link for ``raw``, or TokenProblem saying why not. Changes nothing.

    Reasons: ``invalid``, ``used``, ``expired``, and, winning over those, ``answered``, ``proposed``,
    ``cancelled``, ``request_expired``, ``moved`` (a recruiter gave the request to someone else) or
    ``decided`` (the candidate's offer process has ended).
    """
    try:
        token = find_token(notify.INVITE_PURPOSES, raw)  # accept, decline or propose: one query
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
    """The candidate's proposed times that are still ahead and free for both."""
    return still_free(meeting, meeting.slots, now)


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
            raise InviteError(_("Choose one of the proposed times."), "slot")
        if slot.start_at <= utcnow():
            raise InviteError(_("That time has already passed. Choose a later one, or propose another time."), "slot")
        if not free_in_their_calendar(meeting, slot.start_at, utcnow()):
            raise InviteError(_("That time is no longer free in your calendar. Choose another one, or propose "
                                "other times."), "slot")
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


MAX_COUNTER_TIMES = 3


def proposable_times(meeting: Meeting, now: datetime | None = None) -> Offered:
    """The person's own free times that also suit the candidate (free, within their hours, before
    their deadline, within the person's weekly cap): what the person may propose instead. The times
    the candidate offered are left out: "other times" are other times (one of those is accepted)."""
    now = now or utcnow()
    profile = meeting.staff.profile
    if profile is None or meeting.format == "written":
        return Offered([])
    found = offered_slots(meeting.candidate, profile, meeting.length_minutes, now, exclude_id=meeting.id)
    theirs = {slot.start_at for slot in meeting.slots}
    return Offered([(slot, fit) for slot, fit in found.slots if slot.start not in theirs], found.outside,
                   found.hidden)


def propose_times(raw: str, starts: list[datetime | None], message: str | None) -> Meeting:
    """The person can't make the candidate's times and proposes up to three of their own free times
    (with an optional message): the conversation waits for the candidate to accept one (``proposed``)."""
    link = invitation_link(raw)
    meeting, person = link.meeting, link.meeting.staff
    message = clean_text(message, "message")
    if any(start is None for start in starts):
        raise InviteError(_("Choose times from the list."), "times")
    starts = sorted(set(starts))
    if not starts:
        raise InviteError(_("Choose at least one of your free times."), "times")
    if len(starts) > MAX_COUNTER_TIMES:
        raise InviteError(ngettext("Choose up to %(num)d time.", "Choose up to %(num)d times.", MAX_COUNTER_TIMES),
                          "times")
    now = utcnow()
    lock_person(person.id)  # counted against the weekly cap like a request: no interleaving exceeds it
    free = {slot.start for slot, _fit in proposable_times(meeting, now).slots}
    for start in starts:
        if start not in free:
            raise InviteError(_("%(time)s isn't free any more for you or for %(name)s. Choose another time.",
                                time=format_datetime(start, person.timezone), name=meeting.candidate.user.first_name),
                              "times")
    _use(link, "propose")
    length = timedelta(minutes=meeting.length_minutes)
    meeting.counter_times = [CounterTime(start_at=start, end_at=start + length) for start in starts]
    db.session.flush()
    transition(meeting, Status.PROPOSED, actor=person, note=message or None)
    record("meeting.time_proposed", f"{person.name} proposed {len(starts)} other "
           f"time{'' if len(starts) == 1 else 's'}", actor=person, candidate=meeting.candidate, subject=meeting)
    notify.time_proposed(meeting, message)
    return meeting
