"""Shared data and helpers for the e-mail side of conversations.

The story: Jordan Lee (candidate, New York) asks Amara Okafor (CEO, Berlin; needs approval) and
Tom Becker (engineer, Toronto); Riley Morgan (recruiter, London) owns Jordan's offer.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from icalendar import Calendar

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings.models import Meeting
from portal.questions.models import Question
from portal.timeutil import utcnow

SECRET = "ZZ-PRIVATE-QUESTION-ZZ"


def slot_times(n: int = 3, days: int = 3) -> list:
    """``n`` hourly start times, ``days`` from now, on the hour (UTC)."""
    base = (utcnow() + timedelta(days=days)).replace(hour=14, minute=0, second=0, microsecond=0)
    return [base + timedelta(hours=i) for i in range(n)]


def build_world() -> SimpleNamespace:
    """Rows for the story (inside an app context; flushes, no commit)."""
    recruiter = make_user("recruiter", name="Riley Morgan", email="riley@example.com", timezone="Europe/London")
    ceo = make_staff("leadership", title="Chief Executive Officer", team="Leadership", name="Amara Okafor",
                     email="amara@example.com", timezone="Europe/Berlin")
    tom = make_staff("team", title="Senior Engineer", team="Platform", name="Tom Becker", email="tom@example.com",
                     timezone="America/Toronto")
    candidate = make_candidate(owner=recruiter, position=make_position("Senior Backend Engineer", "Platform"),
                               name="Jordan Lee", email="jordan@example.com", timezone="America/New_York")
    public = Question(candidate_id=candidate.id, text="Where is the company going in the next two years?",
                      category="direction_finances")
    private = Question(candidate_id=candidate.id, text=SECRET, category="compensation_benefits", private=True)
    db.session.add_all([public, private])
    db.session.flush()
    return SimpleNamespace(recruiter=recruiter, ceo=ceo, tom=tom, candidate=candidate, public=public,
                           private=private)


def make_request(world, person, *, status="invited", fmt="video", length=30, starts=None, note="Looking forward!",
                 questions=None, candidate=None) -> Meeting:
    """A request as the candidate side makes it: requested → ``status``, with slots and agenda (Jordan's
    unless ``candidate`` says whose; a candidate has one waiting request per person)."""
    candidate = candidate or world.candidate
    return make_meeting(candidate, person, status, fmt=fmt, length=length, note=note,
                        slots=slot_times() if starts is None else starts,
                        questions=(world.public, world.private) if questions is None else questions,
                        actor=candidate.user)


def another_candidate(world, name: str = "Sam Rivera"):
    """A second candidate of Riley's, in London."""
    return make_candidate(owner=world.candidate.owner, position=world.candidate.position, name=name,
                          timezone="Europe/London")


def waiting_world(app) -> SimpleNamespace:
    """The story committed, with Jordan's request to the CEO waiting for a recruiter's approval: the
    ids (``meeting``: the request's), as the approval queue's tests start."""
    with app.app_context():
        rows = build_world()
        ids = world_ids(rows)
        ids.meeting = make_request(rows, rows.ceo, status="needs_approval", note="Keen to hear about the roadmap.").id
        db.session.commit()
        return ids


def world_ids(world) -> SimpleNamespace:
    return SimpleNamespace(**{key: value.id for key, value in vars(world).items()})


def stored_world(app) -> SimpleNamespace:
    """The story committed to ``app``'s database: the ids of its rows (what a module's ``world`` fixture
    gives its tests)."""
    with app.app_context():
        ids = world_ids(build_world())
        db.session.commit()
        return ids


_WORLD_MODELS = {"recruiter": User, "ceo": User, "tom": User, "candidate": Candidate, "public": Question,
                 "private": Question}


def world_rows(ids) -> SimpleNamespace:
    """The story's rows again, from the ids ``stored_world`` gave (inside an app context); other ids a
    test keeps beside them (``ids.meeting``) are left out."""
    return SimpleNamespace(**{key: db.session.get(_WORLD_MODELS[key], value) for key, value in vars(ids).items()
                              if key in _WORLD_MODELS})


def candidate_client(app, ids):
    """A browser of Jordan's, signed in."""
    from helpers import Auth

    client = app.test_client()
    with app.app_context():
        Auth(app, client).login(db.session.get(Candidate, ids.candidate).user)
    return client


def calendar_parts(message) -> list:
    return [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]


def calendar_event(message) -> tuple[Calendar, object]:
    """The calendar ``message`` carries (exactly one) and its event."""
    (part,) = calendar_parts(message)
    calendar = Calendar.from_ical(part.get_content())
    return calendar, calendar.walk("VEVENT")[0]


def read_like_a_scanner(client, path: str) -> None:
    """What link scanners do to a mailed link: GET it three times and HEAD it. Each answers, and keeps
    the link out of referrers and caches (the caller checks that nothing changed)."""
    for _ in range(3):
        page = client.get(path)
        assert page.status_code == 200
        assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert client.head(path).status_code == 200


def outbox(*where) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(*where).order_by(OutboxMessage.id)))
