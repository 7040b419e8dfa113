"""How much room a person has for conversations: their weekly cap, one waiting request per
candidate, and the row lock that keeps both true whatever the interleaving of requests (flush,
never commit)."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..people.models import StaffProfile
from ..timeutil import moment_param, to_zone
from .models import WAITING, CounterTime, Meeting, ProposedSlot


def week_counts(profile, now: datetime, exclude_id: int | None = None) -> dict[tuple[int, int], int]:
    """Conversations per ISO week (in the person's zone) that count against the weekly cap.

    A confirmed one counts in the week it happens; an invitation still open counts in every week
    one of its proposed times falls in, since the person may accept any of them; so does a proposal
    of the person's own times, since the candidate may choose any of them.
    """
    zone = profile.user.timezone
    starts: dict[int, set] = {}
    rows = db.session.execute(_week_statement(), {"who": profile.user_id, "since": now - timedelta(days=7)})
    for meeting_id, start in rows:
        if meeting_id != exclude_id:
            iso = to_zone(start, zone).isocalendar()
            starts.setdefault(meeting_id, set()).add((iso.year, iso.week))
    counts: dict[tuple[int, int], int] = {}
    for weeks in starts.values():
        for week in weeks:
            counts[week] = counts.get(week, 0) + 1
    return counts


@functools.cache
def _week_statement() -> sa.CompoundSelect:
    """Built once (the request form and every booking read it)."""
    who, since = sa.bindparam("who"), moment_param("since")
    return sa.union_all(
        sa.select(Meeting.id, Meeting.start_at).where(Meeting.staff_id == who, Meeting.status == "confirmed",
                                                      Meeting.start_at > since),
        sa.select(ProposedSlot.meeting_id, ProposedSlot.start_at).join(Meeting)
        .where(Meeting.staff_id == who, Meeting.status == "invited", ProposedSlot.start_at > since),
        sa.select(CounterTime.meeting_id, CounterTime.start_at).join(Meeting)
        .where(Meeting.staff_id == who, Meeting.status == "proposed", CounterTime.start_at > since))


def lock_person(person_id: int) -> None:
    """Hold the person's row until commit (PostgreSQL's FOR UPDATE; on SQLite, BEGIN IMMEDIATE already
    serialises writers): the check for a waiting request and the count against the weekly cap that
    follow can't interleave with another request to the same person, so no timing exceeds them."""
    db.session.execute(sa.select(StaffProfile.user_id).where(StaffProfile.user_id == person_id).with_for_update())


def full_week(profile, starts: list[datetime], now: datetime, exclude_id: int | None = None) -> datetime | None:
    """The first of ``starts`` in a week where the person already has their weekly cap, or None."""
    weeks = week_counts(profile, now, exclude_id)
    for start in starts:
        iso = to_zone(start, profile.user.timezone).isocalendar()
        if weeks.get((iso.year, iso.week), 0) >= profile.weekly_cap:
            return start
    return None


def has_waiting(candidate_id: int, person_id: int) -> bool:
    return db.session.scalar(sa.select(Meeting.id).where(
        Meeting.candidate_id == candidate_id, Meeting.staff_id == person_id, Meeting.status.in_(WAITING)
    ).limit(1)) is not None
