"""Helpers for the question ledger tests (fixtures are in conftest.py)."""

from __future__ import annotations

from types import SimpleNamespace

import sqlalchemy as sa
from factories import make_staff

from portal.extensions import db
from portal.questions.models import Question


def build_company():
    """People whose topics make good answers for each category (inside an app context)."""
    cfo = make_staff("leadership", title="Chief Financial Officer", team="Finance", name="Nadia Cho")
    cfo.profile.topics = "fundraising, runway, board"
    vp_people = make_staff("leadership", title="VP People", team="People", name="Priya Raman")
    vp_people.profile.topics = "compensation, benefits, parental leave"
    engineer = make_staff("team", title="Senior Engineer", team="Platform", name="Tom Becker")
    engineer.profile.topics = "on-call, career growth, code review"
    designer = make_staff("team", title="Designer", team="Payments", name="Mei Lin")
    designer.profile.topics = "design systems"
    hidden = make_staff("team", title="Secret Agent", team="Platform", name="Hidden Person")
    hidden.profile.topics = "fundraising, compensation, on-call"
    hidden.profile.visible = False
    return SimpleNamespace(cfo=cfo.id, vp_people=vp_people.id, engineer=engineer.id, designer=designer.id,
                           hidden=hidden.id)


def add(ledger, text="What does a typical week look like?", category="role_team", **fields) -> int:
    """Add a question for the signed-in candidate directly (inside or outside an app context)."""
    with ledger.app.app_context():
        question = Question(candidate_id=ledger.candidate_id, text=text, category=category, **fields)
        db.session.add(question)
        db.session.commit()
        return question.id


def own_questions(ledger) -> list[Question]:
    with ledger.app.app_context():
        rows = db.session.scalars(sa.select(Question).where(Question.candidate_id == ledger.candidate_id)
                                  .order_by(Question.id)).all()
        db.session.expunge_all()
        return list(rows)
