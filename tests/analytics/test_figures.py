"""Every figure of the analytics page against a small data set worked out by hand.

Six candidates, three people, nine conversations, September to November 2026; "now" is
2026-11-24 12:00 UTC. The expected numbers in each test are derived in the comments above it.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from analytics_data import NOW, build
from factories import make_user

from portal.analytics import rollup
from portal.analytics.models import AnalyticsCell
from portal.analytics.figures import median
from portal.analytics.services import analytics_report
from portal.candidates.models import Candidate
from portal.extensions import db


@pytest.fixture
def data(app):
    return build(app)


def report(app, start="2026-09", end="2026-11", team=None, position=None):
    with time_machine.travel(NOW, tick=False), app.app_context():
        rollup.refresh_due(NOW)
        db.session.commit()
        return analytics_report(start, end, team or "", position)


def texts(section):
    return [[cell.text for cell in row] for row in section.rows]


@pytest.fixture
def exact(make_app):
    """Percentages for any count, so the hand-worked rates show as rates."""
    return make_app(ANALYTICS_MIN_FOR_RATE=1)


def test_headline_and_acceptance_by_month(exact, data):
    r = report(exact)
    # Offers 6; decided = accepted (A, D) + declined (B, E) = 4; withdrawn C; F still deciding.
    h = r.headline
    assert (h["offers"], h["decided"], h["accepted"], h["declined"], h["withdrawn"], h["deciding"]) == (6, 4, 2, 2, 1, 1)
    assert h["rate"].text == "50.0%"
    # Offer → decision: 24, 48, 72, 96 hours → median 60 h = 2.5 days.
    assert h["median_days"].text == "2.5"
    # September: A, B, C offered; A, B decided; A accepted. October: D, E; D accepted. November: F only.
    assert texts(r.section("acceptance-by-month")) == [
        ["2026-09", "3", "2", "1", "50.0%"],
        ["2026-10", "2", "2", "1", "50.0%"],
        ["2026-11", "1", "0", "0", "—"],
    ]


def test_conversations_and_acceptance(exact, data):
    r = report(exact)
    # Held a conversation: A (2, accepted), E (1, declined). None: B (declined), D (accepted, all three fell through).
    assert texts(r.section("with-without")) == [["Met someone", "2", "1", "50.0%"],
                                                ["Met nobody", "2", "1", "50.0%"]]
    assert texts(r.section("by-number")) == [
        ["None", "2", "1", "50.0%"], ["1", "1", "0", "0.0%"], ["2", "1", "1", "100.0%"],
        ["3", "0", "0", "—"], ["4", "0", "0", "—"], ["5 or more", "0", "0", "—"]]
    # A met the CEO (leadership) and Eli (team); E met Eli. D's investor request was rejected.
    assert texts(r.section("by-group")) == [
        ["Leadership", "1", "1", "100.0%"], ["The team", "2", "1", "50.0%"], ["Investors", "0", "0", "—"],
        ["Board members", "0", "0", "—"], ["Former employees", "0", "0", "—"]]


def test_funnel(exact, data):
    # Signed in: all but C. Asked: A, B, D, F. Requested: A, D, E, F. Met: A, E, F (F's Monday call is over).
    assert texts(report(exact).section("funnel")) == [
        ["Offer stage", "6", "100.0%"], ["Signed in", "5", "83.3%"], ["Asked a question", "4", "66.7%"],
        ["Requested a conversation", "4", "66.7%"], ["Met someone", "3", "50.0%"], ["Decided", "4", "66.7%"],
        ["Accepted", "2", "33.3%"]]


def test_medians(exact, data):
    # Approval: 4, 24, 1 h → median 4. Answers: 2, 12, 3, 24, 1, 5, 24 h → 1 2 3 [5] 12 24 24 → 5 h.
    assert texts(report(exact).section("speed")) == [
        ["Offer → decision", "60.0", "2.5", "4"],
        ["Request → recruiter's approval", "4.0", "0.2", "3"],
        ["Invitation → the person's answer", "5.0", "0.2", "7"]]


def test_people_turnaround_and_load(exact, data):
    # Eli: 5 requests; answered 5 (3 confirmed, 1 declined, 1 expired); held 3 (Sep 2, Oct 13, Nov 23).
    # CEO: 3 requests, 3 confirmed, held 1 (the October one was a no-show, Thursday's is to come).
    # Busiest week: one conversation each; ties go to the earliest week (Monday 31 August).
    assert texts(report(exact).section("people")) == [
        ["Eli Engineer", "Engineer", "5", "5", "3", "60.0%", "3", "1", "2026-08-31", "3"],
        ["Amara CEO", "CEO", "3", "3", "3", "100.0%", "1", "1", "2026-08-31", "2"],
        ["Ines Investor", "Partner", "1", "0", "0", "—", "0", "0", "—", "1"]]


def test_question_coverage(exact, data):
    # Decided candidates' questions: A role_team (before), A growth (after), B compensation (open), D culture (before).
    assert texts(report(exact).section("coverage")) == [
        ["Role and team", "1", "1", "100.0%"], ["Culture and people", "1", "1", "100.0%"],
        ["Growth", "1", "0", "0.0%"], ["Compensation and benefits", "1", "0", "0.0%"],
        ["Company direction and finances", "0", "0", "—"], ["Other", "0", "0", "—"],
        ["All categories", "4", "2", "50.0%"]]


def test_ratings_outcomes_and_declines(exact, data):
    r = report(exact)
    assert texts(r.section("ratings")) == [["1 of 5", "0"], ["2 of 5", "0"], ["3 of 5", "1"], ["4 of 5", "1"],
                                           ["5 of 5", "1"]]
    assert r.section("ratings").notes == ["Average rating: 4.00 from 3 ratings."]
    # Held: A×2, E, F's Monday call; no-show: D's CEO call; Thursday's call is still open.
    assert texts(r.section("outcomes")) == [
        ["Held", "4"], ["No-show", "1"], ["Cancelled", "0"], ["Declined by the person", "1"],
        ["Invitation expired", "1"], ["Not approved", "1"], ["Still open", "1"],
        ["No-show rate (no-shows ÷ held and no-shows)", "20.0%"]]
    section = r.section("decline-reasons")
    assert texts(section) == [["Accepted another offer", "1", "50.0%"], ["Compensation", "1", "50.0%"]]
    assert section.notes == ["Exit surveys: 1 sent, 1 answered."]


def test_filters_by_position_team_and_period(exact, data):
    design = report(exact, position=data["design"])  # C (withdrawn) and D (accepted)
    assert (design.headline["offers"], design.headline["decided"], design.headline["accepted"]) == (2, 1, 1)
    platform = report(exact, team="Platform")  # A, B, E, F
    assert (platform.headline["offers"], platform.headline["decided"], platform.headline["accepted"]) == (4, 3, 1)
    assert texts(platform.section("people"))[0][:3] == ["Eli Engineer", "Engineer", "4"]  # D's request is Design's
    october = report(exact, start="2026-10", end="2026-10")  # D, E
    assert texts(october.section("funnel"))[0] == ["Offer stage", "2", "100.0%"]
    assert october.headline["median_days"].text == "3.5"  # 72 h and 96 h
    nothing = report(exact, team="Platform", position=data["design"])
    assert nothing.headline["offers"] == 0


def test_small_counts_show_as_counts_not_percentages(app, data):
    # Default threshold (10): 2 accepted of 4 decided is "2 of 4"; by month the table says why there
    # is no rate, and the chart keeps its counts but has no rate for any month.
    r = report(app)
    assert r.headline["rate"].text == "2 of 4"
    assert texts(r.section("acceptance-by-month"))[0] == ["2026-09", "3", "2", "1", "1 of 2 — too few to rate"]
    chart = r.section("acceptance-by-month").chart
    assert chart.series == [("Decided", [2, 2, 0]), ("Accepted", [1, 1, 0]), ("Acceptance rate", [None, None, None])]


def test_a_change_shows_on_the_next_view_and_a_conversation_counts_once_it_is_over(exact, data):
    with time_machine.travel(NOW, tick=False), exact.app_context():
        e = db.session.get(Candidate, data["e"])
        e.stage = "accepted"  # the recruiter corrects E's outcome
        db.session.commit()
    r = report(exact)
    assert (r.headline["decided"], r.headline["accepted"]) == (4, 3)
    # Thursday 26 November 10:30 the CEO's call with F ends: it becomes held without anyone touching it.
    later = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    with time_machine.travel(later, tick=False), exact.app_context():
        assert rollup.refresh_due(later) == 1
        db.session.commit()
        counts = dict(db.session.execute(
            db.select(AnalyticsCell.key, AnalyticsCell.n).where(AnalyticsCell.position_id == 0,
                                                               AnalyticsCell.month == "2026-11",
                                                               AnalyticsCell.metric == "outcome")).all())
    assert counts == {"held": 2}


def test_incremental_counts_equal_a_full_recount(exact, data):
    def snapshot():
        return sorted(db.session.execute(db.select(AnalyticsCell.position_id, AnalyticsCell.month,
                                                   AnalyticsCell.metric, AnalyticsCell.key, AnalyticsCell.n)).all())
    with time_machine.travel(NOW, tick=False), exact.app_context():
        rollup.refresh_due(NOW)
        db.session.commit()
        incremental = snapshot()
        rollup.rebuild_all(NOW)
        assert snapshot() == incremental
        assert len(incremental) > 50


def test_median_of_a_histogram():
    assert median({}) is None
    assert median({5: 1}) == 5
    assert median({1: 1, 3: 1}) == 2
    assert median({1: 2, 10: 1}) == 1
    assert median({24: 1, 48: 1, 72: 1, 96: 1}) == 60


def _html_table(html, slug):
    section = html.split(f'id="{slug}-heading"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", section, re.DOTALL):
        rows.append([html_lib.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)])
    return rows


def test_the_page_and_every_csv_show_the_same_numbers(exact, data, client):
    from helpers import Auth

    # Signed in at NOW like everything else here: a session from the real clock would lie in
    # NOW's future, and a signed cookie from the future is refused.
    client = exact.test_client()
    with time_machine.travel(NOW, tick=False):
        with exact.app_context():
            Auth(exact, client).login(make_user("recruiter"))
            db.session.commit()
        page = client.get("/recruiter/analytics?from=2026-09&to=2026-11")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        slugs = re.findall(r'/recruiter/analytics/([a-z-]+)\.csv', html)
        assert len(set(slugs)) == 14
        for slug in set(slugs):
            response = client.get(f"/recruiter/analytics/{slug}.csv?from=2026-09&to=2026-11")
            assert response.status_code == 200 and response.mimetype == "text/csv"
            assert "attachment" in response.headers["Content-Disposition"]
            table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
            shown = _html_table(html, slug)
            assert table[0] == shown[0]
            assert len(table) == len(shown)
            for csv_row, html_row in zip(table[1:], shown[1:]):
                for value, text in zip(csv_row, html_row):
                    if value == "":
                        assert text == "—" or " of " in text
                    else:
                        # The same number: "1,234" / "50.0%" on the page, 1234 / 50.0 in the file.
                        assert value == text.replace(",", "").rstrip("%") or value == text
    assert "Eli Engineer" in html and "2026-08-31" in html


def test_every_counted_metric_is_one_the_page_reads(exact, data):
    from portal.analytics.rollup import METRICS, PERSON_METRICS

    report(exact)
    with exact.app_context():
        written = set(db.session.scalars(db.select(AnalyticsCell.metric).distinct()))
    # Besides the months: each summed metric's quarter and year blocks (blocks.py), and their marker.
    months = {metric for metric in written if "@" not in metric}
    blocks = {metric.split("@")[0] for metric in written if "@" in metric[1:]}
    assert months <= set(METRICS) | set(PERSON_METRICS) and len(months) >= 18
    assert blocks <= months - {"funnel", "stage"} and "@blocks" in written
