"""Shared data for the candidate's side of conversations (its fixtures are in conftest.py).

The story, frozen on Monday 3 March 2031 at 12:00 UTC (07:00 in New York; ``helpers.T0``, the
``frozen`` fixture): Jordan Lee (candidate,
New York, decision due in 10 days) can ask Amara Okafor (CEO, Berlin, needs approval, free
weekdays 15:00–17:00 Berlin = 09:00–11:00 New York) and Tom Becker (engineer, Toronto, free
weekdays 10:00–12:00 Toronto = 10:00–12:00 New York). Another candidate has a question and a
conversation that must stay out of Jordan's reach.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from types import SimpleNamespace

import sqlalchemy as sa
from factories import add_windows, make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import Auth

from portal.extensions import db
from portal.meetings.models import Meeting
from portal.questions.models import Question

NOTIFY = ("request_created", "meeting_cancelled", "meeting_changed", "meeting_confirmed", "request_rejected",
          "meeting_declined")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment in March 2031."""
    return datetime(2031, 3, day, hour, minute, tzinfo=UTC)


def value(start: datetime) -> str:
    """How a form carries a time: its UTC start to the minute."""
    return start.strftime("%Y-%m-%dT%H:%MZ")


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
    """A conversation of Jordan's with ``person`` ("ceo", "tom" or a person's id), committed, stored in
    ``status`` straight (``factories.make_meeting`` with ``history=False``); returns its id."""
    with world.app.app_context():
        staff_id = person if isinstance(person, int) else getattr(world, person)
        meeting = make_meeting(world.candidate, staff_id, status, history=False, **kwargs)
        db.session.commit()
        return meeting.id
