"""The person's manage link, by e-mail and without an account: cancel or move a confirmed
conversation (before the cut-off) or report that the candidate didn't come (after the start).
Flush, never commit.

Manage links (``notify.manage_link``, purpose ``meeting_manage``) come with the person's
confirmation: bound to one conversation and the person, never used up (the person can come back),
ending 7 days after the conversation. Every change goes through ``states`` (or
``requests.reschedule_meeting``). Whose link it still is: ``links``.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import format_decimal

from ..audit.services import record
from ..auth.models import ActionToken, User
from ..auth.tokens import TokenProblem, find_token
from ..i18n import _, ngettext
from ..timeutil import format_day, join_day_and_time, zone_label
from . import notify
from .forms import slot_value
from .links import InviteError, meeting_for_token
from .models import Meeting
from .free_times import offered_slots
from .requests import (
    MAX_REASON,
    RequestError,
    can_cancel,
    change_cutoff,
    has_started,
    reschedule_meeting,
)
from .states import end_conversation, transition


class ManageLink(NamedTuple):
    token: ActionToken
    meeting: Meeting
    person: User


def manage_link(raw: str) -> ManageLink:
    """The usable manage link for ``raw``, or TokenProblem (``invalid``, ``expired``). Changes nothing."""
    token = find_token(notify.MANAGE, raw)
    meeting = meeting_for_token(token)
    if meeting is None or token.user is None or meeting.staff_id != token.user_id:
        raise TokenProblem("invalid")
    return ManageLink(token, meeting, token.user)


def too_late_to_cancel() -> str:
    hours = int(change_cutoff().total_seconds() // 3600)
    return ngettext("It's too late to cancel here: changes close %(num)d hour before the start. Nothing was changed.",
                    "It's too late to cancel here: changes close %(num)d hours before the start. Nothing was "
                    "changed.", hours)


def person_cancel(raw: str, reason: str | None, now: datetime) -> Meeting:
    """The person calls off a confirmed conversation before the cut-off, with a reason the candidate
    reads; both calendars get the CANCEL. Raises TokenProblem, InviteError or TransitionRefused."""
    link = manage_link(raw)
    meeting, person = link.meeting, link.person
    reason = (reason or "").strip()
    if not reason:
        raise InviteError(_("Say why, so %(name)s knows.", name=meeting.candidate.user.first_name), "reason")
    if len(reason) > MAX_REASON:
        raise InviteError(_("Keep the reason to %(limit)s characters or fewer.", limit=format_decimal(MAX_REASON)), "reason")
    if meeting.status != "confirmed":
        raise InviteError(_("This conversation can't be cancelled: it's already closed."))
    if not can_cancel(meeting, now):
        raise InviteError(too_late_to_cancel())
    end_conversation(meeting, "cancelled", actor=person, reason=reason)
    notify.meeting_cancelled(meeting, by=person)
    record("meeting.cancelled", f"{person.name} cancelled the conversation", actor=person,
           candidate=meeting.candidate, subject=meeting, reason=reason)
    return meeting


def person_no_show(raw: str, now: datetime) -> Meeting:
    """The person says the candidate didn't come (only once the start has passed): the candidate is
    told kindly, with a one-click rebook, and the recruiter hears it (``notify.no_show_reported``)."""
    link = manage_link(raw)
    meeting, person = link.meeting, link.person
    if meeting.status != "confirmed":
        raise InviteError(_("This conversation is already closed."))
    if not has_started(meeting, now):
        raise InviteError(_("You can report a no-show once the start time has passed."))
    transition(meeting, "no_show", actor=person, note="Reported by the person", no_show_reported_by="staff")
    notify.no_show_reported(meeting, by=person)
    candidate = meeting.candidate
    record("meeting.no_show", f"{person.name} reported that {candidate.user.name} didn't come to the conversation",
           actor=person, candidate=candidate, subject=meeting)
    return meeting


def person_move_options(meeting: Meeting, now: datetime) -> list[tuple[str, str]]:
    """Times the person could move a confirmed conversation to: free for both sides, after the
    cut-off, shown in the person's zone with the candidate's time beside it."""
    person, candidate = meeting.staff, meeting.candidate
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
        when = f"{join_day_and_time(format_day(mine, 'MMMEd'), f'{mine:%H:%M}')} {zone_label(mine)}"
        theirs_at = f"{theirs:%H:%M} {zone_label(theirs)}"
        name = candidate.user.first_name
        if how.inside:
            label = _("%(when)s (%(time)s for %(name)s)", when=when, time=theirs_at, name=name)
        elif how.kind == "early":
            label = _("%(when)s (%(time)s for %(name)s, early for them)", when=when, time=theirs_at, name=name)
        else:
            label = _("%(when)s (%(time)s for %(name)s, late for them)", when=when, time=theirs_at, name=name)
        options.append((slot_value(slot.start), label))
    return options


def person_reschedule(raw: str, start: datetime | None, now: datetime) -> Meeting:
    """The person moves a confirmed conversation to another free time before the cut-off; both sides
    get the new time and an updated calendar entry. Raises TokenProblem or InviteError."""
    link = manage_link(raw)
    try:
        return reschedule_meeting(link.meeting.candidate, link.meeting, start, now, by=link.person)
    except RequestError as error:
        raise InviteError(str(error), error.field) from None
