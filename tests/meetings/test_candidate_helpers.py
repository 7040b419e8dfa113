"""Shared data and fixtures for the candidate's side of conversations (no tests in this module).

The story, frozen on Monday 3 March 2031 at 12:00 UTC (07:00 in New York): Jordan Lee (candidate,
New York, decision due in 10 days) can ask Amara Okafor (CEO, Berlin, needs approval, free
weekdays 15:00–17:00 Berlin = 09:00–11:00 New York) and Tom Becker (engineer, Toronto, free
weekdays 10:00–12:00 Toronto = 10:00–12:00 New York). Another candidate has a question and a
conversation that must stay out of Jordan's reach.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_position, make_staff, make_user
from helpers import Auth

from portal.extensions import db
from portal.meetings import notify
from portal.meetings.models import Meeting, ProposedSlot, meeting_question
from portal.meetings.states import confirm, new_uid
from portal.people.models import AvailabilityWindow
from portal.questions.models import Question

T0 = datetime(2031, 3, 3, 12, 0, tzinfo=UTC)  # Monday; New York is UTC-5 and Berlin UTC+1 all that week
HTMX = {"HX-Request": "true"}
NOTIFY = ("request_created", "meeting_cancelled", "meeting_changed", "meeting_confirmed", "request_rejected",
          "meeting_declined")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment in March 2031."""
    return datetime(2031, 3, day, hour, minute, tzinfo=UTC)


def value(start: datetime) -> str:
    """How a form carries a time: its UTC start to the minute."""
    return start.strftime("%Y-%m-%dT%H:%MZ")


def add_windows(user, start: time, end: time, zone: str, weekdays=range(5)) -> None:
    for weekday in weekdays:
        db.session.add(AvailabilityWindow(profile=user.profile, weekday=weekday, start_time=start, end_time=end,
                                          zone=zone))
    db.session.flush()


def add_meeting(candidate_id: int, staff_id: int, status: str = "invited", *, start: datetime | None = None,
                length: int = 30, fmt: str = "video", slots=(), questions=(), reason: str | None = None) -> Meeting:
    """A conversation in ``status`` (confirmed ones hold the person's time through the state machine)."""
    meeting = Meeting(candidate_id=candidate_id, staff_id=staff_id, format=fmt, length_minutes=length,
                      status="invited" if status == "confirmed" else status, uid=new_uid("portal.test"),
                      reason=reason)
    db.session.add(meeting)
    db.session.flush()
    for slot in slots:
        db.session.add(ProposedSlot(meeting_id=meeting.id, start_at=slot, end_at=slot + timedelta(minutes=length)))
    for question_id in questions:
        db.session.execute(meeting_question.insert().values(meeting_id=meeting.id, question_id=question_id))
    if status == "confirmed":
        confirm(meeting, start)
    elif start is not None:
        meeting.start_at, meeting.end_at = start, start + timedelta(minutes=length)
    db.session.flush()
    return meeting


def another_person(world, name: str) -> int:
    """One more person in the directory (a candidate has one waiting request per person)."""
    with world.app.app_context():
        person = make_staff("team", title="Product Manager", team="Product", name=name, timezone="Europe/London")
        db.session.commit()
        return person.id


def build_world() -> SimpleNamespace:
    """Rows for the story (inside an app context; flushes, no commit)."""
    recruiter = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
    ceo = make_staff("leadership", title="Chief Executive Officer", team="Executive", name="Amara Okafor",
                     timezone="Europe/Berlin")
    tom = make_staff("team", title="Senior Engineer", team="Platform", name="Tom Becker",
                     timezone="America/Toronto")
    add_windows(ceo, time(15), time(17), "Europe/Berlin")
    add_windows(tom, time(10), time(12), "America/Toronto")
    candidate = make_candidate(owner=recruiter, position=make_position("Backend Engineer", "Platform"),
                               name="Jordan Lee", timezone="America/New_York", deadline_days=10)
    other = make_candidate(name="Other Candidate", timezone="Europe/London")
    growth = Question(candidate_id=candidate.id, text="How do engineers grow here?", category="growth")
    direction = Question(candidate_id=candidate.id, text="Where is the company going?",
                         category="direction_finances", directed_to_id=ceo.id)
    done = Question(candidate_id=candidate.id, text="Is there a pension?", category="compensation_benefits",
                    status="answered", answered_via="candidate")
    foreign = Question(candidate_id=other.id, text="Other candidate's secret question", category="other")
    db.session.add_all([growth, direction, done, foreign])
    db.session.flush()
    return SimpleNamespace(recruiter=recruiter.id, ceo=ceo.id, tom=tom.id, candidate=candidate.id,
                           candidate_user=candidate.user.id, other=other.id, growth=growth.id,
                           direction=direction.id, done=done.id, foreign=foreign.id,
                           session_token=candidate.user.session_token,
                           other_token=other.user.session_token)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def notified(monkeypatch):
    """Calls to ``notify`` as (name, meeting id, by user id); the e-mails themselves are tested elsewhere."""
    calls = []
    for name in NOTIFY:
        monkeypatch.setattr(notify, name, lambda meeting, by, _name=name: calls.append((_name, meeting.id, by.id)))
    return calls


def make_world(app, notified):
    client = app.test_client()
    with app.app_context():
        ids = build_world()
        db.session.commit()
    client_login(app, client, ids.session_token)
    return SimpleNamespace(app=app, client=client, notified=notified, **vars(ids))


def client_login(app, client, session_token):
    with app.app_context():
        from portal.auth.models import User

        user = db.session.scalar(sa.select(User).where(User.session_token == session_token))
        Auth(app, client).login(user)


@pytest.fixture
def world(make_app, frozen, notified):
    """CSRF off for brevity (one test keeps it on); Jordan is signed in."""
    return make_world(make_app(WTF_CSRF_ENABLED=False), notified)


@pytest.fixture
def world_csrf(app, frozen, notified):
    return make_world(app, notified)


def meetings(world, *where) -> list[Meeting]:
    with world.app.app_context():
        rows = db.session.scalars(sa.select(Meeting).where(*where).order_by(Meeting.id)).all()
        for row in rows:
            _ = row.slots, row.transitions
        db.session.expunge_all()
        return list(rows)


def get(world, model, id_):
    with world.app.app_context():
        row = db.session.get(model, id_)
        db.session.expunge_all()
        return row


def create(world, person: str | int = "ceo", status: str = "invited", **kwargs) -> int:
    """A conversation of Jordan's with ``person`` ("ceo", "tom" or a person's id), committed; returns its id."""
    with world.app.app_context():
        staff_id = person if isinstance(person, int) else getattr(world, person)
        meeting = add_meeting(world.candidate, staff_id, status, **kwargs)
        db.session.commit()
        return meeting.id
