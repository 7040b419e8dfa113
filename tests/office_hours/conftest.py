"""Tom Becker, a person in Berlin, for the office hours tests: as a row for service tests (``tom``) and
signed in on ``client`` for page tests (``signed_in_tom``, his user id). The clock is stopped at T0."""

from __future__ import annotations

import pytest
from factories import make_staff

from portal.extensions import db


@pytest.fixture
def tom(app_ctx, frozen):
    person = make_staff(name="Tom Becker", timezone="Europe/Berlin")
    db.session.commit()
    return person


@pytest.fixture
def signed_in_tom(app, client, auth, frozen) -> int:
    with app.app_context():
        person = make_staff(name="Tom Becker", timezone="Europe/Berlin")
        db.session.commit()
        auth.login(person)
        return person.id
