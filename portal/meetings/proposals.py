"""The candidate's turn on a request, about times:

- the person proposed other times (status ``proposed``): accept one (confirmed, a calendar
  invitation to both) or say none suits (the request is withdrawn and the person told); a proposal
  whose times have all passed or been taken expires (the worker, ``tasks.run_due``);
- every time the candidate offered is gone (``notify.times_gone``: passed, or taken by another
  conversation): they were asked at once, and offer new ones here; the person gets a fresh
  invitation with a fresh answering period.

Flush, never commit; ``RequestError`` carries what the candidate reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..audit.services import record
from ..extensions import db
from ..i18n import _
from ..timeutil import format_datetime
from . import notify
from .capacity import lock_person
from .calendar import video_link_for
from .models import CounterTime, Meeting, MeetingTransition, ProposedSlot, Status
from .free_times import free_in_their_calendar
from .requests import MAX_SLOTS, RequestError, check_slots, choose_at_least_one, choose_at_most
from .states import SlotTaken, TransitionRefused, confirm, end_conversation, still_free, transition


def proposal_message(meeting: Meeting) -> str | None:
    """What the person wrote with their times (the note on the move to ``proposed``)."""
    notes = [t.reason for t in meeting.transitions if t.to_status == Status.PROPOSED]
    return notes[-1] if notes else None


def open_times(meeting: Meeting, now: datetime) -> list[CounterTime]:
    """The proposed times the candidate can still choose: ahead, and free for both of them."""
    return still_free(meeting, meeting.counter_times, now)


def _waiting_for_candidate(meeting: Meeting) -> None:
    if meeting.status != Status.PROPOSED:
        raise RequestError(_("This proposal has already been answered: see where the conversation stands below."))


def accept_proposal(candidate, meeting: Meeting, time_id: int | None, now: datetime) -> Meeting:
    """The candidate takes one of the person's times: confirmed for both, with calendar invitations."""
    _waiting_for_candidate(meeting)
    first, by = meeting.staff.first_name, candidate.user
    time = next((t for t in meeting.counter_times if t.id == time_id), None)
    if time is None:
        raise RequestError(_("Choose one of the times %(name)s proposed.", name=first), "time")
    if time.start_at <= now:
        raise RequestError(_("That time has already passed. Choose a later one."), "time")
    if not free_in_their_calendar(meeting, time.start_at, now):
        raise RequestError(_("That time is no longer free in %(name)s's calendar. Choose another of %(name)s's "
                             "times, or tell %(name)s none of them suits you.", name=first), "time")
    try:
        confirm(meeting, time.start_at, actor=by, video_link=video_link_for(meeting))
    except SlotTaken:
        raise RequestError(_("That time was just taken. Choose another of %(name)s's times, or tell %(name)s "
                             "none of them suits you.", name=first), "time") from None
    except TransitionRefused as error:
        raise RequestError(str(error)) from None
    record("meeting.accepted", f"{by.name} accepted {meeting.staff.name}'s proposed time, "
           f"{format_datetime(time.start_at, meeting.staff.timezone)}", actor=by, candidate=candidate,
           subject=meeting)
    notify.meeting_confirmed(meeting, by)
    return meeting


def decline_proposal(candidate, meeting: Meeting, now: datetime) -> Meeting:
    """None of the person's times suits the candidate: the request is withdrawn and the person told;
    the candidate may ask again with other times."""
    _waiting_for_candidate(meeting)
    by = candidate.user
    reason = f"None of the times {meeting.staff.first_name} proposed suits {by.first_name}."
    try:
        end_conversation(meeting, Status.CANCELLED, actor=by, reason=reason)
    except TransitionRefused as error:
        raise RequestError(str(error)) from None
    record("meeting.cancelled", f"{by.name} turned down the times {meeting.staff.name} proposed", actor=by,
           candidate=candidate, subject=meeting)
    notify.meeting_cancelled(meeting, by)
    return meeting


def proposal_expires_at(meeting: Meeting) -> datetime | None:
    """When an unanswered proposal ends: as long after it was made as the person had to answer
    (``notify.invitation_hours``), so it doesn't hold the person's week for a fortnight."""
    made = [t.at for t in meeting.transitions if t.to_status == Status.PROPOSED]
    return made[-1] + timedelta(hours=notify.invitation_hours()) if made else None


def expire_if_gone(meeting: Meeting, now: datetime) -> bool:
    """A proposal none of whose times can still be chosen (passed, or taken since), or unanswered
    for as long as the person had, expires: the candidate, the person and the recruiter are told.
    False when it still stands."""
    if meeting.status != Status.PROPOSED:
        return False
    ends = proposal_expires_at(meeting)
    if open_times(meeting, now) and (ends is None or now < ends):
        return False
    reason = f"None of the times {meeting.staff.first_name} proposed was chosen in time."
    transition(meeting, Status.EXPIRED, note="the proposed times were not chosen in time", reason=reason)
    notify.invitation_expired(meeting)
    return True


NEW_TIMES_NOTE = "new times offered"


def _still(meeting: Meeting, now: datetime) -> None:
    """Claim the request as it was read (compare-and-set on its status): a decline, a proposal, an
    expiry or a cancel that committed meanwhile wins, and nothing here is saved."""
    changed = db.session.execute(
        sa.update(Meeting).where(Meeting.id == meeting.id, Meeting.status == meeting.status)
        .values(updated_at=now).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.refresh(meeting)
        raise RequestError(_("This request was just changed: see where it stands below. Nothing was changed."))


def offer_new_times(candidate, meeting: Meeting, starts: list[datetime | None], now: datetime) -> Meeting:
    """Every time the candidate offered is gone: they offer new ones (checked like a new request's).
    A person already invited gets a new invitation with these times and a new answering period."""
    first, by = meeting.staff.first_name, candidate.user
    if not notify.times_gone(meeting, now):
        raise RequestError(_("This request isn't waiting for new times: see where it stands below."))
    if meeting.staff.profile is None:
        raise RequestError(_("%(name)s is no longer in the directory: ask your recruiter.", name=first))
    if any(start is None for start in starts):
        raise RequestError(_("Choose times from the list."), "slots")
    starts = sorted(set(starts))
    if not starts:
        raise RequestError(choose_at_least_one(), "slots")
    if len(starts) > MAX_SLOTS:
        raise RequestError(choose_at_most(), "slots")
    lock_person(meeting.staff_id)  # counted against the weekly cap like a request
    check_slots(candidate, meeting.staff.profile, starts, meeting.length_minutes, now, exclude_id=meeting.id)
    _still(meeting, now)
    length = timedelta(minutes=meeting.length_minutes)
    meeting.slots = [ProposedSlot(start_at=start, end_at=start + length) for start in starts]
    if meeting.status == Status.INVITED:  # a new invitation: its answering period starts now
        meeting.transitions.append(MeetingTransition(from_status=Status.INVITED, to_status=Status.INVITED,
                                                     actor_id=by.id, at=now, reason=NEW_TIMES_NOTE))
    db.session.flush()
    if meeting.status == Status.INVITED:
        notify.send_invitation(meeting, new_times=True)
    record("meeting.new_times", f"{by.name} offered {meeting.staff.name} {len(starts)} new "
           f"time{'' if len(starts) == 1 else 's'}", actor=by, candidate=candidate, subject=meeting)
    return meeting
