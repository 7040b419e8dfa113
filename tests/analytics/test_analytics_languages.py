"""The analytics page, its charts and its CSV downloads in German and Japanese: headings, headers,
chart titles, legends and month names in the reader's language, numbers and percentages in the
language's own format (German "50,0 %", Japanese "50.0%"), while each CSV stays machine-readable:
the same columns and one header row as in English, numbers as plain numbers.

The hand-worked data set of ``analytics_data`` (September to November 2026, "now" 2026-11-24 12:00
UTC), with a rate shown for any count: 2 of the 4 decided accepted (50.0 %).
"""

from __future__ import annotations

import csv
import io
import re

import pytest
import time_machine
from analytics_data import NOW, build
from factories import make_user
from helpers import Auth, text_of

from portal.extensions import db

PERIOD = "from=2026-09&to=2026-11"
NBSP = "\u00a0"


@pytest.fixture
def exact(make_app):
    app = make_app(ANALYTICS_MIN_FOR_RATE=1)
    build(app)
    return app


def reader(app, language):
    """A test client signed in as a recruiter whose account is in ``language`` (at NOW)."""
    client = app.test_client()
    with app.app_context():
        recruiter = make_user("recruiter")
        recruiter.locale = language
        db.session.commit()
        Auth(app, client).login(recruiter)
    return client


def csv_rows(client, slug):
    response = client.get(f"/recruiter/analytics/{slug}.csv?{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def svgs(client, html):
    """Every chart on the page (the wide and the phone drawings), fetched from its own URL."""
    urls = re.findall(r'(?:src|srcset)="(/recruiter/analytics/chart/[^"]+\.svg)"', html)
    assert urls
    drawings = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml", url
        drawings.append(response.get_data(as_text=True))
    return drawings


EXPECTED = {
    "de": {"h1": "Angebotsannahme", "rate": f"50,0{NBSP}%", "axis": f"50{NBSP}%", "months": ("Sep", "Okt", "Nov"),
           "headers": ["Kandidaten", "Entschieden", "Angenommen", "Annahmequote"], "first": "Jemanden getroffen",
           "chart": "Mit und ohne Gespräche im Reverse Interview"},
    "ja": {"h1": "オファー承諾", "rate": "50.0%", "axis": "50%", "months": ("9月", "10月", "11月"),
           "headers": ["候補者", "決定", "承諾", "承諾率"], "first": "誰かと会った",
           "chart": "逆面接での会話の有無"},
}


@pytest.mark.parametrize("language", ["de", "ja"])
def test_the_page_charts_and_csv_are_in_the_readers_language(exact, language):
    want = EXPECTED[language]
    with time_machine.travel(NOW, tick=False):
        english = csv_rows(reader(exact, "en"), "with-without")
        client = reader(exact, language)
        page = client.get(f"/recruiter/analytics?{PERIOD}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f'<html lang="{language}"' in html and want["h1"] in text_of(html, "main")
        # The headline rate and the table's rates in the language's percent format.
        assert want["rate"] in html and "50.0%" not in html.replace(want["rate"], "")
        assert text_of(html, "with-without-heading") == want["chart"]

        # Charts: titles, legends and values translated; months named by Babel in the language.
        charts = svgs(client, html)
        assert any(want["chart"] in svg and want["axis"] in svg for svg in charts)
        by_month = next(svg for svg in charts if 'class="x-label"' in svg)
        labels = re.findall(r'class="x-label">([^<]+)<', by_month)
        assert tuple(labels) == want["months"], labels
        assert "Acceptance rate" not in by_month and "Month of offer" not in by_month

        # The CSV: headers in the language, the same columns and one header row; numbers stay plain.
        rows = csv_rows(client, "with-without")
        assert rows[0] == want["headers"] and len(rows) == len(english) == 3
        assert [len(row) for row in rows] == [len(row) for row in english]
        assert rows[1] == [want["first"], "2", "1", "50.0"]
        assert [row[1:] for row in rows[1:]] == [row[1:] for row in english[1:]]


def test_english_stays_as_it_was(exact):
    with time_machine.travel(NOW, tick=False):
        client = reader(exact, "en")
        html = client.get(f"/recruiter/analytics?{PERIOD}").get_data(as_text=True)
        rows = csv_rows(client, "with-without")
    assert "50.0%" in html and "Offer acceptance" in html
    assert rows[0] == ["Candidates", "Decided", "Accepted", "Acceptance rate"]
    assert rows[1] == ["Met someone", "2", "1", "50.0"]
