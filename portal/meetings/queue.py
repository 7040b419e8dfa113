"""The approval queue: requests to people who need a recruiter's yes first (flush, never commit).

Approving, rejecting and redirecting are transitions of the one state machine, so two recruiters
acting on the same request at once cannot both succeed: the second gets TransitionRefused.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import format_decimal
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..audit.services import record
from ..auth.models import User
from ..candidates.models import Candidate
from ..extensions import db
from ..forms import FieldError
from ..i18n import _, ngettext
from ..people import picker
from ..people.models import StaffProfile
from ..auth.models import ActionToken
from ..auth.tokens import consume_token, end_links, find_token, link_rule
from . import notify
from ..timeutil import format_date, utcnow
from .models import Meeting, meeting_question
from .capacity import full_week, has_waiting, lock_person
from .states import transition

MAX_REASON = 1000


class QueueError(FieldError):
    """A decision that needs another look; ``field`` names the form field the message belongs to."""


@dataclass
class QueueRow:
    meeting: Meeting
    candidate: Candidate
    agenda_count: int


def get_meeting(meeting_id: int) -> Meeting | None:
    return db.session.get(Meeting, meeting_id)


def approval_queue() -> list[QueueRow]:
    """Requests waiting for approval, oldest first, with all they show: two queries at any size (the
    requests with their person, candidate and agenda's size; their proposed times)."""
    return [QueueRow(meeting, meeting.candidate, count) for meeting, count in db.session.execute(_queue_statement())]


@functools.cache
def _queue_statement() -> sa.Select:
    """Built once: SQLAlchemy keys its compiled statements by the statement's whole structure, loader
    options included, which it works out again for every new statement object (a tenth of the queue)."""
    agenda = (sa.select(sa.func.count()).where(meeting_question.c.meeting_id == Meeting.id)
              .correlate(Meeting).scalar_subquery())
    return (sa.select(Meeting, agenda).where(Meeting.status == "needs_approval")
            .options(joinedload(Meeting.staff).joinedload(User.profile),
                     joinedload(Meeting.candidate).options(joinedload(Candidate.user), joinedload(Candidate.position)),
                     selectinload(Meeting.slots))
            .order_by(Meeting.created_at, Meeting.id))


SCOPE = "requests"  # whom a request can be passed to: shown in the directory, active, accepting requests


def redirect_choices(meeting: Meeting, people: list[StaffProfile] | None) -> list[StaffProfile] | None:
    """The people a ``<select>`` offers for ``meeting`` (everyone in a small company, ``people.picker.
    small_list``, but the person it is with), or None: the field is a search box."""
    return None if people is None else [p for p in people if p.user_id != meeting.staff_id]


def find_choice(text: str) -> int | None:
    """The person chosen: an id (the ``<select>``), or what was typed ("Name · Title" as offered, an
    e-mail address, a name only one person has); PickProblem when that isn't one person."""
    text = (text or "")[:picker.MAX_TEXT]
    if text.strip().isascii() and text.strip().isdigit():
        return int(text) if len(text.strip()) < 19 else None
    profile = picker.resolve(SCOPE, text)
    return profile.user_id if profile is not None else None


def _candidate(meeting: Meeting) -> Candidate:
    return meeting.candidate


def _room_in_week(meeting: Meeting, profile: StaffProfile, by: User, field: str) -> None:
    """The person (row-locked until commit) has room in the week of every proposed time, or QueueError."""
    lock_person(profile.user_id)
    full = full_week(profile, [slot.start_at for slot in meeting.slots], utcnow(), exclude_id=meeting.id)
    if full is None:
        return
    first, cap = profile.user.first_name, profile.weekly_cap
    if cap == 0:
        raise QueueError(_("%(name)s isn't taking conversations at the moment (a limit of 0 a week). Pass the "
                           "request to someone else or reject it with a reason.", name=first), field)
    raise QueueError(ngettext(
        "%(name)s's week of %(week)s is full: %(num)d conversation a week at most, and that many are planned or "
        "offered. Pass the request to someone else or reject it with a reason.",
        "%(name)s's week of %(week)s is full: %(num)d conversations a week at most, and that many are planned or "
        "offered. Pass the request to someone else or reject it with a reason.",
        cap, name=first, week=format_date(full, by.timezone)), field)


def approve_request(meeting: Meeting, by: User) -> Meeting:
    """needs_approval → approved → invited; the person gets the invitation (if their week has room)."""
    if meeting.status == "needs_approval" and meeting.staff.profile is not None:
        _room_in_week(meeting, meeting.staff.profile, by, "approve")
    transition(meeting, "approved", actor=by)
    transition(meeting, "invited", actor=by)
    record("meeting.approved", f"{by.name} approved the request to {meeting.staff.name}", actor=by,
           candidate=_candidate(meeting), subject=meeting)
    notify.send_invitation(meeting)
    return meeting


def reject_request(meeting: Meeting, reason: str | None, by: User, *, reason_required: bool = True) -> Meeting:
    """needs_approval → rejected, with a reason the candidate will read (optional from the approval
    e-mail's link, ``reason_required=False``: the candidate then reads that it can't go ahead)."""
    reason = (reason or "").strip()
    if not reason and reason_required:
        raise QueueError(_("Write a reason: the candidate will read it."), "reason")
    if len(reason) > MAX_REASON:
        raise QueueError(_("Keep the reason under %(limit)s characters (it has %(count)s).",
                           limit=format_decimal(MAX_REASON), count=format_decimal(len(reason))), "reason")
    transition(meeting, "rejected", actor=by, note=reason, reason=reason)
    record("meeting.rejected", f"{by.name} rejected the request to {meeting.staff.name}", actor=by,
           candidate=_candidate(meeting), subject=meeting)
    notify.request_rejected(meeting, by)
    return meeting


def redirect_request(meeting: Meeting, person_id: int | None, by: User) -> Meeting:
    """Give the request to someone else: it goes straight to them (invited), with the same times."""
    profile = picker.get(SCOPE, person_id)
    if profile is None:
        raise QueueError(_("Choose someone from the list."), "person")
    previous = meeting.staff
    if profile.user_id == previous.id:
        raise QueueError(_("The request is already with %(name)s. Choose someone else.", name=previous.name),
                         "person")
    waiting = _("%(candidate)s already has a request waiting for %(name)s. Choose someone else, or reject this "
                "one with a reason.", candidate=_candidate(meeting).user.first_name, name=profile.user.name)
    if meeting.status == "needs_approval":
        _room_in_week(meeting, profile, by, "person")
        if has_waiting(meeting.candidate_id, profile.user_id):
            raise QueueError(waiting, "person")
    try:
        with db.session.begin_nested():  # ux_meeting_one_waiting, should a request arrive meanwhile
            transition(meeting, "invited", actor=by, note=f"redirected from {previous.name}",
                       staff_id=profile.user_id, redirected_from_id=previous.id)
    except IntegrityError:
        raise QueueError(waiting, "person") from None
    db.session.refresh(meeting, ["staff"])
    end_links(subject=meeting, keep_user_id=meeting.staff_id)  # the previous person's links end here
    record("meeting.redirected", f"{by.name} passed the request from {previous.name} to {meeting.staff.name}",
           actor=by, candidate=_candidate(meeting), subject=meeting)
    notify.request_redirected(meeting, by, previous)
    return meeting


# --- the approval e-mail's link ------------------------------------------------------------------
# ``notify.review_link`` mails each recruiter a link (purpose ``notify.REVIEW``) bound to the request
# and to them; ``views.review`` shows the request (GET) and approves or rejects it (POST) through the
# functions above, so the weekly cap and the mails are the same as from the queue.


class ReviewLink(NamedTuple):
    token: ActionToken
    meeting: Meeting
    recruiter: User


@link_rule(notify.REVIEW)
def review_link_problem(token: ActionToken) -> str | None:
    """A review link is its recruiter's while they are an active recruiter and the request exists
    and waits for approval: ``gone`` (the request was deleted), ``closed`` (the account no longer
    reviews requests), ``decided`` (the candidate's offer process ended), ``handled`` (approved,
    rejected, passed on or withdrawn: ``review_outcome`` says by whom). These win over used and expired."""
    if token.subject_type != Meeting.__name__ or token.subject_id is None:
        return "invalid"
    meeting = db.session.get(Meeting, token.subject_id)
    if meeting is None:
        return "gone"
    recruiter = token.user
    if recruiter is None or not recruiter.active or not recruiter.is_recruiter:
        return "closed"
    candidate = meeting.candidate
    if candidate is None or not candidate.keeps_conversations:
        return "decided"
    if meeting.status != "needs_approval":
        return "handled"
    return None


def review_link(raw: str) -> ReviewLink:
    """The usable review link for ``raw``, or TokenProblem saying why not. Changes nothing."""
    token = find_token(notify.REVIEW, raw)
    meeting = db.session.get(Meeting, token.subject_id)
    return ReviewLink(token, meeting, token.user)


@dataclass
class Outcome:
    """What became of a request once it left the approval queue: ``kind`` (approved, rejected,
    redirected, cancelled, or moved on otherwise), who did it and when."""

    kind: str
    by: User | None
    at: datetime | None
    reason: str | None = None


def review_outcome(meeting: Meeting) -> Outcome:
    """How the request left ``needs_approval`` (its history: the step out of it)."""
    step = next((t for t in reversed(meeting.transitions) if t.from_status == "needs_approval"), None)
    if step is None:
        return Outcome("other", None, None)
    by = db.session.get(User, step.actor_id) if step.actor_id is not None else None
    kind = {"approved": "approved", "rejected": "rejected", "cancelled": "cancelled",
            "invited": "redirected"}.get(step.to_status, "other")
    return Outcome(kind, by, step.at, step.reason)


def use_review_link(link: ReviewLink, decision: str, reason: str | None = None) -> Meeting:
    """Approve or reject through the recruiter's link (once: the link is used up). Raises
    TransitionRefused (someone else decided a moment ago), QueueError (the week is full; a reason
    too long) or TokenProblem; the caller rolls back and the link stays unused."""
    consume_token(link.token)
    if decision == "approve":
        return approve_request(link.meeting, by=link.recruiter)
    return reject_request(link.meeting, reason, by=link.recruiter, reason_required=False)
