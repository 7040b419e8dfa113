"""The person's home (staff, investors, board members with an account): what is waiting for them
and what is coming up, and the fresh links its buttons open (the same kind, owner and lifetime as
the e-mailed ones). Read-side; issuing a link flushes, the view commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ..auth.models import ActionToken, User
from ..auth.tokens import link_problem
from ..candidates.models import Candidate
from ..extensions import db
from ..feedback.models import InterviewFeedback
from ..feedback.services import issue_link as issue_feedback_link
from ..i18n import _, _l
from ..meetings import notify
from ..meetings.links import WRITTEN
from ..meetings.models import Meeting, MeetingTransition, Status, meeting_question
from ..meetings.written import issue_written_link
from ..office_hours import windows as hours
from ..office_hours.models import HoursSeries, HoursWindow
from ..people.models import every_day_name
from ..questions.models import Question
from ..timeutil import to_zone, utcnow, zone_label
from .services import OpenInvitation, feedback_not_given


# --- the person's home: what is waiting for them, and what is coming up -----------------------

PROPOSED = "proposed"  # the person proposed other times and waits for the candidate (compared as a string)


@dataclass
class WrittenToGive:
    """Questions waiting for the person's written answer: a confirmed conversation in the written
    format (``meeting``), or one question they were asked to answer in writing (``question``)."""

    candidate: Candidate
    questions: list[Question]
    meeting: Meeting | None = None
    question: Question | None = None


@dataclass
class HoursAtHome:
    """The person's office hours on their home: "Thursdays 16:00–17:00 CET · next: Thu 10 Dec", the
    window they're live in, and what "Go live now" uses (their latest series' talk length and cap)."""

    series: list[HoursSeries]
    next_window: HoursWindow | None
    live: HoursWindow | None

    @staticmethod
    def label(series: HoursSeries, now: datetime) -> str:
        """``Thursdays 16:00–17:00 CET``: the series' local times, its zone named as it is now, in the
        reader's language."""
        local = to_zone(now, series.zone)
        return (f"{every_day_name(series.weekday)} {series.start_time:%H:%M}–{series.end_time:%H:%M} "
                f"{zone_label(local)}")

    @property
    def live_settings(self) -> dict:
        latest = max(self.series, key=lambda s: s.created_at, default=None)
        settings = {"minutes": 30, "talk_minutes": latest.talk_minutes if latest else 15,
                    "cap": latest.cap if latest else 4}
        if latest is not None and latest.auto_admit:
            settings["auto_admit"] = "y"
        return settings


def hours_at_home(user: User, now: datetime) -> HoursAtHome:
    """Three small queries: the series, the next window ahead, the live one."""
    ahead = hours.upcoming(now, user.id, days=7 * hours.WEEKS_AHEAD, limit=1)
    return HoursAtHome(series=hours.series_of(user.id), next_window=ahead[0] if ahead else None,
                       live=hours.live_window(user.id))


@dataclass
class StaffHome:
    invitations: list[OpenInvitation]
    written: list[WrittenToGive]
    feedback: list[InterviewFeedback]
    upcoming: list[Meeting]
    proposed: list[Meeting]
    now: datetime
    hours: HoursAtHome | None = None

    @property
    def waiting(self) -> int:
        return len(self.invitations) + len(self.written) + len(self.feedback)


