"""Read-side queries for the recruiter's and the candidate's home pages and the candidate's time settings.
The person's home (staff) and its links: ``staff``; the readiness check: ``health``."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..analytics.models import ALL_POSITIONS, AnalyticsCell, AnalyticsRefresh
from ..analytics.sql import month_start, next_month
from ..auth.models import User
from ..candidates.models import Candidate
from ..extensions import db
from ..feedback.models import FeedbackMessage, InterviewFeedback
from ..feedback.services import published_message
from ..i18n import _, known_language, ngettext
from ..meetings import notify
from ..meetings.models import WAITING, Meeting, MeetingTransition, Status
from ..questions.services import question_progress
from ..timeutil import moment_param, utcnow

logger = logging.getLogger(__name__)


# --- the recruiter's home: the offer stage, and what is waiting for a recruiter --------------------

EXPIRY_WARNING = timedelta(hours=24)  # invitations this close to expiring are worth a nudge
DEADLINE_WINDOW = timedelta(days=7)  # decision deadlines this close are "this week"


@dataclass
class FeedbackDue:
    """A candidate and the interviewers who haven't given their feedback yet (asked longest ago first)."""

    candidate: Candidate
    rows: list[InterviewFeedback]
    waiting: int = 0  # all of the candidate's feedback still waiting (``rows`` may show fewer)


@dataclass
class OpenInvitation:
    """An invitation waiting for the person's answer, and when it expires (``notify.invitation_expires_at``)."""

    meeting: Meeting
    expires_at: datetime


