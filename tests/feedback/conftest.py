"""Shared data for the feedback tests: a recruiter, two interviewers and a candidate."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from factories import make_candidate, make_position, make_staff, make_user
from helpers import Auth

from portal.auth.models import User
from portal.extensions import db

from feedback_helpers import build_world  # noqa: E402


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