def staff_home(user: User, now: datetime) -> StaffHome:
    """What a person's home shows: invitations to answer, written answers and feedback to give (the
    things their e-mails ask for), their confirmed conversations still ahead, the ones where
    they proposed other times, and their office hours (with a profile). Only conversations of
    candidates still deciding or accepted. At most nine queries whatever the numbers."""
    meetings = [m for m in db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.staff_id == user.id,
               sa.or_(Meeting.status.in_((Status.INVITED, PROPOSED)),
                      sa.and_(Meeting.status == Status.CONFIRMED,
                              sa.or_(Meeting.end_at.is_(None), Meeting.end_at > now))))
        .options(joinedload(Meeting.candidate).joinedload(Candidate.user),
                 joinedload(Meeting.candidate).joinedload(Candidate.position), selectinload(Meeting.slots))
        .order_by(Meeting.created_at, Meeting.id)).unique()
        if m.candidate is not None and m.candidate.keeps_conversations]
    invited = [m for m in meetings if m.status == Status.INVITED]
    written_meetings = [m for m in meetings if m.status == Status.CONFIRMED and m.format == "written"]
    written = _written_meetings(written_meetings, user)
    covered = {q.id for item in written for q in item.questions}
    written += [WrittenToGive(q.candidate, [q], question=q) for q in _questions_asked_in_writing(user)
                if q.id not in covered]
    upcoming = sorted((m for m in meetings if m.status == Status.CONFIRMED and m.start_at is not None),
                      key=lambda m: m.start_at)
    return StaffHome(invitations=_with_expiry(invited, now), written=written,
                     feedback=feedback_not_given(InterviewFeedback.interviewer_id == user.id),
                     upcoming=upcoming, proposed=[m for m in meetings if m.status == PROPOSED], now=now,
                     hours=hours_at_home(user, now) if user.profile is not None else None)


def _with_expiry(invited: list[Meeting], now: datetime) -> list[OpenInvitation]:
    """Each invitation with its expiry (as ``notify.invitation_expires_at``, one query for all),
    soonest to expire first; those already past it are left for the worker to close."""
    if not invited:
        return []
    hours = timedelta(hours=notify.invitation_hours())
    since = dict(db.session.execute(
        sa.select(MeetingTransition.meeting_id, sa.func.max(MeetingTransition.at))
        .where(MeetingTransition.meeting_id.in_([m.id for m in invited]),
               MeetingTransition.to_status == Status.INVITED)
        .group_by(MeetingTransition.meeting_id)).all())
    rows = [OpenInvitation(m, (since.get(m.id) or m.created_at) + hours) for m in invited]
    return sorted((row for row in rows if row.expires_at > now), key=lambda row: row.expires_at)


def _written_meetings(meetings: list[Meeting], user: User) -> list[WrittenToGive]:
    """Confirmed written conversations with questions still open for the person (one query)."""
    if not meetings:
        return []
    agenda: dict[int, list[Question]] = {}
    for meeting_id, question in db.session.execute(
            sa.select(meeting_question.c.meeting_id, Question)
            .join(Question, Question.id == meeting_question.c.question_id)
            .where(meeting_question.c.meeting_id.in_([m.id for m in meetings]))
            .order_by(Question.created_at, Question.id)):
        if not question.is_answered and not question.private_to_someone_else(user.id):
            agenda.setdefault(meeting_id, []).append(question)
    return [WrittenToGive(m.candidate, agenda[m.id], meeting=m) for m in meetings if agenda.get(m.id)]


def _questions_asked_in_writing(user: User) -> list[Question]:
    """Open questions directed to the person that someone asked them to answer in writing (a
    written-answer link was mailed for the question), of candidates still deciding or accepted."""
    asked = sa.select(ActionToken.subject_id).where(ActionToken.purpose == WRITTEN,
                                                    ActionToken.subject_type == Question.__name__,
                                                    ActionToken.user_id == user.id)
    questions = db.session.scalars(
        sa.select(Question).where(Question.directed_to_id == user.id, Question.status == "open",
                                  Question.id.in_(asked))
        .options(joinedload(Question.candidate).joinedload(Candidate.user))
        .order_by(Question.created_at, Question.id))
    return [q for q in questions if q.candidate is not None and q.candidate.keeps_conversations]


# --- the person's links, from their home page -------------------------------------------------
# A signed-in person presses a button on their home page; main.links checks the thing is theirs
# and asks here for a fresh link of the same kind the e-mail carried (same purpose, same owner,
# same lifetime), then sends them to that link's page. Nothing here mails anything.

INVITE_ACTIONS = {"accept": notify.ACCEPT, "decline": notify.DECLINE, "propose": notify.PROPOSE}

REFUSED = {  # lazy: each is read (str) when a link is refused, in the reader's language
    "moved": _l("This is now with someone else, so there's nothing for you to do."),
    "decided": _l("The candidate's offer process has ended, so there's nothing to do here any more."),
    "cancelled": _l("This request was withdrawn, so there's nothing to do."),
    "closed": _l("This is closed: there's nothing left to do."),
    "shared": _l("The feedback message has already been published, so feedback can't change it any more."),
    "answered": _l("This question has already been answered."),
}


