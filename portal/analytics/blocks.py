"""Quarter and year sums of the rollup, so that a period is read as a few blocks instead of every month.

The page sums most metrics over its period ("2025-12" to "2026-12": the most requested people add up
about 19,000 person-month rows). Each such metric is also kept summed by quarter and by year, in
``analytics_cell`` itself: the metric's name with ``@q`` or ``@y``, at the block's first month
("decision_hours@q" at "2026-04" is April to June 2026), for every position and the all-positions
total. A period is then read as its whole years, the whole quarters left, and the months left over
(December 2025 + the year 2026: 2 blocks instead of 13 months).

The blocks are kept by the same mechanisms as the months (``rollup.py``): ``rebuild_all`` sums them
from the counted months (``build_blocks``), and recounting a cell moves its blocks and the
all-positions blocks by what changed in it. ``MARK`` is written with them (or when counting starts from
nothing): a database counted before blocks existed has none, and the page reads its months (as
before) until ``build_blocks`` runs once.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..generations import bump
from .models import ALL_POSITIONS, AnalyticsCell

QUARTER, YEAR = "@q", "@y"
# The marker row: (position 0, this metric, this month, key "") holds 1 once blocks were summed for every cell.
MARK = {"position_id": ALL_POSITIONS, "metric": "@blocks", "month": "9999-12", "key": ""}


def quarter_of(month: str) -> str:
    """"2026-05" → "2026-04": the first month of its quarter."""
    return f"{month[:4]}-{(int(month[5:7]) - 1) // 3 * 3 + 1:02d}"


def year_of(month: str) -> str:
    return month[:4] + "-01"


def blocks_of(month: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """The (suffix, first month) of the quarter and the year a month is summed into."""
    return (QUARTER, quarter_of(month)), (YEAR, year_of(month))


@dataclass(frozen=True)
class Span:
    """A period as whole years, whole quarters and single months (each list sorted, none overlapping)."""

    months: tuple[str, ...]
    quarters: tuple[str, ...]
    years: tuple[str, ...]

    def parts(self, built: bool = True) -> list[tuple[str, tuple[str, ...]]]:
        """(suffix, first months) to read: the blocks once built, else every month of the period."""
        if not built:
            return [("", tuple(self.all_months))]
        return [(suffix, firsts) for suffix, firsts in (("", self.months), (QUARTER, self.quarters),
                                                         (YEAR, self.years)) if firsts]

    def selects(self, columns, positions, metrics, built: bool = True, *where) -> list[sa.Select]:
        """One select of ``columns`` per part: each pins position, metric and month, so both databases
        seek the primary key (an OR of the parts in one WHERE made SQLite read every row of the
        positions). Put together with UNION ALL (``union``)."""
        return [sa.select(*columns).where(AnalyticsCell.position_id.in_(positions),
                                          AnalyticsCell.metric.in_([m + suffix for m in metrics]),
                                          AnalyticsCell.month.in_(firsts), *where)
                for suffix, firsts in self.parts(built)]

    @property
    def all_months(self) -> list[str]:
        out = list(self.months)
        for firsts, length in ((self.quarters, 3), (self.years, 12)):
            for first in firsts:
                year, mon = int(first[:4]), int(first[5:7])
                out.extend(f"{year + (mon - 1 + i) // 12:04d}-{(mon - 1 + i) % 12 + 1:02d}" for i in range(length))
        return sorted(out)


def span(months: list[str]) -> Span:
    """``months``: a run of consecutive months ("YYYY-MM", ascending)."""
    chosen = set(months)
    years = sorted({year_of(m) for m in months
                    if all(f"{m[:4]}-{i:02d}" in chosen for i in range(1, 13))})
    rest = [m for m in months if year_of(m) not in years]
    quarters = sorted({quarter_of(m) for m in rest if all(
        f"{m[:4]}-{int(quarter_of(m)[5:7]) + i:02d}" in chosen for i in range(3))})
    return Span(tuple(m for m in rest if quarter_of(m) not in quarters), tuple(quarters), tuple(years))


def base(metric: str) -> str:
    """"decision_hours@q" → "decision_hours"."""
    return metric.split("@", 1)[0]


def union(selects: list[sa.Select]):
    """The selects' rows as one subquery."""
    return (sa.union_all(*selects) if len(selects) > 1 else selects[0]).subquery()


def _block_expression(suffix: str):
    """The block's first month from a month column, in SQL both databases speak (substr and ||)."""
    month = AnalyticsCell.month
    if suffix == YEAR:
        return sa.func.substr(month, 1, 5) + sa.literal("01")
    mon = sa.func.substr(month, 6, 2)
    return sa.func.substr(month, 1, 5) + sa.case((mon <= "03", "01"), (mon <= "06", "04"), (mon <= "09", "07"),
                                                 else_="10")


def build_blocks(metrics) -> None:
    """Sum every block again from the month rows (all positions and the totals), and write ``MARK``
    (after ``rebuild_all`` writes the months; or once, to bring a database counted before blocks
    existed up to date). Flushes; the caller commits."""
    metrics = tuple(metrics)
    db.session.execute(sa.delete(AnalyticsCell).where(
        sa.or_(AnalyticsCell.metric.like("%" + QUARTER), AnalyticsCell.metric.like("%" + YEAR),
               AnalyticsCell.metric == MARK["metric"])))
    for suffix in (QUARTER, YEAR):
        first = _block_expression(suffix)
        rows = (sa.select(AnalyticsCell.position_id, AnalyticsCell.metric + sa.literal(suffix), first,
                          AnalyticsCell.key, sa.func.sum(AnalyticsCell.n))
                .where(AnalyticsCell.metric.in_(metrics))
                .group_by(AnalyticsCell.position_id, AnalyticsCell.metric, first, AnalyticsCell.key))
        db.session.execute(sa.insert(AnalyticsCell).from_select(
            ["position_id", "metric", "month", "key", "n"], rows))
    mark_built()


def mark_built() -> None:
    db.session.execute(sa.insert(AnalyticsCell).values(**MARK, n=1))
    bump(db.session.connection(), "analytics")  # read by blocks from now on (generations.py)


def built() -> bool:
    """Whether the blocks were summed for every cell (one primary-key read)."""
    return bool(db.session.scalar(sa.select(AnalyticsCell.n).where(
        *(getattr(AnalyticsCell, column) == value for column, value in MARK.items()))))
