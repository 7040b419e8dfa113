"""Office hours in the analytics: what the rollup counts for them, and the windows held in a period.

Counted per cell like everything else (the candidate's position and month of offer):

- ``kind_all`` / ``kind_held`` under each kind of conversation (``meetings.models.KINDS``): every
  conversation, and those that took place; an office hours talk is one of kind ``office_hours``;
- ``hours_decided`` / ``hours_accepted`` under ``with`` / ``without``: decided candidates who had at
  least one office hours talk that took place, against those who had none;
- ``hours_wait``: a histogram of whole minutes from joining a queue to being admitted (``HoursEntry``),
  for the median and the 90th percentile.

Windows belong to a person, not to a candidate's cell: ``window_totals`` reads the windows held in the
period (closed after going live) and the talks in them in one query.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from ..candidates.models import Candidate
from ..extensions import db
from ..meetings.models import Meeting
from ..office_hours.models import HoursEntry, HoursWindow, WindowStatus
from .sql import minutes_between

HOURS_METRICS = ("kind_all", "kind_held", "hours_decided", "hours_accepted", "hours_wait")
DECIDED = ("accepted", "declined")


def count_cells(scope, month, held, add: Callable) -> None:
    """Add the office hours metrics of the candidates in ``scope`` (three grouped queries).
    ``month``: the cell's month expression; ``held``: the rollup's "took place" condition."""
    # Conversations by kind: all of them, and those held.
    for m, pos, kind, every, took_place in db.session.execute(
            sa.select(month, Candidate.position_id, Meeting.format, sa.func.count(),
                      sa.func.sum(sa.case((held, 1), else_=0)))
            .join(Candidate, Candidate.id == Meeting.candidate_id).where(scope)
            .group_by(month, Candidate.position_id, Meeting.format)):
        add(m, pos, "kind_all", kind, every)
        add(m, pos, "kind_held", kind, took_place)

    # Acceptance with and without an office hours talk that took place.
    talked = sa.case((sa.exists().where(Meeting.candidate_id == Candidate.id, Meeting.format == "office_hours",
                                        held), "with"), else_="without").label("talked")
    for m, pos, key, stage, n in db.session.execute(
            sa.select(month, Candidate.position_id, talked, Candidate.stage, sa.func.count())
            .where(scope, Candidate.stage.in_(DECIDED))
            .group_by(month, Candidate.position_id, talked, Candidate.stage)):
        add(m, pos, "hours_decided", key, n)
        if stage == "accepted":
            add(m, pos, "hours_accepted", key, n)

    # Minutes waited in a queue before the talk began.
    waited = minutes_between(HoursEntry.joined_at, HoursEntry.admitted_at)
    for m, pos, minutes, n in db.session.execute(
            sa.select(month, Candidate.position_id, waited, sa.func.count())
            .join(Candidate, Candidate.id == HoursEntry.candidate_id)
            .where(scope, HoursEntry.admitted_at.is_not(None))
            .group_by(month, Candidate.position_id, waited)):
        add(m, pos, "hours_wait", max(minutes, 0), n)


def percentile(histogram: dict[int, int], share: float) -> float | None:
    """The nearest-rank percentile of values given as {value: how many} (``share`` 0.9 for the 90th)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank, seen = max(1, math.ceil(share * total)), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None  # not reached: the ranks add up to ``total``


@dataclass(frozen=True)
class WindowTotals:
    held: int  # windows that went live and have closed
    talks: int  # talks begun in them (with the filtered candidates when a team or position is chosen)

    @property
    def per_window(self) -> float | None:
        return self.talks / self.held if self.held else None


def window_totals(starts_at, ends_at, position_ids: list[int] | None) -> WindowTotals:
    """Windows held that started in [starts_at, ends_at) and the talks in them, in one query."""
    talk = sa.select(sa.func.count()).select_from(HoursEntry).where(
        HoursEntry.window_id == HoursWindow.id, HoursEntry.admitted_at.is_not(None))
    if position_ids is not None:
        talk = talk.join(Candidate, Candidate.id == HoursEntry.candidate_id).where(
            Candidate.position_id.in_(position_ids))
    talks = talk.correlate(HoursWindow).scalar_subquery()
    held, total = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(talks), 0))
        .where(HoursWindow.status == WindowStatus.CLOSED, HoursWindow.live_at.is_not(None),
               HoursWindow.start_at >= starts_at, HoursWindow.start_at < ends_at)).one()
    return WindowTotals(int(held), int(total))
