"""SQLite's query planner gets the tables' figures (sqlite_stat1) from the worker when it starts and
then daily (portal/database.py refresh_statistics). Without them it guessed, and at 100,000 users a
join of the people to their accounts read every user. PostgreSQL's autovacuum does this itself."""

from datetime import timedelta

import sqlalchemy as sa
from factories import make_staff
from helpers import sql_statements

from portal.extensions import db
from portal.worker import run_worker


def test_the_worker_gives_sqlite_its_planner_figures_at_start_and_daily(app, frozen):
    with app.app_context():
        for n in range(3):
            make_staff("team", name=f"Person {n}", email=f"person{n}@example.com")
        db.session.commit()
        sqlite = db.engine.dialect.name == "sqlite"
    passes = []

    def after_a_pass():  # the clock moves a day between the worker's passes
        passes.append(1)
        frozen.shift(timedelta(hours=13))
        return len(passes) == 4

    with sql_statements(app) as seen, app.app_context():
        run_worker(interval=0, should_stop=after_a_pass)
    analyses = [s for s in seen if s.strip().upper() == "ANALYZE"]
    assert len(analyses) == (2 if sqlite else 0)  # at start, and once 24 hours had passed (not each pass)
    if sqlite:
        with app.app_context():
            figures = dict(db.session.execute(sa.text("SELECT tbl, stat FROM sqlite_stat1")).all())
        assert figures["staff_profile"].split()[0] == "3"  # rows in the table, as the planner now knows
