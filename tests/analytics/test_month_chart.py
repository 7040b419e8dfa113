"""The by-month chart shows every month's counts, the rate only where enough offers were decided, and
month labels that never run into each other; the table and the CSV say why a month has no rate.

Data: September 2026, 8 offers, all 8 accepted (under the threshold of 10: no rate); October, 12
offers, 9 accepted and 3 declined (75%); November, nothing. "Now" is 2026-11-24 12:00 UTC.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from analytics_data import NOW, at, candidate
from factories import make_position, make_user
from helpers import Auth

from portal.analytics import rollup
from portal.analytics.charts import chart_svg
from portal.analytics.month_chart import CHAR_EM
from portal.analytics.report import Chart
from portal.analytics.services import analytics_report
from portal.analytics.sql import next_month
from portal.extensions import db

SVG = "{http://www.w3.org/2000/svg}"
PERIOD = "from=2026-09&to=2026-11"


@pytest.fixture
def months(app):
    with time_machine.travel(NOW, tick=False), app.app_context():
        position = make_position("Backend Engineer", "Platform")
        for day in range(1, 9):
            candidate(position, at(9, day), "accepted", at(9, 20))
        for day in range(1, 13):
            candidate(position, at(10, day), "accepted" if day <= 9 else "declined", at(10, 20),
                      reason=None if day <= 9 else "compensation")
        db.session.commit()
    return app


def by_month(app):
    with time_machine.travel(NOW, tick=False), app.app_context():
        rollup.refresh_due(NOW)
        db.session.commit()
        return analytics_report("2026-09", "2026-11").section("acceptance-by-month")


def groups(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("data-month"): g for g in root.iter(f"{SVG}g") if g.get("class") == "month"}


def bar(group: ET.Element, kind: str) -> float:
    rects = [r for r in group.iter(f"{SVG}rect") if r.get("class") == kind]
    return float(rects[0].get("height")) if rects else 0.0


def rate_points(group: ET.Element) -> list[ET.Element]:
    return [c for c in group.iter(f"{SVG}circle") if c.get("class") == "rate"]


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "phone"])
def test_every_month_has_its_bars_and_only_a_large_enough_month_has_a_rate(months, narrow):
    section = by_month(months)
    svg = chart_svg(section.chart, section.title, narrow=narrow)
    g = groups(svg)
    assert list(g) == ["2026-09", "2026-10", "2026-11"]

    # September, 8 of 8: two equal, visible bars, and no rate point (8 is under 10).
    september = g["2026-09"]
    assert bar(september, "decided") > 20 and bar(september, "accepted") == bar(september, "decided")
    assert rate_points(september) == []
    assert "too few decided to rate" in september.findtext(f"{SVG}title")

    # October, 9 of 12: a taller decided bar, a shorter accepted one, and the rate, labelled.
    october = g["2026-10"]
    assert bar(october, "decided") > bar(october, "accepted") > bar(september, "accepted")
    assert len(rate_points(october)) == 1
    assert "75%" in [t.text for t in october.iter(f"{SVG}text")]

    # November: nothing decided, so no bars and no rate, but the month is still on the axis.
    assert bar(g["2026-11"], "decided") == 0 and rate_points(g["2026-11"]) == []
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert {"Sep", "Oct", "Nov", "2026"} <= set(texts)
    assert "Acceptance rate (months with 10+ decided)" in texts


def _labels(svg: str) -> list[tuple[float, float, str]]:
    """(left, right, text) of each month label on the x axis, from a generous glyph width."""
    out = []
    for t in ET.fromstring(svg).iter(f"{SVG}text"):
        if t.get("class") in ("x-label", "x-year"):
            half = len(t.text) * CHAR_EM * float(t.get("font-size")) / 2
            out.append((float(t.get("x")) - half, float(t.get("x")) + half, t.get("class"), t.text))
    return out


@pytest.mark.parametrize("count", [3, 12, 36, 120])
@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "phone"])
def test_month_labels_do_not_collide_and_name_every_year(count, narrow):
    keys, key = [], "2024-01"
    for _ in range(count):
        keys.append(key)
        key = next_month(key)
    chart = Chart("months", "Month of offer (UTC)", "Offers", keys,
                  [("Decided", [12] * count), ("Accepted", [6] * count), ("Acceptance rate", [50.0] * count)],
                  rate_min=10)
    svg = chart_svg(chart, "Offer acceptance by month", narrow=narrow)
    width = float(ET.fromstring(svg).get("width"))
    labels = _labels(svg)
    for row in ("x-label", "x-year"):
        line = sorted(label for label in labels if label[2] == row)
        for (_l1, right, *_a), (left, _r2, *_b) in itertools.pairwise(line):
            assert left - right >= 2, f"{row} labels overlap: {line}"
        assert all(0 <= left and right <= width for left, right, *_ in line)
    shown = [text for *_, text in labels]
    years = sorted({k[:4] for k in keys})
    if count <= 36:
        assert set(years) <= set(shown)  # every year of the period is named on the axis
    else:  # ten years on a phone: every other year
        assert len(set(years) & set(shown)) >= len(years) // 2
    assert len(shown) >= min(count, 4)
    if count <= 12 and not narrow:
        assert len([label for label in labels if label[2] == "x-label"]) == count  # a year: every month


def test_the_table_and_the_csv_say_why_a_month_has_no_rate(months):
    section = by_month(months)
    assert [[c.text for c in row] for row in section.rows] == [
        ["2026-09", "8", "8", "8", "8 of 8 — too few to rate"],
        ["2026-10", "12", "12", "9", "75.0%"],
        ["2026-11", "0", "0", "0", "—"]]
    client = months.test_client()
    with time_machine.travel(NOW, tick=False):
        with months.app_context():
            Auth(months, client).login(make_user("recruiter"))
            db.session.commit()
        html = client.get(f"/recruiter/analytics?{PERIOD}").get_data(as_text=True)
        csv_text = client.get(f"/recruiter/analytics/acceptance-by-month.csv?{PERIOD}").data.decode("utf-8-sig")
    part = html.split('id="acceptance-by-month-heading"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"<th scope=\"row\">2026-09</th>.*?8 of 8 — too few to rate</td>", part, re.DOTALL)
    assert "at least 10 offers were decided" in part
    # The phone gets its own drawing of the same chart; both describe bars and the rate.
    (narrow,) = re.findall(r'<source media="\(max-width: 40rem\)" srcset="([^"]+)"', part)
    (wide,) = re.findall(r'<img src="([^"]+)"', part)
    with time_machine.travel(NOW, tick=False):
        drawings = [client.get(url) for url in (narrow, wide)]
    assert [d.status_code for d in drawings] == [200, 200] and drawings[0].data != drawings[1].data
    assert all('class="x-label"' in d.get_data(as_text=True) for d in drawings)
    assert "decided and accepted in each month" in part
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[1:] == [["2026-09", "8", "8", "8", ""], ["2026-10", "12", "12", "9", "75.0"],
                        ["2026-11", "0", "0", "0", ""]]