class LinkRefused(Exception):
    """The person's own item can't be opened through a link now; the message says why, for them."""


def _checked(token: ActionToken) -> None:
    """The link's own rule (``auth.tokens.link_rule``) agrees it is the person's to use now."""
    reason = link_problem(token)
    if reason:
        raise LinkRefused(str(REFUSED[reason]) if reason in REFUSED else _("This can't be opened any more."))


def _not_waiting(meeting: Meeting) -> str:
    first = meeting.candidate.user.first_name
    if meeting.status == Status.CONFIRMED:
        return _("You've already accepted %(first)s's request.", first=first)
    if meeting.status == Status.DECLINED:
        return _("You've already declined %(first)s's request.", first=first)
    if meeting.status == Status.EXPIRED:
        return _("%(first)s's request expired before it was answered.", first=first)
    if meeting.status == Status.CANCELLED:
        return _("%(first)s withdrew this request.", first=first)
    if meeting.status == PROPOSED:
        return _("You've proposed other times: %(first)s is choosing.", first=first)
    return _("%(first)s's request isn't waiting for your answer any more.", first=first)


def my_meeting(user: User, meeting_id: int) -> Meeting | None:
    """The conversation, only if it is with ``user``."""
    meeting = db.session.get(Meeting, meeting_id)
    return meeting if meeting is not None and meeting.staff_id == user.id else None


def my_question(user: User, question_id: int) -> Question | None:
    """The question, only if it is directed to ``user``."""
    question = db.session.get(Question, question_id)
    return question if question is not None and question.directed_to_id == user.id else None


def my_feedback(user: User, feedback_id: int) -> InterviewFeedback | None:
    """The feedback, only if ``user`` is its interviewer."""
    feedback = db.session.get(InterviewFeedback, feedback_id)
    return feedback if feedback is not None and feedback.interviewer_id == user.id else None


def invitation_link_for(meeting: Meeting, action: str) -> str:
    """A fresh invitation link (accept, decline or propose) for the person, expiring with the
    invitation like the mailed ones (``notify.send_invitation``): the raw token."""
    if meeting.status != Status.INVITED:
        raise LinkRefused(_not_waiting(meeting))
    expires_at = notify.invitation_expires_at(meeting)
    lifetime = expires_at - utcnow()
    if lifetime <= timedelta(0):
        raise LinkRefused(_("%(first)s's request has expired: it wasn't answered in time.",
                            first=meeting.candidate.user.first_name))
    raw, token = notify.invitation_token(meeting, INVITE_ACTIONS[action], expires_at)
    _checked(token)
    return raw


def manage_path_for(meeting: Meeting, now: datetime) -> str:
    """The person's manage page for a booked conversation (``notify.manage_link``, the link their
    confirmation carries): its path on this site."""
    if meeting.status != Status.CONFIRMED or meeting.start_at is None:
        raise LinkRefused(_("This conversation isn't booked any more, so there's nothing to change."))
    if meeting.end_at + timedelta(days=notify.MANAGE_DAYS_AFTER) <= now:
        raise LinkRefused(_("This conversation was too long ago to change anything."))
    if not meeting.candidate.keeps_conversations:
        raise LinkRefused(str(REFUSED["decided"]))
    return urlsplit(notify.manage_link(meeting, meeting.staff)).path


def written_link_for(item: Meeting | Question, person: User) -> str:
    """A fresh written-answer link for a written conversation or one question (as
    ``meetings.written.mail_written_link`` issues, without the mail): the raw token."""
    if isinstance(item, Meeting) and (item.status != Status.CONFIRMED or item.format != "written"):
        raise LinkRefused(_("This conversation is closed: there's nothing left to answer."))
    raw, token = issue_written_link(person, item)
    _checked(token)
    return raw


def feedback_link_for(feedback: InterviewFeedback) -> str:
    """A fresh feedback link for the interviewer (``feedback.services.issue_link``): the raw token."""
    raw, token = issue_feedback_link(feedback)
    _checked(token)
    return raw

