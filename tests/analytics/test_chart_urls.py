"""The analytics page's charts are images at their own URLs: the URL carries the chart's figures,
titles and language (compressed and signed), so the picture never changes and the browser keeps it."""

from __future__ import annotations

import re

import pytest
import time_machine
from analytics_data import NOW, build
from factories import make_user
from helpers import Auth
from test_analytics_languages import PERIOD, reader

from portal.extensions import db

CHART = re.compile(r'(?:src|srcset)="(/recruiter/analytics/chart/[^"]+\.svg)"')


@pytest.fixture
def company(make_app):
    app = make_app(ANALYTICS_MIN_FOR_RATE=1)
    build(app)
    return app


def test_the_page_links_its_charts_and_each_is_a_lasting_picture(company):
    with time_machine.travel(NOW, tick=False):
        client = reader(company, "en")
        html = client.get(f"/recruiter/analytics?{PERIOD}").get_data(as_text=True)
        urls = CHART.findall(html)
        first = client.get(urls[0])
        again = client.get(urls[0])
    assert "data:image" not in html and len(urls) >= 6 and len(set(urls)) == len(urls)
    assert max(len(url) for url in urls) < 2000  # well within what browsers and proxies take
    assert first.status_code == 200 and first.mimetype == "image/svg+xml" and first.data == again.data
    assert first.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert "<script" not in first.get_data(as_text=True)


def test_a_chart_keeps_the_language_it_was_drawn_in_and_only_recruiters_see_it(company):
    with time_machine.travel(NOW, tick=False):
        german = reader(company, "de")
        url = next(u for u in CHART.findall(german.get(f"/recruiter/analytics?{PERIOD}").get_data(as_text=True))
                   if german.get(u).get_data(as_text=True).count('class="x-label"'))
        english = reader(company, "en")
        shown = english.get(url).get_data(as_text=True)  # a link sent to a colleague: the same picture
        candidate = company.test_client()
        with company.app_context():
            someone = make_user("candidate")
            db.session.commit()
            Auth(company, candidate).login(someone)
        refused = candidate.get(url)
    assert "Okt" in shown and "Oct" not in shown
    assert refused.status_code == 403


def test_a_changed_or_made_up_chart_url_is_not_found(company):
    with time_machine.travel(NOW, tick=False):
        client = reader(company, "en")
        url = CHART.findall(client.get(f"/recruiter/analytics?{PERIOD}").get_data(as_text=True))[0]
        spec = url.rsplit("/", 1)[1].removesuffix(".svg")
        changed = spec[:-3] + ("AAA" if not spec.endswith("AAA") else "BBB")
        answers = [client.get(f"/recruiter/analytics/chart/{s}.svg").status_code for s in (changed, "made-up", "e30")]
    assert answers == [404, 404, 404]
