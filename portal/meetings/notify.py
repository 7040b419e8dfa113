"""What the outside world hears when a conversation changes: e-mails, calendar invitations,
reminders. Every function flushes (outbox rows), never commits, and is safe to call once per event.

Every mail has a deterministic dedupe key (kind, conversation, calendar sequence, recipient), so
calling a function twice for the same event queues nothing new. Reminders are outbox rows with
``send_after``; their keys start ``meeting_reminder_24h:<id>:`` / ``meeting_reminder_1h:<id>:``,
which is how a change or cancellation finds and withdraws the ones not sent yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app

from ..auth.models import User
from ..extensions import db
from ..i18n import language_of
from ..mail.models import OutboxMessage
from ..mail.services import queue_mail
from ..auth.tokens import issue_token
from ..templating import absolute_url
from ..timeutil import utcnow
from .calendar import agenda_lines, attachment, shown_text
from .models import Meeting, MeetingTransition
from .states import still_free

ACCEPT, DECLINE, PROPOSE = "meeting_accept", "meeting_decline", "meeting_propose"
INVITE_PURPOSES = (ACCEPT, DECLINE, PROPOSE)
MANAGE = "meeting_manage"  # the person's standing link to cancel or report a no-show
MANAGE_DAYS_AFTER = 7
DEFAULT_INVITATION_EXPIRY_HOURS = 72
REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))


# --- who, when ----------------------------------------------------------------------------------


def recruiters_for(candidate) -> list[User]:
    """The candidate's owner; without an active owner, every active recruiter (someone must hear)."""
    if candidate.owner is not None and candidate.owner.active:
        return [candidate.owner]
    return list(db.session.scalars(_recruiters_statement()))


@cache
def _recruiters_statement() -> sa.Select:
    """Every active recruiter: built once (with its cache key)."""
    return sa.select(User).where(User.role == "recruiter", User.active.is_(True)).order_by(User.id)


def invitation_hours() -> int:
    return int(current_app.config.get("INVITATION_EXPIRY_HOURS") or DEFAULT_INVITATION_EXPIRY_HOURS)


def invited_at(meeting: Meeting) -> datetime:
    """When the current person was invited (the last move to ``invited``; creation if none recorded)."""
    return db.session.scalar(_invited_at_statement(), {"meeting_id": meeting.id}) or meeting.created_at


@cache
def _invited_at_statement() -> sa.Select:
    """``invited_at``'s statement, built once (with its cache key): every invitation page reads it."""
    return sa.select(sa.func.max(MeetingTransition.at)).where(
        MeetingTransition.meeting_id == sa.bindparam("meeting_id"), MeetingTransition.to_status == "invited")


def invitation_expires_at(meeting: Meeting) -> datetime:
    return invited_at(meeting) + timedelta(hours=invitation_hours())


def portal_link() -> str:
    """Where a candidate follows their conversations (/meetings; home until that page exists)."""
    endpoint = "meetings.index" if "meetings.index" in current_app.view_functions else "main.home"
    return absolute_url(endpoint)


def _context(meeting: Meeting, **extra) -> dict:
    candidate = meeting.candidate
    return {"meeting": meeting, "candidate": candidate, "person": meeting.staff, "agenda": agenda_lines(meeting),
            "portal_link": portal_link(), **extra}


def _queued(key: str) -> bool:
    return db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None


def _unique(users) -> list[User]:
    return list({user.id: user for user in users if user is not None}.values())


# --- requests -----------------------------------------------------------------------------------


def request_created(meeting, by) -> None:
    """A candidate asked for a conversation: tell the recruiter (needs_approval) or the person (invited).

    The recruiter gets one mail per request rather than a daily digest: an approval holds up a
    candidate who has a decision deadline measured in days, and the person's invitation clock only
    starts once it is approved, so a digest would add up to a day to every approval. Requests that
    need approval are few (leadership, investors, board; each person has a weekly cap), each mail
    is one decision with its own context, and the queue at /recruiter/requests is the digest view
    for anyone who prefers to work through them together.
    """
    if meeting.status == "needs_approval":
        context = _context(meeting)
        for recruiter in recruiters_for(context["candidate"]):
            key = f"meeting_approval_needed:{meeting.id}:{recruiter.id}"
            if _queued(key):
                continue
            queue_mail("meeting_approval_needed", to=recruiter.email, dedupe_key=key, recipient=recruiter,
                       review_token=review_link(meeting, recruiter), **context)
    elif meeting.status == "invited":
        send_invitation(meeting)


REVIEW = "meeting_review"  # the recruiter's link in the approval mail: approve or reject right there
REVIEW_LINK_DAYS = 14


