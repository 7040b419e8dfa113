"""Counting everything the analytics page shows into ``analytics_cell``, one cell at a time.

A cell is (position, month of the offer in UTC). Each metric is a count under a key, e.g.
``funnel/signed_in``, ``decision_hours/73`` (a histogram: medians are read from it exactly, to the
whole hour) or ``person_requested/<user id>``. All counting happens in SQL, grouped by cell; Python
only reshapes the grouped rows. ``position_id = 0`` holds each month's sum over all positions; every
metric summed over a period is also kept by quarter and year (``blocks.py``), moved with its cells.

Freshness: an ORM flush that touches a candidate, question, conversation (or its history), exit
survey or place in an office hours queue marks that candidate's cell due (``AnalyticsRefresh``, ``marking.py``);
``refresh_due`` recomputes due cells. A confirmed conversation that ends later counts as held from its end, so a refreshed cell is
marked due again at the earliest such end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from ..candidates.models import Candidate, ExitSurvey
from ..extensions import db
from ..generations import bump
from ..meetings.models import Meeting, MeetingTransition
from ..people.models import StaffProfile
from ..questions.models import Question
from ..timeutil import moment_param, utcnow
from .hours import HOURS_METRICS
from .blocks import blocks_of, build_blocks, built, mark_built
from .hours import count_cells as count_office_hours
from .models import ALL_POSITIONS, AnalyticsCell, AnalyticsRefresh
from .sql import hours_between, month_of, month_start, next_month

DECIDED = ("accepted", "declined")  # the candidate's own decision; withdrawn offers are not in rates
FUNNEL = ("offer", "signed_in", "asked", "requested", "met", "decided", "accepted")
CONVERSATION_BUCKETS = ("0", "1", "2", "3", "4", "5+")
OUTCOME_KEYS = ("held", "no_show", "cancelled", "declined", "expired", "rejected", "open")
# Every metric counted below; the page reads these by name (person_* ones separately).
METRICS = ("stage", "funnel", "conv_decided", "conv_accepted", "nconv_decided", "nconv_accepted", "decision_hours",
           "decline_reason", "group_decided", "group_accepted", "q_total", "q_answered", "outcome", "rating",
           "invites_answered", "approval_hours", "answer_hours", "survey", *HOURS_METRICS)
PERSON_METRICS = ("person_requested", "person_held", "person_invites_answered", "person_invites_accepted")
MONTHLY_METRICS = ("funnel", "stage")  # read month by month (the by-month section); the rest summed over a period
# Summed over a period, so also kept by quarter and year (blocks.py).
COUNTED = (*METRICS, *PERSON_METRICS)
BLOCKED = tuple(m for m in COUNTED if m not in MONTHLY_METRICS)
ADVISORY_LOCK = 7_310_466  # serialises refreshes on PostgreSQL (SQLite: BEGIN IMMEDIATE does)

Cell = tuple[str, int]  # (month, position_id)


def held(now: datetime):
    """A conversation that took place: completed, or confirmed and already over."""
    return sa.or_(Meeting.status == "completed", sa.and_(Meeting.status == "confirmed", Meeting.end_at <= now))


# --- counting ---------------------------------------------------------------------------------

def _scope(cells: Iterable[Cell] | None):
    """Candidates in the given cells (None: everyone)."""
    if cells is None:
        return sa.true()
    return sa.or_(*(
        sa.and_(Candidate.position_id == position_id, Candidate.offer_made_at >= month_start(month),
                Candidate.offer_made_at < month_start(next_month(month)))
        for month, position_id in cells
    ))


def _count_cells(cells: Iterable[Cell] | None, now: datetime) -> dict[tuple[str, int, str, str], int]:
    """Every metric for the cells, as {(month, position_id, metric, key): n} (zeros left out)."""
    scope = _scope(cells)
    month = month_of(Candidate.offer_made_at).label("month")
    out: dict[tuple[str, int, str, str], int] = defaultdict(int)

    def add(row_month, position_id, metric, key, n):
        if n:
            out[(row_month, position_id, metric, str(key))] += int(n)

    # 1. Candidates: one grouped pass over (stage, milestones, conversations held).
    met = (sa.select(sa.func.count()).where(Meeting.candidate_id == Candidate.id, held(now))
           .correlate(Candidate).scalar_subquery())
    met_bucket = sa.case((met >= 5, "5+"), else_=sa.cast(met, sa.String)).label("met_bucket")
    signed_in = sa.case((Candidate.first_signed_in_at.is_not(None), 1), else_=0).label("signed_in")
    asked = sa.case((sa.exists().where(Question.candidate_id == Candidate.id), 1), else_=0).label("asked")
    requested = sa.case((sa.exists().where(Meeting.candidate_id == Candidate.id), 1), else_=0).label("requested")
    facts = sa.select(month, Candidate.position_id, Candidate.stage, signed_in, asked, requested,
                      met_bucket).where(scope).subquery()
    grouped = sa.select(facts.c.month, facts.c.position_id, facts.c.stage, facts.c.signed_in, facts.c.asked,
                        facts.c.requested, facts.c.met_bucket, sa.func.count()).group_by(
        facts.c.month, facts.c.position_id, facts.c.stage, facts.c.signed_in, facts.c.asked, facts.c.requested,
        facts.c.met_bucket)
    for m, pos, stage, s_in, ask, req, bucket, n in db.session.execute(grouped):
        decided = stage in DECIDED
        accepted = stage == "accepted"
        add(m, pos, "stage", stage, n)
        for step, reached in (("offer", True), ("signed_in", s_in), ("asked", ask), ("requested", req),
                              ("met", bucket != "0"), ("decided", decided), ("accepted", accepted)):
            if reached:
                add(m, pos, "funnel", step, n)
        if decided:
            with_key = "with" if bucket != "0" else "without"
            add(m, pos, "conv_decided", with_key, n)
            add(m, pos, "nconv_decided", bucket, n)
            if accepted:
                add(m, pos, "conv_accepted", with_key, n)
                add(m, pos, "nconv_accepted", bucket, n)

    # 2. Offer → decision, whole hours (a histogram, for the median).
    hours = hours_between(Candidate.offer_made_at, Candidate.decided_at)
    for m, pos, h, n in db.session.execute(
            sa.select(month, Candidate.position_id, hours, sa.func.count())
            .where(scope, Candidate.stage.in_(DECIDED), Candidate.decided_at.is_not(None))
            .group_by(month, Candidate.position_id, hours)):
        add(m, pos, "decision_hours", max(h, 0), n)

    # 3. Decline reasons.
    reason = sa.func.coalesce(Candidate.decline_reason, "unrecorded")
    for m, pos, key, n in db.session.execute(
            sa.select(month, Candidate.position_id, reason, sa.func.count())
            .where(scope, Candidate.stage == "declined").group_by(month, Candidate.position_id, reason)):
        add(m, pos, "decline_reason", key, n)

    # 4. Acceptance by group met (a candidate counts once in each group they met). Joined from the
    # cell's candidates, so a recount of one cell reads only their conversations.
    for m, pos, group, stage, n in db.session.execute(
            sa.select(month, Candidate.position_id, StaffProfile.group, Candidate.stage,
                      sa.func.count(sa.distinct(Candidate.id)))
            .join(Meeting, Meeting.candidate_id == Candidate.id)
            .join(StaffProfile, StaffProfile.user_id == Meeting.staff_id)
            .where(scope, Candidate.stage.in_(DECIDED), held(now))
            .group_by(month, Candidate.position_id, StaffProfile.group, Candidate.stage)):
        add(m, pos, "group_decided", group, n)
        if stage == "accepted":
            add(m, pos, "group_accepted", group, n)

    # 5. Question coverage: questions of decided candidates, answered before the decision.
    answered_before = sa.func.sum(sa.case(
        (sa.and_(Question.status == "answered", Question.answered_at <= Candidate.decided_at), 1), else_=0))
    for m, pos, category, total, before in db.session.execute(
            sa.select(month, Candidate.position_id, Question.category, sa.func.count(), answered_before)
            .join(Candidate, Candidate.id == Question.candidate_id)
            .where(scope, Candidate.stage.in_(DECIDED))
            .group_by(month, Candidate.position_id, Question.category)):
        add(m, pos, "q_total", category, total)
        add(m, pos, "q_answered", category, before)

    # 6. Conversations: outcomes, ratings, and per person requested / held.
    outcome = sa.case(
        (held(now), "held"),
        (Meeting.status.in_(("no_show", "cancelled", "declined", "expired", "rejected")), Meeting.status),
        else_="open").label("outcome")
    for m, pos, staff_id, key, n in db.session.execute(
            sa.select(month, Candidate.position_id, Meeting.staff_id, outcome, sa.func.count())
            .join(Candidate, Candidate.id == Meeting.candidate_id).where(scope)
            .group_by(month, Candidate.position_id, Meeting.staff_id, outcome)):
        add(m, pos, "outcome", key, n)
        add(m, pos, "person_requested", staff_id, n)
        if key == "held":
            add(m, pos, "person_held", staff_id, n)
    for m, pos, rating, n in db.session.execute(
            sa.select(month, Candidate.position_id, Meeting.rating, sa.func.count())
            .join(Candidate, Candidate.id == Meeting.candidate_id).where(scope, Meeting.rating.is_not(None))
            .group_by(month, Candidate.position_id, Meeting.rating)):
        add(m, pos, "rating", rating, n)

    # 7. Invitations answered per person (from the history: invited → confirmed / declined / expired).
    for m, pos, staff_id, to_status, n in db.session.execute(
            sa.select(month, Candidate.position_id, Meeting.staff_id, MeetingTransition.to_status, sa.func.count())
            .join(Meeting, Meeting.id == MeetingTransition.meeting_id)
            .join(Candidate, Candidate.id == Meeting.candidate_id)
            .where(scope, MeetingTransition.from_status == "invited",
                   MeetingTransition.to_status.in_(("confirmed", "declined", "expired")))
            .group_by(month, Candidate.position_id, Meeting.staff_id, MeetingTransition.to_status)):
        add(m, pos, "person_invites_answered", staff_id, n)
        add(m, pos, "invites_answered", to_status, n)
        if to_status == "confirmed":
            add(m, pos, "person_invites_accepted", staff_id, n)

    # 8. Turnarounds in whole hours: request → recruiter's decision, invitation → person's answer.
    start, end = aliased(MeetingTransition), aliased(MeetingTransition)
    for metric, into, out_of, answers in (
            ("approval_hours", "needs_approval", "needs_approval", ("approved", "rejected", "invited")),
            ("answer_hours", "invited", "invited", ("confirmed", "declined", "proposed"))):
        span = hours_between(start.at, end.at)
        for m, pos, h, n in db.session.execute(
                sa.select(month, Candidate.position_id, span, sa.func.count())
                .select_from(start)
                .join(end, sa.and_(end.meeting_id == start.meeting_id, end.from_status == out_of,
                                   end.to_status.in_(answers)))
                .join(Meeting, Meeting.id == start.meeting_id)
                .join(Candidate, Candidate.id == Meeting.candidate_id)
                # a fresh invitation with new times (invited → invited) doesn't start a second clock
                .where(scope, start.to_status == into, start.from_status != into)
                .group_by(month, Candidate.position_id, span)):
            add(m, pos, metric, max(h, 0), n)

    # 9. Exit surveys.
    for m, pos, sent, answered in db.session.execute(
            sa.select(month, Candidate.position_id, sa.func.count(), sa.func.count(ExitSurvey.answered_at))
            .join(Candidate, Candidate.id == ExitSurvey.candidate_id).where(scope)
            .group_by(month, Candidate.position_id)):
        add(m, pos, "survey", "sent", sent)
        add(m, pos, "survey", "answered", answered)

    # 10. Conversations by kind, acceptance with and without office hours, waiting in queues.
    count_office_hours(scope, month, held(now), add)
    return out


def _next_due(cells: Iterable[Cell] | None, now: datetime) -> dict[Cell, datetime]:
    """When each cell changes by itself: the earliest end of a confirmed conversation still to come."""
    month = month_of(Candidate.offer_made_at)
    rows = db.session.execute(
        sa.select(month, Candidate.position_id, sa.func.min(Meeting.end_at))
        .join(Meeting, Meeting.candidate_id == Candidate.id)
        .where(_scope(cells), Meeting.status == "confirmed", Meeting.end_at > now)
        .group_by(month, Candidate.position_id))
    return {(m, pos): due for m, pos, due in rows}


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})


def _write(counts: dict, months: set[str]) -> None:
    rows = [{"month": m, "position_id": pos, "metric": metric, "key": key, "n": n}
            for (m, pos, metric, key), n in counts.items()]
    for i in range(0, len(rows), 5000):
        db.session.execute(sa.insert(AnalyticsCell), rows[i:i + 5000])
    # Each touched month's all-positions total, summed from its position cells in SQL.
    if months:
        month_list = sorted(months)
        db.session.execute(sa.delete(AnalyticsCell).where(AnalyticsCell.position_id == ALL_POSITIONS,
                                                          AnalyticsCell.month.in_(month_list)))
        totals = (sa.select(sa.literal(ALL_POSITIONS), AnalyticsCell.month, AnalyticsCell.metric,
                            AnalyticsCell.key, sa.func.sum(AnalyticsCell.n))
                  .where(AnalyticsCell.position_id != ALL_POSITIONS, AnalyticsCell.month.in_(month_list))
                  .group_by(AnalyticsCell.month, AnalyticsCell.metric, AnalyticsCell.key))
        db.session.execute(sa.insert(AnalyticsCell).from_select(
            ["position_id", "month", "metric", "key", "n"], totals))


def moved() -> None:
    """The analytics figures kept by the pages (``figures.figures_for``) are out of date."""
    bump(db.session.connection(), "analytics")


def _set_due(due: dict[Cell, datetime]) -> None:
    if due:
        db.session.execute(sa.insert(AnalyticsRefresh), [
            {"month": m, "position_id": pos, "due_at": at} for (m, pos), at in due.items()])


def rebuild_all(now: datetime | None = None) -> int:
    """Recount every cell from scratch (after a bulk load, or to repair). Returns the rows written."""
    now = now or utcnow()
    _lock()
    db.session.execute(sa.delete(AnalyticsCell))
    db.session.execute(sa.delete(AnalyticsRefresh))
    counts = _count_cells(None, now)
    _write(counts, {m for m, _pos, _metric, _key in counts})
    build_blocks(BLOCKED)
    _set_due(_next_due(None, now))
    moved()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE analytics_cell"))  # fresh statistics for the planner
    db.session.commit()
    return len(counts)


def refresh_cells(cells: set[Cell], now: datetime) -> None:
    """Recount the given cells, and move the all-positions totals of their months, and the quarter and
    year blocks of both, by what changed in them (flushes; the caller commits)."""
    if not cells:
        return
    cells = {(m, pos) for m, pos in cells if pos != ALL_POSITIONS}
    if not built() and db.session.scalar(sa.select(AnalyticsCell.n).limit(1)) is None:
        mark_built()  # counting starts here, so every block is kept from the first cell on
    change: dict[tuple[int, str, str, str], int] = defaultdict(int)  # (position, month, metric, key) → change
    for batch_start in range(0, len(cells), 200):
        batch = sorted(cells)[batch_start:batch_start + 200]
        # The cell's own month rows (a quarter or year block of the position starts at some of its months).
        in_batch = sa.and_(AnalyticsCell.metric.in_(COUNTED), sa.or_(*(
            sa.and_(AnalyticsCell.month == m, AnalyticsCell.position_id == pos) for m, pos in batch)))
        for pos, m, metric, key, n in db.session.execute(
                sa.select(AnalyticsCell.position_id, AnalyticsCell.month, AnalyticsCell.metric, AnalyticsCell.key,
                          AnalyticsCell.n).where(in_batch)):
            change[(pos, m, metric, key)] -= n
        db.session.execute(sa.delete(AnalyticsCell).where(in_batch))
        db.session.execute(sa.delete(AnalyticsRefresh).where(sa.or_(*(
            sa.and_(AnalyticsRefresh.month == m, AnalyticsRefresh.position_id == pos) for m, pos in batch))))
        counts = _count_cells(batch, now)
        rows = [{"month": m, "position_id": pos, "metric": metric, "key": key, "n": n}
                for (m, pos, metric, key), n in counts.items()]
        for (m, pos, metric, key), n in counts.items():
            change[(pos, m, metric, key)] += n
        for i in range(0, len(rows), 5000):
            db.session.execute(sa.insert(AnalyticsCell), rows[i:i + 5000])
        _set_due(_next_due(batch, now))
    moves: dict[tuple[int, str, str, str], int] = defaultdict(int)
    for (pos, m, metric, key), n in change.items():
        if not n:
            continue
        moves[(ALL_POSITIONS, m, metric, key)] += n  # the cell's own rows were written above
        if metric in BLOCKED:
            for suffix, first in blocks_of(m):
                moves[(pos, first, metric + suffix, key)] += n
                moves[(ALL_POSITIONS, first, metric + suffix, key)] += n
    _move_totals({k: n for k, n in moves.items() if n})
    moved()


def _move_totals(change: dict[tuple[int, str, str, str], int]) -> None:
    """Add each change to its stored sum (an all-positions total or a block: a few rows, where summing
    again read every cell under it); a sum that falls to nothing goes, as a full recount writes none."""
    if not change:
        return
    table = AnalyticsCell.__table__
    connection = db.session.connection()
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
    upsert = insert.on_conflict_do_update(index_elements=["position_id", "metric", "month", "key"],
                                          set_={"n": table.c.n + insert.excluded.n})
    rows = [{"position_id": pos, "month": m, "metric": metric, "key": key, "n": n}
            for (pos, m, metric, key), n in sorted(change.items())]
    for i in range(0, len(rows), 5000):
        connection.execute(upsert, rows[i:i + 5000])
    fell = [{"p_position": r["position_id"], "p_month": r["month"], "p_metric": r["metric"], "p_key": r["key"]}
            for r in rows if r["n"] < 0]
    if fell:
        connection.execute(sa.delete(table).where(
            table.c.position_id == sa.bindparam("p_position"), table.c.month == sa.bindparam("p_month"),
            table.c.metric == sa.bindparam("p_metric"), table.c.key == sa.bindparam("p_key"), table.c.n == 0), fell)


def due_cells(now: datetime) -> set[Cell]:
    return {(m, pos) for m, pos in db.session.execute(_due_statement(), {"now": now})}


@cache
def _due_statement() -> sa.Select:
    """``due_cells``' statement, built once (with its cache key): every analytics page reads it."""
    return sa.select(AnalyticsRefresh.month, AnalyticsRefresh.position_id).where(
        AnalyticsRefresh.due_at <= moment_param("now"))


def ensure_blocks() -> bool:
    """Sum the quarter and year blocks once for a rollup counted before they existed (an upgraded
    installation: the page reads month by month until then). The worker asks when it starts. Returns
    whether it summed them (in the caller's write transaction)."""
    if built():
        return False
    _lock()
    if built() or db.session.scalar(sa.select(AnalyticsCell.n).limit(1)) is None:
        return False  # done meanwhile, or nothing counted yet (the first recount marks it)
    build_blocks(BLOCKED)
    return True


def refresh_due(now: datetime | None = None) -> int:
    """Recount every cell that is due (in the caller's write transaction). Returns how many."""
    now = now or utcnow()
    _lock()
    cells = due_cells(now)
    refresh_cells(cells, now)
    return len(cells)
