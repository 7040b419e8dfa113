"""Fixtures for the candidate's side of conversations (the story is in candidate_helpers.py).

Modules about the e-mail side define their own ``world`` from invite_helpers.py, which takes the
place of the one here.
"""

from __future__ import annotations

import pytest
from candidate_helpers import NOTIFY, make_world

from portal.meetings import notify


@pytest.fixture
def notified(monkeypatch):
    """Calls to ``notify`` as (name, meeting id, by user id); the e-mails themselves are tested elsewhere."""
    calls = []
    for name in NOTIFY:
        monkeypatch.setattr(notify, name, lambda meeting, by, _name=name: calls.append((_name, meeting.id, by.id)))
    return calls


@pytest.fixture
def world(make_app, frozen, notified):
    """CSRF off for brevity (one test keeps it on); Jordan is signed in."""
    return make_world(make_app(WTF_CSRF_ENABLED=False), notified)


@pytest.fixture
def world_csrf(app, frozen, notified):
    return make_world(app, notified)