def review_link(meeting: Meeting, recruiter: User) -> str:
    """Issue ``recruiter``'s link to approve or reject this request (``meetings.views.review``): bound
    to the request and the recruiter, used up by a decision, working for ``REVIEW_LINK_DAYS`` days.
    Once the request is no longer waiting (decided in the queue, withdrawn…) the link says what
    happened instead (``queue.review_link_problem``). Returns the raw token."""
    raw, _ = issue_token(REVIEW, timedelta(days=REVIEW_LINK_DAYS), user=recruiter, subject=meeting)
    return raw


def invitation_token(meeting: Meeting, purpose: str, expires_at: datetime):
    """One of the person's invitation links (``purpose``: accept, decline or propose), bound to them and
    this conversation, ending exactly when the invitation does: (raw token, row). Flushed."""
    raw, token = issue_token(purpose, expires_at - utcnow(), user=meeting.staff, subject=meeting)
    token.expires_at = expires_at  # exactly the invitation's end, not "now + lifetime" a moment later
    db.session.flush()
    return raw, token


def send_invitation(meeting: Meeting, *, reminder: bool = False, new_times: bool = False) -> bool:
    """Mail the person Accept / Decline / Propose links (three tokens, each bound to its action on
    this conversation, all expiring with the invitation), with the candidate's times that are still
    free. False if already sent, already expired, or (a reminder) none of the times is free any more:
    the candidate has been asked for new ones instead (``times_gone``). ``new_times``: the candidate
    offered new times, a new invitation (its own dedupe key, one per set of times)."""
    person = meeting.staff
    kind = "meeting_invitation_reminder" if reminder else "meeting_invitation"
    key = f"{kind}:{meeting.id}:{person.id}"
    if new_times or (reminder and _offered_new_times(meeting)):  # each set of times gets its own mails
        key += f":times-{max((slot.id for slot in meeting.slots), default=0)}"
    expires_at = invitation_expires_at(meeting)
    lifetime = expires_at - utcnow()
    if meeting.status != "invited" or _queued(key) or lifetime <= timedelta(0):
        return False
    slots = still_free(meeting, meeting.slots)
    if reminder and meeting.format != "written" and not slots:
        return False
    links = {purpose: invitation_token(meeting, purpose, expires_at)[0] for purpose in INVITE_PURPOSES}
    queue_mail(kind, to=person.email, dedupe_key=key, links=links, expires_at=expires_at,
               slots=slots, new_times=new_times, **_context(meeting))
    if not reminder:  # invited with none of the candidate's times free (approved or passed on late): ask them
        ask_for_new_times(meeting)
    return True


def _offered_new_times(meeting: Meeting) -> bool:
    return any(t.from_status == t.to_status == "invited" for t in meeting.transitions)


def _others(meeting: Meeting) -> list:
    """Who else the candidate could ask (``alternatives``; imported here: it reads through ``requests``,
    which imports this module)."""
    from .alternatives import alternatives

    return alternatives(meeting, utcnow())


def request_rejected(meeting, by) -> None:
    """A recruiter rejected the request: tell the candidate, with the reason and others to ask."""
    context = _context(meeting, alternatives=_others(meeting))
    queue_mail("meeting_rejected", to=context["candidate"].user.email,
               dedupe_key=f"meeting_rejected:{meeting.id}", **context)


def request_redirected(meeting: Meeting, by, previous: User) -> None:
    """A recruiter passed the request to someone else: the candidate hears who, the new person is invited."""
    context = _context(meeting, previous=previous)
    queue_mail("meeting_redirected", to=context["candidate"].user.email,
               dedupe_key=f"meeting_redirected:{meeting.id}:{meeting.staff_id}", **context)
    send_invitation(meeting)


def time_proposed(meeting: Meeting, message: str | None) -> None:
    """The person proposed other times: the candidate is asked to choose one (in the portal, one
    click), the recruiter hears it too."""
    context = _context(meeting, message=message, times=list(meeting.counter_times),
                       answer_link=absolute_url("meetings.show", meeting_id=meeting.id),
                       answer_by=utcnow() + timedelta(hours=invitation_hours()))  # proposals.proposal_expires_at
    for user in _unique([context["candidate"].user, *recruiters_for(context["candidate"])]):
        queue_mail("meeting_time_proposed", to=user.email, dedupe_key=f"meeting_time_proposed:{meeting.id}:{user.id}",
                   recipient=user, **context)


