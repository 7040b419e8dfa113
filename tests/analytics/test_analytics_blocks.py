"""Quarter and year blocks of the rollup (portal/analytics/blocks.py): a period is read as whole years,
whole quarters and the months left over; the blocks are moved by a recount exactly as a full recount
writes them, and a database counted before blocks existed still shows the same figures (from months).

On the hand-worked data of tests/analytics_data.py ("now" is 2026-11-24 12:00 UTC).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from analytics_data import NOW, at, build, candidate, meeting
from factories import make_staff, make_user
from helpers import Auth, text_of

from portal.analytics import rollup
from portal.analytics.blocks import MARK, span
from portal.analytics.models import AnalyticsCell
from portal.candidates.models import Candidate, Position
from portal.extensions import db
from portal.meetings.models import Meeting

PAGES = ("/recruiter/analytics?from=2025-12&to=2026-12",  # December + the year 2026
         "/recruiter/analytics?from=2026-02&to=2026-11&team=Platform",  # two months + Q2 and Q3 + two months
         "/recruiter/analytics?from=2026-10&to=2026-10&position={design}")  # one month, no block


@pytest.fixture
def exact(make_app):
    return make_app(ANALYTICS_MIN_FOR_RATE=1)


def test_a_period_is_read_as_whole_years_whole_quarters_and_the_months_left():
    s = span(["2025-11", "2025-12", *(f"2026-{m:02d}" for m in range(1, 13)), "2027-01", "2027-02", "2027-03"])
    assert (s.months, s.quarters, s.years) == (("2025-11", "2025-12"), ("2027-01",), ("2026-01",))
    s = span([f"2026-{m:02d}" for m in range(2, 12)])
    assert (s.months, s.quarters, s.years) == (("2026-02", "2026-03", "2026-10", "2026-11"),
                                               ("2026-04", "2026-07"), ())
    assert s.all_months == [f"2026-{m:02d}" for m in range(2, 12)]


def _snapshot():
    return sorted(db.session.execute(db.select(AnalyticsCell.position_id, AnalyticsCell.month, AnalyticsCell.metric,
                                               AnalyticsCell.key, AnalyticsCell.n)).all())


def _pages(client, ids):
    return [text_of(client.get(page.format(**ids)).get_data(as_text=True), "report") for page in PAGES]


def test_recounted_cells_move_their_blocks_as_a_full_recount_and_reading_months_shows_the_same(exact):
    ids = build(exact)
    client = exact.test_client()
    with time_machine.travel(NOW, tick=False):
        with exact.app_context():
            Auth(exact, client).login(make_user("recruiter"))
            # A candidate in December 2025 with two conversations: their cell is in another year's block.
            platform = db.session.get(Position, ids["platform"])
            person = make_staff("team", name="Dana December")
            old = candidate(platform, NOW.replace(year=2025, month=12, day=10), "accepted",
                            NOW.replace(year=2025, month=12, day=12))
            meeting(old, person, [("requested", NOW.replace(year=2025, month=12, day=10)),
                                  ("invited", NOW.replace(year=2025, month=12, day=10, hour=13)),
                                  ("confirmed", NOW.replace(year=2025, month=12, day=11))],
                    start=NOW.replace(year=2025, month=12, day=11, hour=9))
            db.session.commit()
            old_id = old.id
            rollup.rebuild_all(NOW)
        before = _pages(client, ids)
        assert "Dana December" in before[0]
        with exact.app_context():
            # Moves across a year (December 2025 → January 2026) and a quarter (October → September),
            # a conversation to another person (their counts move from one key to another), a decision.
            moved = db.session.get(Candidate, old_id)
            moved.offer_made_at += timedelta(days=30)
            e = db.session.get(Candidate, ids["e"])
            e.offer_made_at -= timedelta(days=20)
            e.stage, e.decline_reason = "accepted", None
            talk = db.session.scalars(db.select(Meeting).where(Meeting.candidate_id == old_id)).one()
            talk.staff_id = db.session.scalars(db.select(Meeting.staff_id).where(Meeting.candidate_id == ids["e"])
                                               ).first()
            db.session.commit()
        after = _pages(client, ids)  # the page recounts the changed cells, moving their blocks
        assert after != before and "Dana December" not in after[0]
        with exact.app_context():
            incremental = _snapshot()
            assert any(metric.endswith("@y") for _p, _m, metric, _k, _n in incremental)
            rollup.rebuild_all(NOW)
            assert _snapshot() == incremental
            # Without the marker (a database counted before blocks existed) the page reads months.
            db.session.execute(db.delete(AnalyticsCell).where(
                *(getattr(AnalyticsCell, column) == value for column, value in MARK.items())))
            db.session.execute(db.delete(AnalyticsCell).where(AnalyticsCell.metric.like("%@%")))
            db.session.commit()
        assert _pages(client, ids) == after


def test_december_to_december_counts_the_month_before_the_year_once(exact):
    ids = build(exact)
    client = exact.test_client()
    with time_machine.travel(NOW, tick=False):
        with exact.app_context():
            Auth(exact, client).login(make_user("recruiter"))
            candidate(db.session.get(Position, ids["design"]), at(1, 15).replace(year=2025, month=12), "accepted",
                      at(1, 20).replace(year=2025, month=12))
            db.session.commit()
        whole = text_of(client.get(PAGES[0]).get_data(as_text=True), "report")
        year = text_of(client.get("/recruiter/analytics?from=2026-01&to=2026-12").get_data(as_text=True), "report")
    # Three of five decided offers accepted over the 13 months; two of four in 2026 alone.
    assert "3 accepted of 5 decided" in whole and "2 accepted of 4 decided" in year
