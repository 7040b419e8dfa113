"""Who is free when: the times a candidate may be offered with a person, from the person's free
slots, both sides' confirmed conversations, the person's own calendar, the time office hours hold, the person's weekly cap and
the candidate's decision deadline and hours. Reads only; ``requests`` asks, ``check_slots`` re-checks."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..calendars.services import busy_select, free_in_calendar
from ..extensions import db
from ..people.availability import Slot, free_slots, within_hours
from ..timeutil import Fit, moment_param, to_zone
from .capacity import week_counts
from .models import BOOKING_UNIT_MINUTES, BookedUnit, Meeting

DAYS_AHEAD = 14


def is_open(profile) -> bool:
    """The person can be asked: in the directory, active, accepting, with room in their week."""
    return profile.visible and profile.user.active and profile.accepting_requests and profile.weekly_cap > 0


LONGEST = timedelta(days=1)  # no conversation lasts this long (_values)


PERSON, HELD, CANDIDATE = 1, 2, 3  # whose a busy row is (_busy_statements)


@functools.cache
def _busy_statements() -> tuple[sa.CompoundSelect, sa.Select]:
    """Built once (the request form, the move page and every booking read them). First, one query for
    both sides, each row saying whose: the person's confirmed conversations and their calendar's busy
    times, the time the person's office hours hold (``HELD``: a unit's start, twice), the candidate's
    confirmed conversations. Second, the candidate's alone. ``exclude``: a conversation left out (one
    being moved; 0: none)."""
    since, now, unit_since = moment_param("since"), moment_param("now"), moment_param("unit_since")

    def confirmed(whose: int, column, who: str):
        return sa.select(sa.literal_column(str(whose), sa.Integer), Meeting.start_at, Meeting.end_at).where(
            column == sa.bindparam(who), Meeting.status == "confirmed", Meeting.start_at > since,
            Meeting.end_at > now, Meeting.id != sa.bindparam("exclude"))

    calendar = busy_select(sa.bindparam("person"), now)
    held = (sa.select(sa.literal_column(str(HELD), sa.Integer), BookedUnit.unit_start, BookedUnit.unit_start)
            .where(BookedUnit.staff_id == sa.bindparam("person"), BookedUnit.window_id.is_not(None),
                   BookedUnit.unit_start > unit_since))
    own = confirmed(CANDIDATE, Meeting.candidate_id, "candidate")
    both = sa.union_all(confirmed(PERSON, Meeting.staff_id, "person"),
                        calendar.with_only_columns(sa.literal_column(str(PERSON), sa.Integer), *calendar.selected_columns),
                        held, own)
    return both, own


def _values(now: datetime, exclude_id: int | None, person: int | None = None, candidate: int | None = None) -> dict:
    """No conversation lasts a day: one that hasn't ended began after now minus that, which lets a busy
    person's conversations be read from ix_meeting_staff_start_status from there on (not all of them)."""
    return {"person": person, "candidate": candidate, "now": now, "since": now - LONGEST,
            "exclude": exclude_id or 0, "unit_since": now - timedelta(minutes=BOOKING_UNIT_MINUTES)}


def busy_of_both(staff_id: int, candidate, now: datetime, exclude_id: int | None = None) -> tuple[list, list]:
    """(the person's busy times, the candidate's), in one query: the person's confirmed conversations,
    the busy times of their own calendar (as last read) and the time their office hours hold
    (``BookedUnit`` rows of a window: 15-minute units); the candidate's confirmed conversations."""
    unit = timedelta(minutes=BOOKING_UNIT_MINUTES)
    person, own = [], []
    rows = db.session.execute(_busy_statements()[0], _values(now, exclude_id, staff_id, candidate.id))
    for whose, start, end in rows:
        if whose == CANDIDATE:
            own.append((start, end))
        else:
            person.append((start, start + unit) if whose == HELD else (start, end))
    return person, own


def candidate_busy(candidate, now: datetime, exclude_id: int | None = None):
    rows = db.session.execute(_busy_statements()[1], _values(now, exclude_id, candidate=candidate.id))
    return [(start, end) for _whose, start, end in rows]


def free_for(candidate, profile, length: int, now: datetime, busy, exclude_id=None) -> list[Slot]:
    zone = candidate.user.timezone
    today = to_zone(now, zone).date()
    return free_slots(profile, today, today + timedelta(days=DAYS_AHEAD - 1), timedelta(minutes=length), zone,
                      now=now, busy=busy, booked_per_week=week_counts(profile, now, exclude_id))


def bookable_slots(candidate, profile, length: int, now: datetime, *, exclude_id: int | None = None,
                   earliest: datetime | None = None) -> list[Slot]:
    """Times to offer: the person's free slots that also suit the candidate (free, before the deadline)."""
    person, own = busy_of_both(profile.user_id, candidate, now, exclude_id)
    busy = person + own
    deadline = candidate.decision_deadline
    return [s for s in free_for(candidate, profile, length, now, busy, exclude_id)
            if (deadline is None or s.end <= deadline) and (earliest is None or s.start >= earliest)]


@dataclass
class Offered:
    """Times to show someone, each with how it sits in the candidate's day (``Fit``)."""

    slots: list[tuple[Slot, Fit]]
    outside: bool = False  # nothing fits the candidate's hours: these are the nearest times outside them
    hidden: int = 0  # free times left out because they fall outside the candidate's hours


def offered_slots(candidate, profile, length: int, now: datetime, *, show_all: bool = False,
                  exclude_id: int | None = None, earliest: datetime | None = None) -> Offered:
    """``bookable_slots`` within the candidate's hours (07:00–21:00 in their zone unless they changed
    them); when none is, the nearest outside them, labelled early or late; with ``show_all``, all."""
    free = bookable_slots(candidate, profile, length, now, exclude_id=exclude_id, earliest=earliest)
    user = candidate.user
    chosen, outside = within_hours(free, user.timezone, user.hours, show_all=show_all)
    return Offered(chosen, outside, len(free) - len(chosen))


def overlaps(start, end, intervals) -> bool:
    return any(start < b_end and b_start < end for b_start, b_end in intervals)


def free_in_their_calendar(meeting: Meeting, start: datetime, now: datetime) -> bool:
    """Just before ``meeting`` is confirmed (or moved) at ``start``: the person's own calendar, read once
    more, still has that time free (no calendar: free). Call it before writing anything, so no write lock
    is held while their calendar server answers (a few seconds at most)."""
    return free_in_calendar(meeting.staff_id, start, start + timedelta(minutes=meeting.length_minutes), now)