def invitation_expired(meeting: Meeting) -> None:
    """Nobody answered in time: the candidate and the recruiter are told. When it was the person's
    proposed times that ran out (``counter_times``), the person hears it too."""
    proposal = bool(meeting.counter_times)
    context = _context(meeting, hours=invitation_hours(), proposal=proposal,
                       alternatives=None if proposal else _others(meeting))
    person = [meeting.staff] if meeting.counter_times else []
    for user in _unique([context["candidate"].user, *person, *recruiters_for(context["candidate"])]):
        queue_mail("meeting_expired", to=user.email, dedupe_key=f"meeting_expired:{meeting.id}:{user.id}",
                   recipient=user, **context)


# The statuses in which a request waits on the times the candidate offered.
ON_OFFERED_TIMES = ("needs_approval", "approved", "invited")


def times_gone(meeting: Meeting, now: datetime | None = None) -> bool:
    """Every time the candidate offered has passed or been taken, and the request still waits on them."""
    return (meeting.status in ON_OFFERED_TIMES and meeting.format != "written" and bool(meeting.slots)
            and not still_free(meeting, meeting.slots, now))


def ask_for_new_times(meeting: Meeting, now: datetime | None = None) -> bool:
    """When every time the candidate offered is gone, tell them at once and ask for new ones (once per
    set of times). False when a time is still free or they have been asked already."""
    if not times_gone(meeting, now):
        return False
    key = f"meeting_times_gone:{meeting.id}:{max(slot.id for slot in meeting.slots)}"
    if _queued(key):
        return False
    context = _context(meeting, answer_link=absolute_url("meetings.show", meeting_id=meeting.id) + "#new-times")
    queue_mail("meeting_times_gone", to=context["candidate"].user.email, dedupe_key=key, **context)
    return True


def _ask_whose_times_went(meeting: Meeting) -> None:
    """``meeting`` just took time: other requests of its person or its candidate may have lost their
    last free time to it."""
    others = db.session.scalars(sa.select(Meeting).where(
        sa.or_(Meeting.staff_id == meeting.staff_id, Meeting.candidate_id == meeting.candidate_id),
        Meeting.id != meeting.id, Meeting.status.in_(ON_OFFERED_TIMES), Meeting.format != "written"))
    for other in others:
        ask_for_new_times(other)


# --- confirmed, changed, called off -------------------------------------------------------------


def _both_sides(meeting: Meeting, candidate) -> list[tuple[User, User]]:
    """(recipient, the other party) for the candidate and the person."""
    return [(candidate.user, meeting.staff), (meeting.staff, candidate.user)]


def _queue_reminders(meeting: Meeting, candidate) -> None:
    now = utcnow()
    for label, before in REMINDERS:
        send_at = meeting.start_at - before
        if send_at <= now:  # confirmed too late for this one: the confirmation is reminder enough
            continue
        for recipient, other in _both_sides(meeting, candidate):
            queue_mail("meeting_reminder", to=recipient.email, send_after=send_at,
                       dedupe_key=f"meeting_reminder_{label}:{meeting.id}:{meeting.sequence}:{recipient.id}",
                       recipient=recipient, other=other, label=label, **_context(meeting))


def withdraw_reminders(meeting: Meeting, why: str) -> int:
    """Reminders for this conversation not sent yet become ``dead`` ("withdrawn: <why>")."""
    prefixes = [OutboxMessage.dedupe_key.startswith(f"meeting_reminder_{label}:{meeting.id}:", autoescape=True)
                for label, _ in REMINDERS]
    result = db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.status == "pending", sa.or_(*prefixes))
        .values(status="dead", last_error=f"withdrawn: {why}")
        .execution_options(synchronize_session=False))
    return result.rowcount


def manage_link(meeting: Meeting, person: User) -> str:
    """The person's standing link to cancel or report a no-show: bound to this conversation and
    this person, not used up by use, ending ``MANAGE_DAYS_AFTER`` days after the conversation."""
    expires_at = meeting.end_at + timedelta(days=MANAGE_DAYS_AFTER)
    raw, token = issue_token(MANAGE, expires_at - utcnow(), user=person, subject=meeting)
    token.expires_at = expires_at
    db.session.flush()
    return absolute_url("meetings.manage", token=raw)


def _mail_both(kind: str, meeting: Meeting, method: str | None, *, manage: bool = False, **extra) -> None:
    """Both sides; with ``manage`` the person's mail also carries their manage link (issued once per mail)."""
    context = _context(meeting, **extra)
    for recipient, other in _both_sides(meeting, context["candidate"]):
        key = f"{kind}:{meeting.id}:{meeting.sequence}:{recipient.id}"
        files = [attachment(meeting, method, reader=recipient)] if method else []  # the .ics in their language
        link = None
        if manage and recipient.id == meeting.staff_id and not _queued(key):
            link = manage_link(meeting, recipient)
        queue_mail(kind, to=recipient.email, dedupe_key=key, attachments=files, recipient=recipient, other=other,
                   manage_link=link, **context)


