"""Test data: small functions that add rows (flush, no commit) with sensible defaults."""

from __future__ import annotations

import itertools
from datetime import timedelta

from portal.auth.models import User
from portal.candidates.models import Candidate, Position
from portal.extensions import db
from portal.people.models import APPROVAL_BY_DEFAULT, StaffProfile
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
