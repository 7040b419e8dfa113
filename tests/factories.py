"""Test data: small functions that add rows (flush, no commit) with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import datetime, time, timedelta

from portal.auth.models import User
from portal.candidates.models import Candidate, Position
from portal.extensions import db
from portal.meetings.models import CounterTime, Meeting, ProposedSlot, meeting_question
from portal.meetings.states import confirm, new_uid, transition
from portal.people.models import APPROVAL_BY_DEFAULT, AvailabilityWindow, StaffProfile
from portal.timeutil import utcnow

_seq = itertools.count(1)


def make_user(role: str = "candidate", *, email: str | None = None, name: str | None = None,
              timezone: str = "UTC", active: bool = True) -> User:
    n = next(_seq)
    user = User(
        email=email or f"{role}{n}@example.com",
        name=name or f"{role.title()} Person{n}",
        role=role,
        timezone=timezone,
        active=active,
    )
    db.session.add(user)
    db.session.flush()
    return user


def stored_user(app, role: str = "candidate", **kwargs) -> int:
    """``make_user`` in an app context of its own, committed: the new user's id (for fixtures)."""
    with app.app_context():
        user = make_user(role, **kwargs)
        db.session.commit()
        return user.id


def make_staff(group: str = "team", *, title: str = "Engineer", team: str = "Platform", **user_kwargs) -> User:
    user = make_user("staff", **user_kwargs)
    db.session.add(StaffProfile(user=user, group=group, title=title, team=team,
                                needs_approval=group in APPROVAL_BY_DEFAULT))
    db.session.flush()
    return user


def make_position(title: str = "Backend Engineer", team: str = "Platform") -> Position:
    position = Position(title=title, team=team)
    db.session.add(position)
    db.session.flush()
    return position


def make_candidate(*, position: Position | None = None, owner: User | None = None, stage: str = "offer",
                   deadline_days: int | None = 7, **user_kwargs) -> Candidate:
    user = make_user("candidate", **user_kwargs)
    candidate = Candidate(
        user=user,
        position=position or make_position(),
        owner=owner,
        stage=stage,
        decision_deadline=utcnow() + timedelta(days=deadline_days) if deadline_days is not None else None,
    )
    db.session.add(candidate)
    db.session.flush()
    return candidate


def add_windows(user: User, start: time, end: time, zone: str, weekdays=range(5)) -> None:
    """The person is free from ``start`` to ``end`` (in ``zone``) on these weekdays (Monday is 0)."""
    for weekday in weekdays:
        db.session.add(AvailabilityWindow(profile=user.profile, weekday=weekday, start_time=start, end_time=end,
                                          zone=zone))
    db.session.flush()


# The steps of the state machine from "requested" to each state.
_STEPS = {
    "requested": (),
    "needs_approval": ("needs_approval",),
    "approved": ("needs_approval", "approved"),
    "rejected": ("needs_approval", "rejected"),
    "invited": ("invited",),
    "proposed": ("invited", "proposed"),
    "declined": ("invited", "declined"),
    "expired": ("invited", "expired"),
    "confirmed": ("invited", "confirmed"),
    "completed": ("invited", "confirmed", "completed"),
    "no_show": ("invited", "confirmed", "no_show"),
    "cancelled": ("cancelled",),
}


def _id(row_or_id) -> int:
    return row_or_id if isinstance(row_or_id, int) else row_or_id.id


def make_meeting(candidate: Candidate | int, person: User | int, status: str = "invited", *, fmt: str = "video",
                 length: int = 30, note: str = "", slots=(), questions=(), start: datetime | None = None,
                 reason: str | None = None, actor=None, history: bool = True, counter=()) -> Meeting:
    """A conversation of ``candidate`` with ``person`` (rows or ids) in ``status``.

    ``slots`` are the proposed start times, ``counter`` the times the person proposed instead (status
    ``proposed``) and ``questions`` the agenda (rows or ids). ``start`` is the
    agreed time: a conversation that gets confirmed takes it through ``states.confirm``, which books
    the person's and the candidate's time; any other just records it.

    With ``history`` (the default) the conversation is made "requested" and walks the state machine to
    ``status``, ``actor`` taking each step, so its history is what the app would have written. Without
    it, the row is stored in ``status`` straight; only a confirmed one with a ``start`` still goes
    through ``confirm`` (a confirmed one without a time is stored as is, nothing booked).
    """
    booked = status == "confirmed" and start is not None
    stored = "requested" if history else ("invited" if booked else status)
    meeting = Meeting(candidate_id=_id(candidate), staff_id=_id(person), format=fmt, length_minutes=length,
                      note=note, status=stored, reason=reason, uid=new_uid("portal.test"))
    db.session.add(meeting)
    db.session.flush()
    for slot in slots:
        db.session.add(ProposedSlot(meeting_id=meeting.id, start_at=slot, end_at=slot + timedelta(minutes=length)))
    for slot in counter:
        db.session.add(CounterTime(meeting_id=meeting.id, start_at=slot, end_at=slot + timedelta(minutes=length)))
    for question in questions:
        db.session.execute(meeting_question.insert().values(meeting_id=meeting.id, question_id=_id(question)))
    db.session.flush()
    steps = _STEPS[status] if history else ("confirmed",) if booked else ()
    for step in steps:
        if step == "confirmed":
            confirm(meeting, start, actor=actor)
        else:
            transition(meeting, step, actor=actor)
    if start is not None and "confirmed" not in steps:
        meeting.start_at, meeting.end_at = start, start + timedelta(minutes=length)
    db.session.flush()
    db.session.refresh(meeting)
    return meeting
