"""Office hours in the analytics, on a small data set made through the real queue services and worked
out by hand. The clock is stopped at T0 (Monday 3 March 2031, 12:00 UTC); every offer was made in
February 2031.

Tom holds two windows and Amara one, each closed after going live:
- Tom, Friday 28 February 12:00, an hour: A joins at :00, B at :02, C at :03. A is let in at :04 (waited
  4 minutes) and talks until :19; B is let in at :20 (waited 18) and talks until :30; C leaves at :31.
- Amara, Saturday 1 March 12:00, half an hour: D joins at :00, is let in at :01 (waited 1) and doesn't
  come (a no-show: the talk didn't take place).
- Tom, Sunday 2 March 12:00, an hour: G joins at :00 and is let in at once (waited 0).
Tom is live now (not closed, so not counted) with E waiting. F had a video call, and nothing else.
A accepted, B declined (both had a talk); C and F accepted, D declined (no talk that took place); E and G
are still deciding. A, B and C are Platform's candidates, the others Design's.
"""

from __future__ import annotations

import csv as csv_lib
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import T0, Auth, page_statements, text_of

from portal.analytics import rollup
from portal.analytics.hours import percentile
from portal.analytics.services import analytics_report
from portal.auth.models import User
from portal.candidates.models import Position
from portal.extensions import db
from portal.office_hours import queue, windows
from portal.office_hours.models import HoursWindow, WindowStatus

MIN = timedelta(minutes=1)
DAY = timedelta(days=1)
OFFER = T0 - timedelta(days=20)  # Thursday 11 February 2031


def _went_live(person, at, minutes=60):
    return windows.go_live_now(person, minutes, at, person)


def _talk(window, candidate, joined, admitted, ended, by, *, no_show=False):
    entry = queue.join(candidate, window, joined)
    assert queue.admit_next(window, admitted, by).id == entry.id
    queue.end_talk(entry, ended, by, no_show=no_show)
    return entry


def _decide(candidate, stage, at=T0 - DAY):
    candidate.stage, candidate.decided_at = stage, at


def build() -> dict:
    """The data set above."""
    platform, design = make_position("Backend Engineer", "Platform"), make_position("Product Designer", "Design")
    tom = make_staff(name="Tom Becker", timezone="Europe/Berlin")
    amara = make_staff("leadership", name="Amara Okafor", timezone="Europe/London")
    people = {}
    for name, position in (("A", platform), ("B", platform), ("C", platform), ("D", design), ("E", design),
                           ("F", design), ("G", design)):
        people[name] = make_candidate(position=position, name=f"Candidate {name}")
        people[name].offer_made_at = OFFER
    a, b, c, d, e, f, g = (people[k] for k in "ABCDEFG")

    first = _went_live(tom, T0 - 3 * DAY)
    start = first.start_at
    _talk(first, a, start, start + 4 * MIN, start + 19 * MIN, tom)
    entry_b = queue.join(b, first, start + 2 * MIN)
    entry_c = queue.join(c, first, start + 3 * MIN)
    queue.admit_next(first, start + 20 * MIN, tom)
    queue.end_talk(entry_b, start + 30 * MIN, b.user)
    queue.leave(c, entry_c, start + 31 * MIN)
    queue.close_window(first, start + 60 * MIN, tom)

    second = _went_live(amara, T0 - 2 * DAY, 30)
    _talk(second, d, second.start_at, second.start_at + MIN, second.start_at + 5 * MIN, amara, no_show=True)
    queue.close_window(second, second.end_at)

    third = _went_live(tom, T0 - DAY)
    _talk(third, g, third.start_at, third.start_at, third.start_at + 15 * MIN, tom)
    queue.close_window(third, third.end_at)

    now_live = _went_live(tom, T0)
    queue.join(e, now_live, T0)
    make_meeting(f, amara, "completed", start=T0 - 5 * DAY)

    _decide(a, "accepted")
    _decide(b, "declined")
    _decide(c, "accepted")
    _decide(d, "declined")
    _decide(f, "accepted")
    db.session.commit()
    return {"platform": platform.id, "design": design.id, "amara": amara.id}


def more_talks(ids: dict, n: int) -> None:
    """``n`` more windows of Amara's, each with a talk of a new candidate who then decides."""
    amara, design = db.session.get(User, ids["amara"]), db.session.get(Position, ids["design"])
    for k in range(n):
        extra = make_candidate(position=design, name=f"Extra {k}")
        extra.offer_made_at = OFFER - timedelta(days=30 * (k % 3))  # January, December, November
        window = _went_live(amara, T0 - timedelta(days=10 + k))
        _talk(window, extra, window.start_at, window.start_at + k * MIN, window.start_at + 20 * MIN, amara)
        queue.close_window(window, window.end_at)
        _decide(extra, "accepted" if k % 2 else "declined")
    db.session.commit()


@pytest.fixture
def exact(make_app, frozen):
    """Percentages for any count, so the hand-worked rates show as rates."""
    app = make_app(ANALYTICS_MIN_FOR_RATE=1)
    with app.app_context():
        yield app
        db.session.rollback()


def report(start="2031-02", end="2031-03", position=None):
    rollup.refresh_due(T0)
    db.session.commit()
    return analytics_report(start, end, "", position)


def texts(section):
    return [[cell.text for cell in row] for row in section.rows]


def test_conversations_by_kind_count_office_hours_talks_as_their_own_kind(exact):
    build()
    # Office hours: A, B, G held, D's talk a no-show, E not let in yet (no talk). Video: F's call.
    assert texts(report().section("by-kind")) == [
        ["Video call", "1", "1", "25.0%"], ["Phone call", "0", "0", "0.0%"], ["In person", "0", "0", "0.0%"],
        ["Written answers", "0", "0", "0.0%"], ["Office hours", "4", "3", "75.0%"]]


