"""The analytics figures, report and sections are kept by the process for everyone who asks for the
same period (``figures_for``, ``services.analytics_report``, ``views.index``; ``generations.py``).
What a recruiter reads must still be today's: a decision, a renamed person, a new weekly cap show on
the next view, and each reader gets their own language.

On the hand-worked data of tests/analytics_data.py ("now" is 2026-11-24 12:00 UTC).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import time_machine
from analytics_data import NOW, at, build
from factories import make_user
from helpers import Auth

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db

PAGE = "/recruiter/analytics?from=2026-09&to=2026-11"


@pytest.fixture
def company(make_app):
    app = make_app(ANALYTICS_MIN_FOR_RATE=1)
    build(app)
    client = app.test_client()
    with time_machine.travel(NOW, tick=False), app.app_context():
        Auth(app, client).login(make_user("recruiter"))
        db.session.commit()
    return app, client


def _page(client, language: str = "en") -> str:
    with time_machine.travel(NOW, tick=False):
        response = client.get(PAGE, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _people_rows(html: str) -> list[str]:
    table = html.split('id="people-heading"', 1)[1].split("</table>", 1)[0]
    return [re.sub(r"<[^>]+>", " ", row).split() for row in re.findall(r"<tr><th scope=\"row\">.*?</tr>", table)]


def _headline(html: str) -> str:
    return re.search(r"<dt>Acceptance rate</dt><dd class=\"big-number\">([^<]+)</dd>", html).group(1)


def test_the_next_view_shows_a_renamed_person_and_a_new_cap(company):
    app, client = company
    first = _page(client)
    assert _page(client) == first  # kept: the same figures
    assert ["Eli", "Engineer", "Engineer"] == _people_rows(first)[0][:3]
    with time_machine.travel(NOW, tick=False), app.app_context():
        eli = db.session.scalar(sa.select(User).where(User.name == "Eli Engineer"))
        eli.name = "Eli Renamed"
        eli.profile.weekly_cap = 9
        db.session.commit()
    row = _people_rows(_page(client))[0]
    assert row[:3] == ["Eli", "Renamed", "Engineer"]
    assert row[-1] == "9"  # the weekly cap, the table's last column


def test_the_next_view_counts_a_new_decision(company):
    app, client = company
    assert _headline(_page(client)) == "50.0%"  # September and October: 2 accepted of 4 decided
    with time_machine.travel(NOW, tick=False), app.app_context():
        deciding = db.session.scalar(sa.select(Candidate).where(Candidate.stage == "offer"))
        deciding.stage, deciding.decided_at = "accepted", at(11, 24, 11)
        db.session.commit()
    assert _headline(_page(client)) == "60.0%"  # the page recounts the due cell first: 3 of 5


def test_each_language_gets_its_own_words_from_the_same_figures(company):
    _app, client = company
    english = _page(client)
    german = _page(client, "de")
    assert "Most requested people" in english and "Most requested people" not in german
    assert 'lang="de"' in german
    assert _page(client) == english