def how_long(since: datetime, now: datetime) -> str:
    """``3 days``, ``1 day``, ``5 hours``, ``under an hour``: how long something has waited, rounded
    down, in the reader's language."""
    seconds = max(0, (now - since).total_seconds())
    if seconds >= 86400:
        return ngettext("%(num)d day", "%(num)d days", int(seconds // 86400))
    if seconds >= 3600:
        return ngettext("%(num)d hour", "%(num)d hours", int(seconds // 3600))
    return _("under an hour")


@dataclass
class WaitingRequest:
    """A request waiting for a recruiter's approval, and how long it has waited."""

    meeting: Meeting
    waited: str


OFFER_SHOWN = 10  # the offer-stage table on the home: the soonest deadlines; the candidate list has them all
TODO_SHOWN = 5  # each to-do list on the home: the oldest or most urgent first, with the true total


@dataclass
class RecruiterOverview:
    """The recruiter's home: the first few of each list (``*_SHOWN``) and every list's true total
    (``counts`` per stage; ``*_total`` for the to-do lists), so the page is the same size at any scale."""

    candidates: list[Candidate]
    counts: dict[str, int]
    approvals: list[WaitingRequest] = field(default_factory=list)
    feedback_due: list[FeedbackDue] = field(default_factory=list)
    expiring: list[OpenInvitation] = field(default_factory=list)
    deadlines: list[Candidate] = field(default_factory=list)
    now: datetime | None = None
    approvals_total: int = 0
    feedback_missing: int = 0  # interviewers who haven't given feedback, over every candidate
    expiring_total: int = 0
    deadlines_total: int = 0

    @property
    def offer_total(self) -> int:
        return self.counts.get("offer", 0)

    @property
    def feedback_shown(self) -> int:
        return sum(len(due.rows) for due in self.feedback_due)

    @property
    def todo(self) -> int:
        return self.approvals_total + self.feedback_missing + self.expiring_total + self.deadlines_total


def _first(entity, where: tuple, order: tuple, limit: int, options: tuple = ()):
    """The statement for the first ``limit`` rows of ``entity`` matching ``where`` in ``order``, with how many
    match in all (``_rows_and_total``): the ids are numbered and counted (``count(*) OVER ()``, before the
    LIMIT) on the table alone, and only the rows shown are joined to what they show."""
    first = (sa.select(entity.id, sa.func.count().over().label("total")).where(*where).order_by(*order)
             .limit(limit).subquery())
    return sa.select(entity, first.c.total).join(first, first.c.id == entity.id).options(*options).order_by(*order)


def _rows_and_total(statement, **params) -> tuple[list, int]:
    rows = db.session.execute(statement, params).all()
    return [row[0] for row in rows], (rows[0].total if rows else 0)


@cache
def _overview_statements():
    """The home's lists: offer stage, deadlines this week, requests waiting for approval."""
    offer = _first(
        Candidate, (Candidate.stage == "offer",),
        (Candidate.decision_deadline.is_(None), Candidate.decision_deadline, Candidate.id), OFFER_SHOWN,
        (joinedload(Candidate.user), joinedload(Candidate.position), joinedload(Candidate.owner)))
    deadlines = _first(
        Candidate, (Candidate.stage == "offer", Candidate.decision_deadline >= moment_param("now"),
                    Candidate.decision_deadline <= moment_param("week_end")),
        (Candidate.decision_deadline, Candidate.id), TODO_SHOWN,
        (joinedload(Candidate.user), joinedload(Candidate.position)))
    waiting = _first(
        Meeting, (Meeting.status == Status.NEEDS_APPROVAL,), (Meeting.created_at, Meeting.id), TODO_SHOWN,
        (joinedload(Meeting.staff).joinedload(User.profile), joinedload(Meeting.candidate).joinedload(Candidate.user)))
    return offer, deadlines, waiting


def recruiter_overview(now: datetime | None = None) -> RecruiterOverview:
    """Candidates at the offer stage (the ``OFFER_SHOWN`` soonest deadlines), a count per stage, and the
    recruiter's to-do list, each bounded to ``TODO_SHOWN`` with its total: requests waiting for approval
    (oldest first), interviewers who haven't given feedback (asked longest ago first, by candidate),
    invitations expiring within a day, and decision deadlines within a week (soonest first). The same
    few queries, and the same page size, whatever the numbers."""
    now = now or utcnow()
    offer, soon, waiting_requests = _overview_statements()
    candidates, at_offer = _rows_and_total(offer)
    deadlines, deadlines_total = _rows_and_total(soon, now=now, week_end=now + DEADLINE_WINDOW)
    waiting, approvals_total = _rows_and_total(waiting_requests)
    feedback_due, feedback_missing = _feedback_due(TODO_SHOWN)
    expiring, expiring_total = _expiring_invitations(now, TODO_SHOWN)
    return RecruiterOverview(candidates=candidates, counts={**decided_counts(now), "offer": at_offer},
                             approvals=[WaitingRequest(meeting, how_long(meeting.created_at, now)) for meeting in waiting],
                             approvals_total=approvals_total, feedback_due=feedback_due,
                             feedback_missing=feedback_missing, expiring=expiring, expiring_total=expiring_total,
                             deadlines=deadlines, deadlines_total=deadlines_total, now=now)


def _not_given(*where):
    """The select behind ``feedback_not_given``."""
    return (sa.select(InterviewFeedback)
            .join(Candidate, InterviewFeedback.candidate_id == Candidate.id)
            .join(User, Candidate.user_id == User.id)
            .outerjoin(FeedbackMessage, FeedbackMessage.candidate_id == Candidate.id)
            .where(InterviewFeedback.submitted_at.is_(None), Candidate.stage == "offer", User.active.is_(True),
                   sa.or_(FeedbackMessage.id.is_(None), FeedbackMessage.status != "published"), *where)
            .options(joinedload(InterviewFeedback.interviewer),
                     joinedload(InterviewFeedback.candidate).joinedload(Candidate.user),
                     joinedload(InterviewFeedback.candidate).joinedload(Candidate.position))
            .order_by(InterviewFeedback.requested_at, InterviewFeedback.id))


def feedback_not_given(*where) -> list[InterviewFeedback]:
    """Feedback asked for and not given yet, that could still reach the candidate's message (the
    candidate is deciding, with an account; the message isn't published): asked longest ago first."""
    return list(db.session.scalars(_not_given(*where)))


@cache
def _feedback_due_statement(limit: int):
    per_candidate = sa.func.count().over(partition_by=InterviewFeedback.candidate_id).label("per_candidate")
    return _not_given().add_columns(per_candidate, sa.func.count().over().label("total")).limit(limit)


def _feedback_due(limit: int) -> tuple[list[FeedbackDue], int]:
    """The ``limit`` longest-waiting feedback requests by candidate, each candidate with how many of theirs
    are still waiting (``FeedbackDue.waiting``), and how many wait in all: one statement."""
    rows = db.session.execute(_feedback_due_statement(limit)).all()
    grouped: dict[int, FeedbackDue] = {}
    for row, waiting, _total in rows:
        grouped.setdefault(row.candidate_id, FeedbackDue(row.candidate, [], waiting)).rows.append(row)
    return list(grouped.values()), (rows[0].total if rows else 0)


def _expiring_invitations(now: datetime, limit: int) -> tuple[list[OpenInvitation], int]:
    """The ``limit`` invitations still open that expire soonest within EXPIRY_WARNING, and how many there
    are (one query). The expiry is ``notify.invitation_expires_at``'s: the latest move to invited (else
    creation) plus the invitation's hours, worked out in the query as the worker does (``meetings.tasks``)."""
    hours = timedelta(hours=notify.invitation_hours())
    rows = db.session.execute(_expiring_statement(limit), {"after": now - hours,
                                                           "before": now + EXPIRY_WARNING - hours}).all()
    return [OpenInvitation(meeting, at + hours) for meeting, at, _total in rows], (rows[0].total if rows else 0)


@cache
def _expiring_statement(limit: int):
    """Invitations whose latest move to invited (else creation) falls after ``after`` and by ``before``."""
    invited_at = (sa.select(sa.func.max(MeetingTransition.at))
                  .where(MeetingTransition.meeting_id == Meeting.id, MeetingTransition.to_status == Status.INVITED)
                  .correlate(Meeting).scalar_subquery())
    # Worked out once per open invitation (MATERIALIZED, on PostgreSQL: SQLite knows the word from
    # 3.35 only): used in the condition and the order, the expression was looked up three times per
    # invitation (2.4 ms for 300 of them on PostgreSQL).
    open_since = (sa.select(Meeting.id, sa.func.coalesce(invited_at, Meeting.created_at).label("since"))
                  .where(Meeting.status == Status.INVITED).cte("open_since")
                  .prefix_with("MATERIALIZED", dialect="postgresql"))
    return (sa.select(Meeting, open_since.c.since, sa.func.count().over().label("total"))
            .join(open_since, open_since.c.id == Meeting.id)
            .where(open_since.c.since > moment_param("after"), open_since.c.since <= moment_param("before"))
            .options(joinedload(Meeting.staff), joinedload(Meeting.candidate).joinedload(Candidate.user))
            .order_by(open_since.c.since, Meeting.id).limit(limit))


STALE_CELLS_READ = 200  # beyond this many cells waiting for a recount, counting every candidate is simpler
CHANGE_MARGIN = timedelta(minutes=5)
DECIDED_STAGES = ("accepted", "declined", "withdrawn")


@cache
def _due_cells_statement():
    return (sa.select(AnalyticsRefresh.month, AnalyticsRefresh.position_id)
            .where(AnalyticsRefresh.due_at <= moment_param("due_by")))


def _stored_counts_statement(due: tuple):
    """The rollup's decided counts: the months' totals, minus what the ``due`` cells hold. Built once
    for no due cells (the usual case)."""
    if not due:
        return _stored_totals_statement()
    return _stored_counts(due)


@cache
def _stored_totals_statement():
    return _stored_counts(())


def _stored_counts(due: tuple):
    stored = sa.case((AnalyticsCell.position_id == ALL_POSITIONS, AnalyticsCell.n), else_=-AnalyticsCell.n)
    return (sa.select(AnalyticsCell.key, sa.func.sum(stored))
            .where(AnalyticsCell.metric == "stage", AnalyticsCell.key.in_(DECIDED_STAGES),
                   sa.or_(AnalyticsCell.position_id == ALL_POSITIONS,
                          *(sa.and_(AnalyticsCell.position_id == pos, AnalyticsCell.month == m) for m, pos in due)))
            .group_by(AnalyticsCell.key))


def decided_counts(now: datetime) -> dict[str, int]:
    """How many candidates accepted, declined or withdrew, exactly, without counting every candidate
    (a scan of the whole table: ~30 ms at 100,000 on SQLite and PostgreSQL, and growing). The analytics
    rollup holds the count per stage of every (month, position) cell and, under position 0, each month's
    total (``analytics.rollup``); a cell whose candidates changed since it was counted is due in
    ``analytics_refresh`` (from the change on) until the worker recounts it. So: the months' totals, minus
    what the due cells hold, plus their candidates counted now (an index range each; usually none, as
    the worker recounts within a minute). At most three small queries."""
    # A change is due from the moment it was written, by the writer's clock: a few minutes' margin takes
    # in one written after this request began, or by a server whose clock runs ahead. (Cells due much
    # later are for a conversation's end, which doesn't move a stage; counting them too would only cost.)
    due = [(m, pos) for m, pos in db.session.execute(_due_cells_statement(), {"due_by": now + CHANGE_MARGIN})
           if pos != ALL_POSITIONS]
    decided = Candidate.stage.in_(DECIDED_STAGES)
    if len(due) > STALE_CELLS_READ:
        counts = dict(db.session.execute(
            sa.select(Candidate.stage, sa.func.count()).where(decided).group_by(Candidate.stage)).all())
        return {stage: counts.get(stage, 0) for stage in DECIDED_STAGES}
    counts = dict(db.session.execute(_stored_counts_statement(tuple(due))).all())
    if due:
        for stage, n in db.session.execute(
                sa.select(Candidate.stage, sa.func.count())
                .where(decided, sa.or_(*(sa.and_(Candidate.position_id == pos, Candidate.offer_made_at >= month_start(m),
                                                 Candidate.offer_made_at < month_start(next_month(m)))
                                         for m, pos in due)))
                .group_by(Candidate.stage)):
            counts[stage] = counts.get(stage, 0) + n
    return {stage: int(counts.get(stage) or 0) for stage in DECIDED_STAGES}


CONVERSATIONS_SHOWN = 10  # each of the candidate's two lists on their home; /meetings has them all


def home_candidacy(user):
    """``user.candidacy`` with the position and the recruiter the home shows, in one statement instead of
    three lazy loads (and set on ``user``, so whatever else reads it this request has it)."""
    if "candidacy" not in sa.inspect(user).unloaded:
        return user.candidacy
    candidacy = db.session.scalar(sa.select(Candidate).where(Candidate.user_id == user.id)
                                  .options(joinedload(Candidate.position), joinedload(Candidate.owner)))
    set_committed_value(user, "candidacy", candidacy)
    return candidacy


def candidate_home(candidacy, now: datetime) -> dict:
    """What a candidate's home shows: the published message, their deadline, question progress,
    and their conversations still ahead: confirmed ones not over yet, and requests waiting for an answer
    (the first ``CONVERSATIONS_SHOWN`` of each, with how many there are)."""
    if candidacy is None:
        return {"candidacy": None}
    answered, total = question_progress(candidacy)
    (upcoming, upcoming_total), (pending, pending_total) = _conversations_ahead(candidacy, now)
    return {
        "candidacy": candidacy,
        "message": published_message(candidacy),
        "answered": answered,
        "total": total,
        "open_questions": total - answered,
        "upcoming": upcoming,
        "upcoming_total": upcoming_total,
        "pending": pending,
        "pending_total": pending_total,
        "now": now,
    }


def _conversations_ahead(candidacy, now: datetime, limit: int = CONVERSATIONS_SHOWN):
    """((confirmed conversations that haven't ended, soonest first, then answers coming in writing; how
    many), (waiting requests, those waiting for the candidate first (times proposed to them), then oldest
    first; how many)): the first ``limit`` of each with its person, in one query (numbered and counted per
    list in SQL). A conversation that is under way stays until it ends, as on /meetings."""
    rows = db.session.execute(_conversations_statement(), {"candidate_id": candidacy.id, "now": now, "limit": limit})
    lists: dict[bool, list[Meeting]] = {True: [], False: []}
    totals = {True: 0, False: 0}
    for meeting, count in rows:
        lists[meeting.status == Status.CONFIRMED].append(meeting)
        totals[meeting.status == Status.CONFIRMED] = count
    return (lists[True], totals[True]), (lists[False], totals[False])


@cache
def _conversations_statement():
    """``_conversations_ahead``'s statement, built once: the candidate, the moment and the limit are parameters."""
    confirmed = Meeting.status == Status.CONFIRMED
    kind = sa.case((confirmed, 0), else_=1)
    order = (sa.case((confirmed, Meeting.start_at.is_(None)), else_=Meeting.status != Status.PROPOSED),
             sa.case((confirmed, Meeting.start_at), else_=None), Meeting.created_at, Meeting.id)
    numbered = (
        sa.select(Meeting.id, sa.func.row_number().over(partition_by=kind, order_by=order).label("place"),
                  sa.func.count().over(partition_by=kind).label("total"))
        .where(Meeting.candidate_id == sa.bindparam("candidate_id"),
               sa.or_(Meeting.status.in_(WAITING),
                      sa.and_(confirmed, sa.or_(Meeting.end_at > moment_param("now"),
                                                Meeting.end_at.is_(None)))))
        .subquery())
    return (sa.select(Meeting, numbered.c.total).join(numbered, numbered.c.id == Meeting.id)
            .where(numbered.c.place <= sa.bindparam("limit")).options(joinedload(Meeting.staff))
            .order_by(numbered.c.place))


def update_time_settings(user, zone: str, day_start: int, day_end: int, language: str | None = None) -> None:
    """A person's own zone and hours (minutes after local midnight), and their language when given
    (one we ship: pages and e-mails follow it); the form has checked them."""
    user.timezone, user.day_start, user.day_end = zone, day_start, day_end
    if known_language(language):
        user.locale = known_language(language)
    db.session.flush()
