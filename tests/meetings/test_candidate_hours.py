"""The candidate is offered times within their own day, can change their hours, and can ask for all times.

Frozen on Monday 6 January 2031, 10:00 UTC (05:00 in New York). Jordan (New York, 07:00–21:00 by
default) can ask Lena (London, weekdays 08:30–17:00 = 03:30–12:00 in New York) and Bo (Berlin,
weekdays 07:00–09:00 = 01:00–03:00 in New York: never within Jordan's day).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from factories import add_windows, make_candidate, make_meeting, make_staff
from helpers import Auth, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.meetings.manage import person_move_options
from portal.meetings.models import Meeting

T0 = datetime(2031, 1, 6, 10, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def world(make_app, time_machine):
    time_machine.move_to(T0, tick=False)
    app = make_app(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with app.app_context():
        lena = make_staff("team", name="Lena Lund", timezone="Europe/London")
        bo = make_staff("team", name="Bo Berg", timezone="Europe/Berlin")
        add_windows(lena, time(8, 30), time(17), "Europe/London")
        add_windows(bo, time(7), time(9), "Europe/Berlin")
        jordan = make_candidate(name="Jordan Lee", timezone="America/New_York", deadline_days=14)
        Auth(app, client).login(jordan.user)
        ids = {"lena": lena.id, "bo": bo.id, "jordan": jordan.user.id, "candidate": jordan.id}
        db.session.commit()
    return app, client, ids


def offered(client, person_id: int, **args) -> tuple[list[str], str]:
    """The offered starts as New York wall times ("Tue 07 07:00"), and the page's HTML."""
    response = client.get(f"/people/{person_id}/request", query_string=args)
    assert response.status_code == 200
    html = unescape(response.get_data(as_text=True))
    starts = [datetime.strptime(v, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC).astimezone(NEW_YORK)
              for v in re.findall(r'name="slots" value="([^"]+)"', html)]
    return [f"{s:%a %d %H:%M}" for s in starts], html


def test_only_times_within_the_candidates_day_are_offered(world):
    _, client, ids = world
    starts, text = offered(client, ids["lena"])
    hours = sorted({s[-5:] for s in starts})
    # 03:30–07:00 New York is Lena's morning and Jordan's night: not offered. The overlap is.
    assert hours == ["07:00", "07:30", "08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert starts[0] == "Mon 06 07:00" and "Mon 06 03:30" not in starts
    # Seven early times (08:30–11:30 London) on each of nine weekdays, and three still ahead this
    # Monday (it is 10:00 in London): 66 left out, and the page says so.
    assert "Only times within your hours, 07:00–21:00 (66 more outside them: show all times)" in text_of(text)
    assert "early for you" not in text


def test_the_candidate_can_ask_for_every_time_with_early_ones_marked(world):
    _, client, ids = world
    starts, text = offered(client, ids["lena"], all="1")
    assert "Tue 07 03:30" in starts and "Tue 07 07:00" in starts
    assert text.count("early for you") == 66
    assert "early and late ones for you included" in text_of(text)
    assert 'name="all" value="1"' in text  # the request form keeps the choice when it comes back with an error


def test_when_nothing_fits_the_nearest_times_are_offered_labelled(world):
    _, client, ids = world
    starts, text = offered(client, ids["bo"])
    assert ("None of Bo's free times in the next two weeks fall within your hours (07:00–21:00, America/New_York)"
            in text_of(text))
    assert len(starts) == 6 and {s[-5:] for s in starts} == {"01:00", "02:30"}
    labels = re.findall(r"(early|late) for you \(", text_of(text))  # each time's label, before the person's time
    assert labels.count("early") == 3 and labels.count("late") == 3


def test_changing_ones_hours_changes_the_times_offered(world):
    _app, client, ids = world
    page = client.get("/settings")
    assert page.status_code == 200 and 'value="07:00"' in page.get_data(as_text=True)
    saved = client.post("/settings", data={"timezone": "America/New_York", "day_start": "05:00",
                                           "day_end": "21:00"}, follow_redirects=True)
    assert ("Saved. We offer you times between 05:00–21:00, America/New_York (GMT-05:00 · New York, United States)."
            in unescape(saved.get_data(as_text=True)))
    starts, _ = offered(client, ids["lena"])
    assert "Tue 07 05:00" in starts and "Tue 07 04:30" not in starts


@pytest.mark.parametrize("data, message", [
    ({"timezone": "America/New_York", "day_start": "09:00", "day_end": "09:00"}, "Choose two different times"),
    ({"timezone": "America/New_York", "day_start": "25:00", "day_end": "21:00"}, "Enter a time like 07:00."),
    ({"timezone": "Mars/Olympus", "day_start": "07:00", "day_end": "21:00"}, "Choose a time zone from the list"),
])
def test_bad_hours_are_refused_and_change_nothing(world, data, message):
    app, client, ids = world
    response = client.post("/settings", data=data)
    assert response.status_code == 422 and message in unescape(response.get_data(as_text=True))
    with app.app_context():
        user = db.session.get(User, ids["jordan"])
        assert (user.timezone, user.day_start, user.day_end) == ("America/New_York", 420, 1260)


def test_moving_a_conversation_offers_the_candidates_day_first(world):
    app, client, ids = world
    start = datetime(2031, 1, 8, 13, 0, tzinfo=UTC)  # Wednesday 08:00 in New York, 13:00 in London
    with app.app_context():
        meeting = make_meeting(ids["candidate"], ids["lena"], "confirmed", start=start, history=False)
        db.session.commit()
        meeting_id = meeting.id
    html = unescape(client.get(f"/meetings/{meeting_id}/move").get_data(as_text=True))
    options = re.findall(r'<option value="[^"]+">([^<]+)</option>', html)
    assert options and all("for you" not in o for o in options)
    assert not any(o.startswith(("03:", "04:", "05:", "06:")) for o in options)
    with app.app_context():
        # Lena moving it from her link: the same rule, told in her words.
        meeting = db.session.get(Meeting, meeting_id)
        labels = [label for _, label in person_move_options(meeting, T0)]
        assert labels and all(" for Jordan)" in label for label in labels)
        assert all(not re.search(r"\((0[0-6]):\d\d EST", label) for label in labels)
