"""The analytics page at scale: its SQL is a fixed number of statements whatever the data, with and
without filters, and recounting a changed cell keeps every total what a full recount gives (the
all-positions totals are moved by the change, not summed again).

On the hand-worked data of tests/analytics_data.py ("now" is 2026-11-24 12:00 UTC).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from analytics_data import NOW, at, build, candidate, meeting, question
from factories import make_position, make_staff, make_user
from helpers import Auth, page_statements, text_of

from portal.analytics import rollup
from portal.analytics.models import AnalyticsCell
from portal.candidates.models import Candidate
from portal.extensions import db

PAGES = ("/recruiter/analytics?from=2026-09&to=2026-11",
         "/recruiter/analytics?from=2026-09&to=2026-11&team=Platform",
         "/recruiter/analytics?from=2026-01&to=2026-12&position={design}")


@pytest.fixture
def exact(make_app):
    return make_app(ANALYTICS_MIN_FOR_RATE=1)


def _signed_in(app):
    client = app.test_client()
    with time_machine.travel(NOW, tick=False), app.app_context():
        Auth(app, client).login(make_user("recruiter"))
        db.session.commit()
    return client


def _statements(app, client, ids) -> list[int]:
    with time_machine.travel(NOW, tick=False):
        with app.app_context():
            rollup.refresh_due(NOW)  # counted first: the page then only reads
            db.session.commit()
        first = [len(page_statements(app, client, page.format(**ids))) for page in PAGES]
        again = [len(page_statements(app, client, page.format(**ids))) for page in PAGES]
        return first, again


def _more_of_everything(ids, n):
    """``n`` more people, positions in two teams and candidates, each with conversations and questions,
    spread over several months."""
    with time_machine.travel(NOW, tick=False):
        people = [make_staff("team" if i % 3 else "leadership", name=f"Person {i}") for i in range(n)]
        positions = [make_position(f"Role {i}", "Platform" if i % 2 else "Design") for i in range(n)]
        for i in range(n):
            month = 1 + i % 10
            c = candidate(positions[i], at(month, 3), "accepted" if i % 2 else "declined", at(month, 9),
                          reason=None if i % 2 else "compensation")
            question(c, "growth", answered=at(month, 5))
            for person in people[i:i + 3]:
                meeting(c, person, [("requested", at(month, 4, 9)), ("invited", at(month, 4, 10)),
                                    ("confirmed", at(month, 4, 12)), ("completed", at(month, 6, 11))],
                        start=at(month, 6, 10), rating=1 + i % 5)
        db.session.commit()


def test_the_page_sends_as_many_statements_for_a_big_company_as_for_a_small_one(exact):
    ids = build(exact)
    client = _signed_in(exact)
    few, few_again = _statements(exact, client, ids)
    with exact.app_context():
        _more_of_everything(ids, 12)
    many, many_again = _statements(exact, client, ids)
    # The first view after a change reads the figures (and the two generations they are kept by,
    # generations.py); the next ones read only what the page itself needs, whatever the size.
    assert few == many
    assert max(many) <= 16, many
    assert few_again == many_again
    assert max(many_again) <= 8, many_again
    assert all(again < first for first, again in zip(many, many_again, strict=True))


def test_a_recounted_cell_moves_the_totals_exactly_as_a_full_recount(exact):
    ids = build(exact)
    client = _signed_in(exact)

    def snapshot():
        return sorted(db.session.execute(db.select(AnalyticsCell.position_id, AnalyticsCell.month,
                                                   AnalyticsCell.metric, AnalyticsCell.key, AnalyticsCell.n)).all())

    with time_machine.travel(NOW, tick=False):
        before = text_of(client.get(PAGES[0]).get_data(as_text=True))
        assert "Accepted another offer" in before and "2 accepted of 4 decided" in before
        with exact.app_context():
            e = db.session.get(Candidate, ids["e"])
            e.stage, e.decline_reason = "accepted", None  # E's only decline reason goes from every total
            f = db.session.scalars(db.select(Candidate).where(Candidate.stage == "offer")).one()
            f.offer_made_at += timedelta(days=-30)  # F moves from November to October
            db.session.commit()
        page = client.get(PAGES[0]).get_data(as_text=True)  # the page recounts the changed cells itself
        with exact.app_context():
            incremental = snapshot()
            assert not db.session.scalars(db.select(AnalyticsCell).where(AnalyticsCell.key == "other_offer")).all()
            rollup.rebuild_all(NOW)
            assert snapshot() == incremental
    after = text_of(page)
    assert "Accepted another offer" not in after and "3 accepted of 4 decided" in after
