"""Shared data for the feedback tests: a recruiter, two interviewers and a candidate."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from feedback_helpers import build_world
from helpers import Auth

from portal.auth.models import User
from portal.extensions import db


@pytest.fixture
def world(app):
    """The story's ids, committed."""
    with app.app_context():
        rows = build_world()
        db.session.commit()
        return SimpleNamespace(recruiter=rows.recruiter.id, tom=rows.tom.id, ana=rows.ana.id,
                               candidate=rows.candidate.id)


@pytest.fixture
def recruiter(app, client, world):
    """The test client, signed in as Riley the recruiter."""
    with app.app_context():
        Auth(app, client).login(db.session.get(User, world.recruiter))
    return client
