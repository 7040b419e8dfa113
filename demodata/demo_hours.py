"""Office hours in the demo company: Priya live now with one candidate waiting, recurring office hours
for two people later in the week, and two past windows whose talks give analytics something to show.

Idempotent like the rest of the demo: a live window is left as it is (one that ended is closed and a
new one opened), a series is added once per person and weekday, the past windows once. The future
ones go through ``portal.office_hours`` so they hold the person's time; the past ones are written as
they would have been (those candidates have decided since, so no queue would take them now).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from portal.audit import services as audit
from portal.auth.models import User
from portal.candidates.models import Candidate, Position
from portal.extensions import db
from portal.meetings.models import Meeting, MeetingTransition
from portal.office_hours import queue, windows
from portal.office_hours.models import HoursEntry, HoursSeries, HoursWindow, WindowStatus
from portal.office_hours.windows import HoursError, SeriesData
from portal.timeutil import utcnow

# Priya Raman (VP People): the browser journeys click through the demo by the other people's names, and
# someone live is listed twice on the directory (under "Available now" too).
LIVE_PERSON = "priya.raman@northwind.example"
LIVE_MINUTES = (120, 90, 60, 30)  # the longest that fits before anything already in her calendar
# Waiting in Priya's queue: not Jordan Lee, whose queue stays free for a newcomer to join.
WAITING = ("maya.chen@example.com", "Maya Chen", "Europe/Lisbon")
# email, weekday (0 = Monday), start, end (the person's own zone), talk minutes, talks per window.
# Outside their weekly availability, so every conversation time offered today stays offered.
SERIES = [
    ("lucia.fernandez@northwind.example", 3, "16:00", "17:00", 15, 4),
    ("kwame.mensah@northwind.example", 1, "15:00", "16:00", 20, 3),
]
# Past windows: the person and the talks held (candidates from the history who were deciding then).
PAST = [("tom.becker@northwind.example", 3), ("amara.okafor@northwind.example", 2)]
HISTORY_SOURCE = "history"


def seed_office_hours(recruiter: User, position: Position,
                      progress: Callable[[Candidate, User, str], None]) -> int:
    """Everything above, once; returns the accounts it made. ``progress`` seeds a demo candidate's
    feedback and message (``demo._seed_progress``)."""
    now = utcnow()
    created = _live_now(now, recruiter, position, progress)
    for email, weekday, start, end, talk, cap in SERIES:
        _series(email, SeriesData(weekday, time.fromisoformat(start), time.fromisoformat(end),
                                  _person(email).timezone, talk, cap), now)
    _past_windows(now)
    return created


def _person(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _live_now(now: datetime, recruiter: User, position: Position, progress) -> int:
    person = _person(LIVE_PERSON)
    queue.settle(now)  # a window from an earlier run that has ended closes now
    window = windows.live_window(person.id)
    if window is None:
        for minutes in LIVE_MINUTES:
            try:
                window = windows.go_live_now(person, minutes, now, person, talk_minutes=15, cap=6)
                break
            except HoursError:
                continue
    created = 0
    email, name, zone = WAITING
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, role="candidate", timezone=zone)
        db.session.add(user)
        db.session.flush()
        created = 1
    candidate = user.candidacy
    if candidate is None:
        candidate = Candidate(user=user, position=position, owner=recruiter, stage="offer",
                              offer_made_at=now - timedelta(days=3), decision_deadline=now + timedelta(days=9),
                              source="demo")
        db.session.add(candidate)
        db.session.flush()
        progress(candidate, recruiter, "invited")
        candidate.first_signed_in_at = now - timedelta(hours=2)
        audit.record("candidate.first_sign_in", f"{name} signed in for the first time", actor=user,
                     candidate=candidate).at = now - timedelta(hours=2)
    if window is not None and candidate.in_offer_process and queue.open_entry(candidate) is None:
        queue.join(candidate, window, now)
    return created


def _series(email: str, data: SeriesData, now: datetime) -> None:
    person = _person(email)
    exists = db.session.scalar(sa.select(HoursSeries.id).where(HoursSeries.staff_id == person.id,
                                                               HoursSeries.weekday == data.weekday))
    if exists is None:
        windows.add_series(person, data, now, person)


def _past_windows(now: datetime) -> None:
    """Closed windows with talks held, once (the first run after the history exists): each at 15:00 UTC
    on the day most candidates from the history were deciding (the latest such day, a week apart)."""
    if db.session.scalar(sa.select(HoursEntry.id).join(Candidate, Candidate.id == HoursEntry.candidate_id)
                         .where(Candidate.source == HISTORY_SOURCE).limit(1)) is not None:
        return
    history = list(db.session.scalars(sa.select(Candidate).where(
        Candidate.source == HISTORY_SOURCE, Candidate.decided_at.is_not(None)).order_by(Candidate.id)))
    used: set[int] = set()
    chosen: list[datetime] = []
    for email, talks in PAST:
        best: tuple[int, datetime, list[Candidate]] | None = None
        for c in history:
            start = (c.offer_made_at + timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0)
            if start > now - timedelta(days=2) or any(abs(start - other) < timedelta(days=7) for other in chosen):
                continue
            deciding = [d for d in history if d.id not in used and d.offer_made_at < start
                        and d.decided_at > start + timedelta(hours=1)][:talks]
            if best is None or (len(deciding), start) > best[:2]:
                best = (len(deciding), start, deciding)
        if best is None or not best[2]:
            continue
        _, start, deciding = best
        chosen.append(start)
        person = _person(email)
        window = HoursWindow(staff_id=person.id, start_at=start, end_at=start + timedelta(hours=1), talk_minutes=15,
                             cap=4, status=WindowStatus.CLOSED, live_at=start, closed_at=start + timedelta(hours=1),
                             created_by_id=person.id, created_at=start - timedelta(days=2))
        db.session.add(window)
        db.session.flush()
        for n, candidate in enumerate(deciding, start=1):
            used.add(candidate.id)
            _past_talk(window, person, candidate, n)
        _event("hours.closed", f"{person.name}'s office hours ended ({len(deciding)} talks, 0 still waiting)",
               window.end_at, actor=None, subject=window)


def _past_talk(window: HoursWindow, person: User, candidate: Candidate, n: int) -> None:
    joined = window.start_at + timedelta(minutes=4 * (n - 1))
    admitted = window.start_at + timedelta(minutes=15 * (n - 1))
    ended = admitted + timedelta(minutes=window.talk_minutes)
    talk = Meeting(candidate_id=candidate.id, staff_id=person.id, format="office_hours",
                   length_minutes=window.talk_minutes, status="completed", start_at=admitted, end_at=ended,
                   uid=f"hours-demo-{window.id}-{candidate.id}@demo", note="", created_at=admitted,
                   rating=(5, 4, 5)[(n - 1) % 3])
    db.session.add(talk)
    db.session.flush()
    for (before, _), (after, at) in itertools.pairwise(
            [("requested", admitted), ("confirmed", admitted), ("completed", ended + timedelta(hours=1))]):
        db.session.add(MeetingTransition(meeting_id=talk.id, from_status=before, to_status=after, at=at,
                                         actor_id=person.id if after == "confirmed" else None,
                                         reason="office hours" if after == "confirmed" else None))
    db.session.add(HoursEntry(window_id=window.id, candidate_id=candidate.id, position=n, status="done",
                              joined_at=joined, admitted_at=admitted, ended_at=ended, meeting_id=talk.id))
    name = candidate.user.name
    _event("hours.joined", f"{name} joined {person.name}'s office hours queue", joined, actor=candidate.user,
           candidate=candidate, subject=window)
    _event("hours.admitted", f"{person.name} began an office hours talk with {name}", admitted, actor=person,
           candidate=candidate, subject=talk)
    _event("hours.talk_ended", f"{name}'s office hours talk with {person.name} ended on time", ended, actor=None,
           candidate=candidate, subject=talk)


def _event(action: str, summary: str, at: datetime, **kwargs) -> None:
    audit.record(action, summary, **kwargs).at = at