def meeting_confirmed(meeting, by) -> None:
    """Both sides get a confirmation with an .ics (METHOD:REQUEST); reminders 24 h and 1 h before.

    Written answers have no time and no calendar entry: the candidate hears that answers will come
    (the person already has the link to write them).
    """
    if meeting.start_at is None:
        context = _context(meeting)
        queue_mail("meeting_written_accepted", to=context["candidate"].user.email,
                   dedupe_key=f"meeting_written_accepted:{meeting.id}", **context)
        return
    _mail_both("meeting_confirmed", meeting, "REQUEST", manage=True)
    _queue_reminders(meeting, meeting.candidate)
    _ask_whose_times_went(meeting)


def meeting_changed(meeting, by) -> None:
    """Rescheduled: both sides get the new time and an .ics with the same UID and a higher SEQUENCE."""
    withdraw_reminders(meeting, "rescheduled")
    _mail_both("meeting_changed", meeting, "REQUEST", manage=True, by=by)
    _queue_reminders(meeting, meeting.candidate)
    _ask_whose_times_went(meeting)


def meeting_cancelled(meeting, by) -> None:
    """Cancelled: the other side is told, calendars get METHOD:CANCEL, pending reminders are withdrawn.

    With a time (there is a calendar entry) both sides get the CANCEL, the one who cancelled too,
    so their calendar clears. A request called off before that: whoever else knew of it is told.
    """
    withdraw_reminders(meeting, "cancelled")
    if meeting.start_at is not None:
        _mail_both("meeting_cancelled", meeting, "CANCEL", by=by)
        return
    context = _context(meeting, by=by)
    person_knew = any(t.to_status == "invited" for t in meeting.transitions)
    for recipient, other in _both_sides(meeting, context["candidate"]):
        if recipient.id == getattr(by, "id", None) or (recipient.id == meeting.staff_id and not person_knew):
            continue
        queue_mail("meeting_cancelled", to=recipient.email,
                   dedupe_key=f"meeting_cancelled:{meeting.id}:{meeting.sequence}:{recipient.id}",
                   recipient=recipient, other=other, **context)


def meeting_declined(meeting, by) -> None:
    """The person declined: tell the candidate (with up to three others to ask, each one click from a
    request) and the recruiter (who hears whom the candidate was pointed to)."""
    context = _context(meeting, alternatives=_others(meeting))
    for user in _unique([context["candidate"].user, *recruiters_for(context["candidate"])]):
        queue_mail("meeting_declined", to=user.email, dedupe_key=f"meeting_declined:{meeting.id}:{user.id}",
                   recipient=user, **context)


def no_show_reported(meeting, by) -> None:
    """A no-show was reported: the other side hears it kindly, the recruiter hears who said what.

    The candidate reported it: the person is told the candidate couldn't reach them, and whom to write
    to if that's wrong. The person reported it: the candidate is told it's no problem, with a one-click
    rebook with the same person and others to ask (``alternatives``). Either way the candidate's
    recruiter (``recruiters_for``) gets one mail.
    """
    from .alternatives import rebook

    candidate = meeting.candidate
    recruiters = recruiters_for(candidate)
    context = _context(meeting, by=by, contact=recruiters[0] if recruiters else None)
    if meeting.no_show_reported_by == "candidate":
        person = meeting.staff
        queue_mail("meeting_no_show_person", to=person.email, dedupe_key=f"meeting_no_show:{meeting.id}:{person.id}",
                   recipient=person, **context)
    else:
        user = candidate.user
        with language_of(user):  # why a rebook isn't offered: a sentence for the candidate, in their language
            again = rebook(meeting)
        queue_mail("meeting_no_show_candidate", to=user.email, dedupe_key=f"meeting_no_show:{meeting.id}:{user.id}",
                   recipient=user, rebook=again, alternatives=_others(meeting), **context)
    for recruiter in recruiters:
        queue_mail("meeting_no_show_recruiter", to=recruiter.email,
                   dedupe_key=f"meeting_no_show:{meeting.id}:{recruiter.id}", recipient=recruiter, **context)


def written_answered(candidate, person: User, questions, subject_key: str) -> None:
    """The person answered in writing: the candidate can read it in their question list."""
    queue_mail("meeting_written_answered", to=candidate.user.email,
               dedupe_key=f"meeting_written_answered:{subject_key}", candidate=candidate, person=person,
               questions=[shown_text(q) for q in questions])
