"""The rollup stays right without anyone opening the page: the worker recounts cells that changed."""

import sqlalchemy as sa
from factories import make_candidate, make_position

from portal.analytics.models import AnalyticsCell, AnalyticsRefresh
from portal.extensions import db
from portal.worker import run_worker


def _offers(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.sum(AnalyticsCell.n)).where(
            AnalyticsCell.position_id == 0, AnalyticsCell.metric == "funnel", AnalyticsCell.key == "offer"))


def test_a_new_candidate_marks_its_cell_and_the_worker_counts_it(app, smtp):
    with app.app_context():
        position = make_position()
        make_candidate(position=position)
        make_candidate(position=position)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsRefresh)) == 1  # one cell, due now
    assert _offers(app) is None  # not counted yet
    with app.app_context():
        run_worker(once=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsRefresh)) == 0
    assert _offers(app) == 2


def test_a_rolled_back_change_leaves_nothing_due(app):
    with app.app_context():
        make_candidate()
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AnalyticsRefresh)) == 0