def test_acceptance_with_and_without_an_office_hours_talk(exact):
    ids = build()
    # Had a talk that took place: A (accepted), B (declined). None: C, F (accepted), D (declined: a no-show).
    assert texts(report().section("office-hours")) == [
        ["Had an office hours talk", "2", "1", "50.0%"], ["No office hours talk", "3", "2", "66.7%"]]
    # Platform only: A, B with a talk; C without.
    assert texts(report(position=ids["platform"]).section("office-hours")) == [
        ["Had an office hours talk", "2", "1", "50.0%"], ["No office hours talk", "1", "1", "100.0%"]]


def test_waiting_time_and_talks_per_window(exact):
    ids = build()
    # Waits 0, 1, 4, 18 minutes: median (1 + 4) / 2 = 2.5, 90th percentile the 4th of 4 = 18.
    # Windows held: Tom's two and Amara's (Tom's live one isn't over); talks in them: A, B, D, G = 4.
    section = report().section("office-hours-queues")
    assert texts(section) == [
        ["Waiting before a talk, median (minutes)", "2.5", "4 talks"],
        ["Waiting before a talk, 90th percentile (minutes)", "18.0", "4 talks"],
        ["Windows held", "3", "Went live, now closed"],
        ["Talks in those windows", "4", "3 windows"],
        ["Talks per window (average)", "1.3", "3 windows"]]
    assert section.notes == []
    # Platform: A and B waited 4 and 18 (median 11); every window counts, only A's and B's talks.
    platform = report(position=ids["platform"]).section("office-hours-queues")
    assert [row[1] for row in texts(platform)] == ["11.0", "18.0", "3", "2", "0.7"]
    assert "only the talks with candidates of the chosen team or position" in platform.notes[0]
    # March only: Amara's Saturday and Tom's Sunday windows (the candidates' offers were in February).
    march = report(start="2031-03", end="2031-03").section("office-hours-queues")
    assert [row[1] for row in texts(march)] == ["—", "—", "2", "2", "1.0"]


def test_a_percentile_of_a_few_waits_is_not_shown(app, frozen):
    with app.app_context():
        build()
        section = report().section("office-hours-queues")
        rows = texts(section)
        assert rows[0][1] == "2.5" and rows[1][1] == "—"  # 4 talks: fewer than the 10 a percentile needs
        assert section.notes == ["The 90th percentile needs at least 10 talks."]
        assert texts(report().section("office-hours"))[0] == [
            "Had an office hours talk", "2", "1", "1 of 2"]


def test_percentile_of_a_histogram():
    assert percentile({}, 0.9) is None
    assert percentile({7: 1}, 0.9) == 7
    assert percentile({1: 9, 30: 1}, 0.9) == 1  # the 9th of 10
    assert percentile({1: 8, 30: 2}, 0.9) == 30


def test_the_page_and_the_csv_show_the_figures(make_app, frozen):
    app = make_app(ANALYTICS_MIN_FOR_RATE=1)
    client = app.test_client()
    with app.app_context():
        build()
        rollup.refresh_due(T0)
        Auth(app, client).login(make_user("recruiter"))
        db.session.commit()
    html = client.get("/recruiter/analytics?from=2031-02&to=2031-03").get_data(as_text=True)
    kinds = text_of(html, "by-kind-heading")
    assert kinds == "Conversations by kind"
    assert "Had an office hours talk" in html and "Talks per window (average)" in html
    download = client.get("/recruiter/analytics/office-hours-queues.csv?from=2031-02&to=2031-03")
    assert download.status_code == 200
    rows = list(csv_lib.reader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert rows[0] == ["Measure", "Value", "Based on"]
    assert rows[1:3] == [["Waiting before a talk, median (minutes)", "2.5", "4 talks"],
                         ["Waiting before a talk, 90th percentile (minutes)", "18.0", "4 talks"]]
    assert rows[5] == ["Talks per window (average)", "1.3", "3 windows"]
    by_kind = client.get("/recruiter/analytics/by-kind.csv?from=2031-02&to=2031-03").data.decode("utf-8-sig")
    assert ["Office hours", "4", "3", "75.0"] in list(csv_lib.reader(io.StringIO(by_kind)))


def _page_selects(app, client) -> int:
    with app.app_context():
        rollup.refresh_due(T0)  # counted before: the page then only reads
        db.session.commit()
    return len(page_statements(app, client, "/recruiter/analytics?from=2031-01&to=2031-03").selects)


def test_the_query_count_does_not_grow_with_windows_and_talks(app, client, frozen):
    with app.app_context():
        ids = build()
        Auth(app, client).login(make_user("recruiter"))
        db.session.commit()
    few = _page_selects(app, client)
    with app.app_context():
        more_talks(ids, 15)
    many = _page_selects(app, client)
    assert few == many


def test_a_window_closed_since_the_last_view_counts_at_once(exact):
    """The report is kept between views (generations.py); the windows held are read each time."""
    build()
    assert texts(report().section("office-hours-queues"))[2] == ["Windows held", "3", "Went live, now closed"]
    live = db.session.scalar(sa.select(HoursWindow).where(HoursWindow.status == WindowStatus.LIVE))
    queue.close_window(live, T0 + 5 * MIN)  # a Core update: no analytics cell moves
    db.session.commit()
    assert texts(report().section("office-hours-queues"))[2] == ["Windows held", "4", "Went live, now closed"]
