"""Conversation chores the outbox worker runs on every pass (``portal.worker.run_worker``).

``run_due(now)``:
- an invitation nobody answered for INVITATION_EXPIRY_HOURS (default 72) becomes ``expired``; the
  candidate and the recruiter are told;
- halfway there, the person gets one reminder with fresh links (the first ones keep working);
- a request whose offered times have all passed: the candidate is asked for new ones, once
  (``notify.ask_for_new_times``; times taken by another conversation are caught when it's confirmed);
- times a person proposed instead (``proposed``) that have all passed or been taken: the proposal
  expires and everyone is told (``proposals.expire_if_gone``).

Each conversation is handled in its own short transaction, so one bad row is logged and skipped
rather than holding up the rest (or the outbox after it). Safe to run in several workers at once:
expiry is a compare-and-set transition, and the reminder's dedupe key lets one of them queue it.
24 h / 1 h reminders need nothing here: they are outbox rows with ``send_after``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..auth.models import ActionToken
from ..extensions import db
from . import notify
from .models import Meeting, MeetingTransition, ProposedSlot, Status
from .proposals import expire_if_gone
from .states import TransitionRefused, transition

logger = logging.getLogger(__name__)


@dataclass
class DueResult:
    expired: int = 0
    reminded: int = 0
    proposals_expired: int = 0
    asked_for_times: int = 0
    errors: list[str] = field(default_factory=list)


def _invited_since(cutoff: datetime):
    """Open invitations whose (latest) invitation is at or before ``cutoff``, oldest first.

    Starts from the few conversations that are invited now (ix_meeting_status_created) and looks
    up each one's invitation time by its own history, never scanning every transition.
    """
    invited_at = (sa.select(sa.func.max(MeetingTransition.at))
                  .where(MeetingTransition.meeting_id == Meeting.id, MeetingTransition.to_status == "invited")
                  .correlate(Meeting).scalar_subquery())
    since = sa.func.coalesce(invited_at, Meeting.created_at)
    return list(db.session.scalars(
        sa.select(Meeting.id).where(Meeting.status == "invited", since <= cutoff).order_by(since, Meeting.id)))


def _answered(meeting: Meeting) -> bool:
    """The person already used one of their links (proposed another time): no nudging."""
    return db.session.scalar(sa.select(ActionToken.id).where(
        ActionToken.purpose.in_(notify.INVITE_PURPOSES), ActionToken.subject_type == Meeting.__name__,
        ActionToken.subject_id == meeting.id, ActionToken.user_id == meeting.staff_id,
        ActionToken.used_at.is_not(None)).limit(1)) is not None


def _each(ids: list[int], work, result: DueResult) -> int:
    done = 0
    for meeting_id in ids:
        try:
            meeting = db.session.get(Meeting, meeting_id)
            if meeting is not None and work(meeting):
                done += 1
            db.session.commit()
        except TransitionRefused:  # someone answered or cancelled a moment ago
            db.session.rollback()
        except Exception as error:  # one bad row must not stop the others
            db.session.rollback()
            text = f"meeting {meeting_id}: {type(error).__name__}: {error}"[:2000]
            result.errors.append(text)
            logger.exception("conversation chore failed for meeting %s", meeting_id)
    return done


def _expire(meeting: Meeting) -> bool:
    if notify.times_gone(meeting):  # the person couldn't have accepted: say so rather than "no answer"
        transition(meeting, "expired", note="no answer in time",
                   reason="None of the times offered was free any more, and no new ones were chosen in time.")
    else:
        transition(meeting, "expired", note="no answer in time")
    notify.invitation_expired(meeting)
    return True


def _remind(meeting: Meeting) -> bool:
    return not _answered(meeting) and notify.send_invitation(meeting, reminder=True)


def _proposals() -> list[int]:
    """Conversations waiting for the candidate to choose one of the person's times (few at any moment)."""
    return list(db.session.scalars(sa.select(Meeting.id).where(Meeting.status == Status.PROPOSED)
                                   .order_by(Meeting.created_at, Meeting.id)))


def _times_passed(now: datetime) -> list[int]:
    """Requests still waiting on the candidate's times, all of which are behind us."""
    last = (sa.select(sa.func.max(ProposedSlot.start_at)).where(ProposedSlot.meeting_id == Meeting.id)
            .correlate(Meeting).scalar_subquery())
    return list(db.session.scalars(sa.select(Meeting.id).where(
        Meeting.status.in_(notify.ON_OFFERED_TIMES), Meeting.format != "written", last <= now)
        .order_by(Meeting.created_at, Meeting.id)))


def run_due(now: datetime) -> DueResult:
    """Expire stale invitations and send halfway reminders; commits per conversation."""
    hours = timedelta(hours=notify.invitation_hours())
    result = DueResult()
    result.expired = _each(_invited_since(now - hours), _expire, result)
    result.reminded = _each(_invited_since(now - hours / 2), _remind, result)
    result.proposals_expired = _each(_proposals(), lambda meeting: expire_if_gone(meeting, now), result)
    result.asked_for_times = _each(_times_passed(now), lambda meeting: notify.ask_for_new_times(meeting, now),
                                   result)
    if result.expired or result.reminded or result.proposals_expired or result.asked_for_times:
        logger.info("conversations: %s invitations expired, %s reminded, %s proposals expired, %s candidates "
                    "asked for new times", result.expired, result.reminded, result.proposals_expired,
                    result.asked_for_times)
    return result
