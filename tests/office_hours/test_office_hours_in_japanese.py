"""Office hours in Japanese: a person whose account is in Japanese sets up weekly office hours and
reads the page, the flash and the forms in Japanese, weekday names and dates from Babel, with no
English left but names and data. The clock is stopped at T0 (Monday 3 March 2031, 12:00 UTC)."""

from __future__ import annotations

import re

import pytest
from helpers import csrf_in, text_of

from portal.auth.models import User
from portal.extensions import db

SERIES = {"weekday": "0", "start_time": "16:00", "end_time": "17:00", "zone": "Europe/Berlin",
          "talk_minutes": "15", "cap": "4"}


@pytest.fixture
def tom(app, signed_in_tom) -> int:
    with app.app_context():
        db.session.get(User, signed_in_tom).locale = "ja"
        db.session.commit()
    return signed_in_tom


def main_text(html: str) -> str:
    return text_of(html, "main")


def test_the_office_hours_page_and_its_flash_are_japanese(client, tom):
    page = client.get("/office-hours/mine").get_data(as_text=True)
    assert '<html lang="ja"' in page
    form = re.search(r'<select[^>]*name="weekday".*?</select>', page, re.DOTALL).group(0)
    assert ">月曜日<" in form and ">日曜日<" in form and "Monday" not in form  # Babel's names
    assert ">15分<" in page and ">1時間30分<" in page  # talk lengths, how long to go live

    added = client.post("/office-hours/mine/series", data={**SERIES, "csrf_token": csrf_in(page)})
    assert added.status_code == 303
    page = client.get("/office-hours/mine").get_data(as_text=True)
    words = main_text(page)
    assert "オフィスアワーを追加しました：毎週月曜日 16:00〜17:00（Europe/Berlin）。" in words
    assert "あなたのオフィスアワー" in words and "毎週" in text_of(page, "series-heading")
    assert "毎週月曜日" in text_of(page, "series") and "1回15分、最大4件" in text_of(page, "series")
    # The windows ahead, dated the Japanese way (Babel), zone named.
    assert "2031年3月3日(月)" in text_of(page, "upcoming") and "CET" in text_of(page, "upcoming")
    # No English left in what office hours write but names and data (the zone, its abbreviation).
    # (The shared zone picker and tables' "Actions" heading are translated where they are made.)
    ours = " ".join(text_of(page, part) for part in ("live", "upcoming", "series-heading", "links-heading"))
    ours += " ".join(re.findall(r"<tr>.*?</tr>", page.split('id="series"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0], re.DOTALL))
    data = {"Tom", "Becker", "Europe", "Berlin", "CET", "CEST", "UTC"}
    english = {word for word in re.findall(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", " ", ours))} - data
    assert not english, " ".join(sorted(english))


def test_refusals_are_japanese_and_change_nothing(client, tom):
    page = client.get("/office-hours/mine").get_data(as_text=True)
    refused = client.post("/office-hours/mine/series",
                          data={**SERIES, "end_time": "15:00", "csrf_token": csrf_in(page)})
    assert refused.status_code == 422
    assert "終了は開始より後にしてください。" in refused.get_data(as_text=True)
    assert "毎週のオフィスアワーはまだありません" in text_of(client.get("/office-hours/mine").get_data(as_text=True),
                                                  "series")
