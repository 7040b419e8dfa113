"""Fixtures: a small company, a signed-in candidate, and a second candidate whose question must stay out of reach."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_position
from helpers import Auth
from question_helpers import build_company

from portal.extensions import db
from portal.questions.models import Question


@pytest.fixture
def ledger(make_app):
    """CSRF off for brevity (one test module keeps it on); the candidate is signed in."""
    return _ledger(make_app(WTF_CSRF_ENABLED=False))


@pytest.fixture
def ledger_csrf(app):
    return _ledger(app)


def _ledger(app):
    client = app.test_client()
    with app.app_context():
        staff = build_company()
        candidate = make_candidate(position=make_position("Backend Engineer", "Platform"), name="Jordan Lee",
                                   timezone="America/New_York")
        other = make_candidate(name="Other Candidate")
        db.session.add(Question(candidate_id=other.id, text="Other candidate's secret question", category="other"))
        db.session.commit()
        other_question = db.session.scalar(sa.select(Question.id).where(Question.candidate_id == other.id))
        Auth(app, client).login(candidate.user)
        return SimpleNamespace(app=app, client=client, candidate_id=candidate.id, other_candidate_id=other.id,
                               other_question=other_question, staff=staff)
