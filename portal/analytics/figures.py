"""Reading the rollup for the analytics filters: summed counts, the most requested people, medians.

``Figures`` is what every section of the page is built from (see ``report.py``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa

from ..auth.models import User
from ..candidates.models import Candidate, Position
from ..extensions import db
from ..generations import cached
from ..meetings.models import Meeting
from ..people.models import StaffProfile
from .blocks import base, built, span, union
from .models import ALL_POSITIONS, AnalyticsCell
from .rollup import METRICS, MONTHLY_METRICS
from .sql import month_start, next_month, week_start

TOP_PEOPLE = 15
SUMMED_METRICS = tuple(m for m in METRICS if m not in MONTHLY_METRICS)


@dataclass
class Filters:
    start: str  # "YYYY-MM", inclusive
    end: str  # "YYYY-MM", inclusive
    position_ids: list[int] | None  # None: every position (the precounted totals)

    @property
    def key(self) -> tuple:
        """The filters as a key of what is kept for them (``figures_for``)."""
        return self.start, self.end, tuple(self.position_ids) if self.position_ids is not None else None

    @property
    def starts_at(self) -> datetime:
        return month_start(self.start)

    @property
    def ends_at(self) -> datetime:
        return month_start(next_month(self.end))


def months_between(start: str, end: str) -> list[str]:
    out, month = [], start
    while month <= end and len(out) < 600:
        out.append(month)
        month = next_month(month)
    return out


def median(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many}: the middle one, or the mean of the middle two."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted = [(total - 1) // 2, total // 2]  # 0-based ranks of the middle value(s)
    found, seen = [], 0
    for value in sorted(histogram):
        n = histogram[value]
        while wanted and wanted[0] < seen + n:
            found.append(value)
            wanted.pop(0)
        seen += n
    return sum(found) / len(found)


def first_month() -> str | None:
    # Every counted candidate has a stage: the first month with one is the first with any figures (the
    # other rows include quarter and year blocks, which start before their first month).
    return db.session.scalar(sa.select(sa.func.min(AnalyticsCell.month))
                             .where(AnalyticsCell.position_id == ALL_POSITIONS, AnalyticsCell.metric == "stage"))


class Figures:
    """The summed counts for the filters: ``self.total[metric][key]`` and ``self.monthly[month][metric][key]``."""

    def __init__(self, filters: Filters):
        self.filters = filters
        positions = filters.position_ids if filters.position_ids is not None else [ALL_POSITIONS]
        self.positions = positions
        months = months_between(filters.start, filters.end)
        # Summed metrics are read as the period's whole years and quarters and the months left over
        # (blocks.py), once the blocks exist; the funnel and stages month by month. Months and block
        # starts are listed, not a range: with the position and metric they pin every column of the
        # primary key before ``key``, so both databases seek straight to the rows.
        self.span = span(months)
        if positions and db.session.get_bind().dialect.name == "postgresql":
            # Every read here takes a few milliseconds; PostgreSQL's cost guesses sent some to parallel
            # workers, whose start alone took ~10 ms (until this transaction ends).
            db.session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))
        self.built = built() if positions else False
        self.total: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.monthly: dict[str, dict[str, dict[str, int]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(int)))
        if positions:
            # Only the funnel and the stages are shown month by month; every other metric is summed
            # over the period in SQL (a few hundred rows back instead of one per month and key).
            cell = AnalyticsCell
            rows = union([
                sa.select(cell.month.label("month"), cell.metric.label("metric"), cell.key.label("key"),
                          cell.n.label("n"))
                .where(cell.position_id.in_(positions), cell.metric.in_(MONTHLY_METRICS), cell.month.in_(months)),
                *self.span.selects((sa.literal("").label("month"), cell.metric, cell.key, cell.n), positions,
                                   SUMMED_METRICS, self.built)])
            for row_month, metric, key, n in db.session.execute(
                    sa.select(rows.c.month, rows.c.metric, rows.c.key, sa.func.sum(rows.c.n))
                    .group_by(rows.c.month, rows.c.metric, rows.c.key)):
                metric = base(metric)
                self.total[metric][key] += int(n)
                if row_month:
                    self.monthly[row_month][metric][key] += int(n)

        self.people = self.top_people()

    def get(self, metric: str, key: str) -> int:
        return self.total.get(metric, {}).get(key, 0)

    def histogram(self, metric: str) -> dict[int, int]:
        return {int(key): n for key, n in self.total.get(metric, {}).items()}

    def top_people(self, limit: int = TOP_PEOPLE) -> list[dict]:
        """The most requested people, with their invitations, conversations held and busiest week."""
        if self.filters.position_ids == []:
            return []
        rows = union(self.span.selects((AnalyticsCell.key, AnalyticsCell.n), self.positions, ["person_requested"],
                                       self.built))
        total = sa.func.sum(rows.c.n)
        top = db.session.execute(
            sa.select(rows.c.key, total).group_by(rows.c.key).order_by(total.desc(), rows.c.key).limit(limit)).all()
        if not top:
            return []
        keys = [key for key, _n in top]
        ids = [int(key) for key in keys]
        per = self._person_details(ids)
        people = {user.id: (user, profile) for user, profile in db.session.execute(
            sa.select(User, StaffProfile).outerjoin(StaffProfile, StaffProfile.user_id == User.id)
            .where(User.id.in_(ids)))}
        busiest = self._busiest_weeks(ids)
        out = []
        for key, requested in top:
            user, profile = people.get(int(key), (None, None))
            week, in_week = busiest.get(int(key), (None, 0))
            details = per.get(int(key), {})
            out.append({
                "name": user.name if user else None,  # None: a former account (the report says so)
                "title": profile.title if profile else "",
                "requested": int(requested),
                "answered": details.get("answered", 0),
                "accepted": details.get("accepted", 0),
                "held": details.get("held", 0),
                "busiest_week": week,
                "busiest_count": in_week,
                "cap": profile.weekly_cap if profile else None,
            })
        return out

    def _person_details(self, staff_ids: list[int]) -> dict[int, dict[str, int]]:
        """Held conversations and answered / accepted invitations of a few people, from the rollup."""
        names = {"person_held": "held", "person_invites_answered": "answered", "person_invites_accepted": "accepted"}
        out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        rows = union(self.span.selects((AnalyticsCell.metric, AnalyticsCell.key, AnalyticsCell.n), self.positions,
                                       names, self.built, AnalyticsCell.key.in_([str(i) for i in staff_ids])))
        for metric, key, n in db.session.execute(
                sa.select(rows.c.metric, rows.c.key, sa.func.sum(rows.c.n)).group_by(rows.c.metric, rows.c.key)):
            out[int(key)][names[base(metric)]] += int(n)
        return out

    def _busiest_weeks(self, staff_ids: list[int]) -> dict[int, tuple[str, int]]:
        """Each person's most conversations in one week (Monday–Sunday, UTC) within the period."""
        week = week_start(Meeting.start_at)
        # Statuses are counted, not filtered on: filtering on them makes SQLite pick the (status, created)
        # index and read every held conversation. An index on (staff_id, start_at, status, candidate_id)
        # would answer this from the index alone (now: one table row read per conversation).
        holding = sa.func.sum(sa.case((Meeting.status.in_(("confirmed", "completed", "no_show")), 1), else_=0))
        query = (sa.select(Meeting.staff_id, week, holding)
                 .where(Meeting.staff_id.in_(staff_ids), Meeting.start_at >= self.filters.starts_at,
                        Meeting.start_at < self.filters.ends_at)
                 .group_by(Meeting.staff_id, week))
        if self.filters.position_ids is not None:
            # The candidate's position looked up per conversation (a primary-key read each): joined,
            # PostgreSQL hashed every candidate of the team (22,000) for the ~2,000 conversations.
            position = (sa.select(Candidate.position_id).where(Candidate.id == Meeting.candidate_id)
                        .correlate(Meeting).scalar_subquery())
            query = query.where(position.in_(self.filters.position_ids))
        best: dict[int, tuple[str, int]] = {}
        for staff_id, week_of, n in db.session.execute(query):
            if not n:
                continue
            if n > best.get(staff_id, ("", 0))[1] or (n == best[staff_id][1] and week_of < best[staff_id][0]):
                best[staff_id] = (week_of, int(n))
        return best


KEPT_UNTIL = ("analytics", "people")  # what the analytics figures are read from moves on (generations.py)


def figures_for(filters: Filters) -> Figures:
    """The figures for ``filters``, read once per process until the rollup or the people shown move on
    (``generations.py``: the rollup's writers move "analytics", names, titles and caps move "people").
    Every request with these filters sees the same figures; the report words them in its reader's language."""
    return cached("analytics-figures", filters.key, lambda: Figures(filters), depends=KEPT_UNTIL)


def teams() -> list[str]:
    return [t for t in db.session.scalars(_teams_statement()) if t]


@cache
def _teams_statement() -> sa.Select:
    """Every position's team, once each: built once (with its cache key)."""
    return sa.select(Position.team).distinct().order_by(Position.team)


def positions_in(team: str | None, position_id: int | None) -> list[int] | None:
    """The position ids to read (None: the all-positions totals)."""
    if position_id is None and not team:
        return None
    query = sa.select(Position.id)
    if position_id is not None:
        query = query.where(Position.id == position_id)
    if team:
        query = query.where(Position.team == team)
    return list(db.session.scalars(query))
