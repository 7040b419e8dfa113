"""An installation counted before the rollup kept quarter and year sums (portal/analytics/blocks.py)
gets them from its worker's first pass after the upgrade, equal to a full recount's."""

from __future__ import annotations

import time_machine
from analytics_data import NOW, build

from portal.analytics import rollup
from portal.analytics.blocks import QUARTER, YEAR, built
from portal.analytics.models import AnalyticsCell
from portal.extensions import db
from portal.worker import run_worker


def _cells():
    return sorted(db.session.execute(db.select(AnalyticsCell.position_id, AnalyticsCell.month, AnalyticsCell.metric,
                                               AnalyticsCell.key, AnalyticsCell.n)).all())


def test_the_first_worker_pass_after_an_upgrade_sums_the_blocks_once(app):
    build(app)
    with time_machine.travel(NOW, tick=False), app.app_context():
        rollup.rebuild_all(NOW)
        full = _cells()
        # as the rollup was before blocks existed: months only, no marker
        db.session.execute(db.delete(AnalyticsCell).where(db.or_(
            AnalyticsCell.metric.like("%" + QUARTER), AnalyticsCell.metric.like("%" + YEAR),
            AnalyticsCell.metric == "@blocks")))
        db.session.commit()
        assert not built() and _cells() != full
        run_worker(once=True)
        assert built() and _cells() == full
        assert rollup.ensure_blocks() is False  # once only
