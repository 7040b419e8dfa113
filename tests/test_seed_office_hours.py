"""The demo's office hours (``flask seed-demo``): Priya live at seeding time with Maya Chen waiting and
Jordan Lee free to join, recurring office hours for Lucía and Kwame that hold their time, two past
windows with talks that analytics count; a second run adds nothing, and a run after the live window
ended opens a new one. The clock is stopped at T0 (Monday 3 March 2031, 12:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from helpers import T0

from portal.analytics import rollup
from portal.analytics.services import analytics_report
from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.meetings.models import BookedUnit, Meeting
from portal.office_hours import queue, windows
from portal.office_hours.models import HoursEntry, HoursSeries, HoursWindow, WindowStatus

TABLES = (User, Candidate, Meeting, HoursSeries, HoursWindow, HoursEntry, BookedUnit)


def _seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _counts() -> dict:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in TABLES}


def test_priya_is_live_with_one_candidate_waiting_and_jordan_free_to_join(app, frozen):
    _seed(app)
    with app.app_context():
        priya = _user("priya.raman@northwind.example")
        window = windows.live_window(priya.id)
        assert (window.start_at, window.end_at, window.talk_minutes) == (T0, T0 + timedelta(hours=2), 15)
        held = db.session.scalar(sa.select(sa.func.count()).select_from(BookedUnit)
                                 .where(BookedUnit.window_id == window.id))
        assert held == 8, "her two hours are held, in 15-minute units"
        state = queue.state(window)
        assert [entry.candidate.user.name for entry in state.waiting] == ["Maya Chen"] and state.talking is None
        jordan = _user("jordan.lee@example.com").candidacy
        assert queue.open_entry(jordan) is None
        assert queue.join(jordan, window, T0 + timedelta(minutes=1)).position == 2


def test_recurring_office_hours_later_in_the_week_hold_the_time(app, frozen):
    _seed(app)
    with app.app_context():
        series = {(s.staff.name, s.weekday_name, f"{s.start_time:%H:%M}", f"{s.end_time:%H:%M}", s.zone)
                  for s in db.session.scalars(sa.select(HoursSeries))}
        assert series == {("Lucía Fernández", "Thursday", "16:00", "17:00", "Europe/Madrid"),
                          ("Kwame Mensah", "Tuesday", "15:00", "16:00", "Africa/Accra")}
        week = [(w.staff.name, w.start_at, w.status) for w in windows.upcoming(T0, days=7)]
        # Tuesday 15:00 in Accra is 15:00 UTC; Thursday 16:00 in Madrid (CET in March) is 15:00 UTC.
        assert week == [("Kwame Mensah", datetime(2031, 3, 4, 15, 0, tzinfo=UTC), "scheduled"),
                        ("Lucía Fernández", datetime(2031, 3, 6, 15, 0, tzinfo=UTC), "scheduled")]
        for window in windows.upcoming(T0, days=7):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(BookedUnit)
                                     .where(BookedUnit.window_id == window.id)) == 4


def test_past_windows_give_analytics_figures(app, frozen):
    _seed(app)
    with app.app_context():
        past = db.session.scalars(sa.select(HoursWindow).where(HoursWindow.status == WindowStatus.CLOSED)
                                  .order_by(HoursWindow.start_at)).all()
        assert len(past) == 2 and all(w.live_at == w.start_at and w.end_at < T0 for w in past)
        talks = db.session.scalars(sa.select(Meeting).where(Meeting.format == "office_hours",
                                                            Meeting.status == "completed")).all()
        assert 2 <= len(talks) <= 5
        for talk in talks:
            candidate = db.session.get(Candidate, talk.candidate_id)
            assert candidate.offer_made_at < talk.start_at < candidate.decided_at, "talked while deciding"
        rollup.rebuild_all(T0)
        start = (T0 - timedelta(days=400)).strftime("%Y-%m")
        report = analytics_report(start, T0.strftime("%Y-%m"))
        rows = {row[0].text: row[1].text for row in report.section("office-hours-queues").rows}
        assert rows["Windows held"] == "2" and rows["Talks in those windows"] == str(len(talks))
        kinds = {row[0].text: row[2].text for row in report.section("by-kind").rows}
        assert kinds["Office hours"] == str(len(talks))
        had = report.section("office-hours").rows[0]
        decided = {talk.candidate_id for talk in talks
                   if db.session.get(Candidate, talk.candidate_id).stage in ("accepted", "declined")}
        assert had[0].text == "Had an office hours talk" and had[1].value == len(decided) > 0


def test_a_second_run_adds_nothing(app, frozen):
    _seed(app)
    with app.app_context():
        before = _counts()
    frozen.move_to(T0 + timedelta(minutes=30))
    _seed(app)
    with app.app_context():
        assert _counts() == before
        assert windows.live_window(_user("priya.raman@northwind.example").id).start_at == T0


def test_a_run_after_the_live_window_ended_opens_a_new_one(app, frozen):
    _seed(app)
    later = T0 + timedelta(days=1, hours=3)  # Tuesday 15:00 UTC, during Kwame's office hours
    frozen.move_to(later)
    _seed(app)
    with app.app_context():
        priya = _user("priya.raman@northwind.example")
        statuses = db.session.scalars(sa.select(HoursWindow.status).where(HoursWindow.staff_id == priya.id,
                                                                          HoursWindow.series_id.is_(None),
                                                                          HoursWindow.start_at >= T0)
                                      .order_by(HoursWindow.start_at)).all()
        assert statuses == ["closed", "live"]
        window = windows.live_window(priya.id)
        assert window.start_at == later
        # Maya wasn't let in yesterday: the window closed with her waiting; she waits in the new one.
        assert [entry.candidate.user.name for entry in queue.state(window).waiting] == ["Maya Chen"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursSeries)) == 2
