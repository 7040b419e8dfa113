"""The analytics tables' markup, now written in Python rather than cell by cell in the template: each
row headed by its first cell, numbers (and the dash, and the counts shown instead of a rate) aligned as
numbers, and every text escaped: a person named with angle brackets and an ampersand shows as typed.

The hand-worked data set of ``analytics_data`` ("now" 2026-11-24 12:00 UTC).
"""

from __future__ import annotations

import re

import pytest
import time_machine
from analytics_data import NOW, build
from factories import make_user
from helpers import Auth

from portal.auth.models import User
from portal.extensions import db

PERIOD = "from=2026-09&to=2026-11"


def page(app) -> str:
    client = app.test_client()
    with app.app_context():
        eli = db.session.query(User).filter_by(name="Eli Engineer").one()
        eli.name = "Eli <b>Engineer</b> & Co"
        recruiter = make_user("recruiter")
        db.session.commit()
        Auth(app, client).login(recruiter)
    response = client.get(f"/recruiter/analytics?{PERIOD}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def rows(html: str, slug: str) -> list[str]:
    section = html[html.index(f'id="{slug}-heading"'):]
    body = section[section.index("<tbody>"):section.index("</tbody>")]
    return re.findall(r"<tr>.*?</tr>", body)


@pytest.mark.parametrize("minimum", [1, 6])
def test_rows_are_escaped_and_numbers_aligned(make_app, minimum):
    app = make_app(ANALYTICS_MIN_FOR_RATE=minimum)
    build(app)
    with time_machine.travel(NOW, tick=False):
        html = page(app)
    # Eli: 5 requests, 5 answered, 3 accepted, held 3, busiest week 1 (Monday 31 August), cap 3.
    rate = '<td class="num">60.0%</td>' if minimum == 1 else '<td class="num">3 of 5</td>'
    assert rows(html, "people")[0] == (
        '<tr><th scope="row">Eli &lt;b&gt;Engineer&lt;/b&gt; &amp; Co</th><td>Engineer</td>'
        '<td class="num">5</td><td class="num">5</td><td class="num">3</td>' + rate
        + '<td class="num">3</td><td class="num">1</td><td>2026-08-31</td><td class="num">3</td></tr>')
    # Ines was asked once and never answered: no rate, no busiest week, both shown as a dash.
    assert rows(html, "people")[2].endswith(
        '<td class="num">—</td><td class="num">0</td><td class="num">0</td><td class="num">—</td>'
        '<td class="num">1</td></tr>')
    assert "Eli <b>" not in html
