"""Office hours once, from /office-hours/mine: the date and times are in the person's zone (Berlin),
held like a weekly window; a refusal is a 422 with the message by its field and nothing stored.

The clock is stopped at T0: Monday 3 March 2031, 12:00 UTC (13:00 in Berlin); Berlin moves its clocks
from 02:00 to 03:00 on Sunday 30 March.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_staff
from helpers import HTMX, csrf_in, text_of

from portal.extensions import db
from portal.office_hours.models import HoursWindow

ONCE = {"day": "2031-03-05", "start_time": "16:00", "end_time": "17:30", "talk_minutes": "20", "cap": "3"}


@pytest.fixture
def tom(signed_in_tom) -> int:
    """Tom Becker, in Berlin, signed in on ``client`` (conftest.py); his user id."""
    return signed_in_tom


def add_once(client, headers=None, **changes):
    html = client.get("/office-hours/mine").get_data(as_text=True)
    return client.post("/office-hours/mine/windows", headers=headers or {},
                       data={**ONCE, **changes, "csrf_token": csrf_in(html)})


def windows_stored(app) -> list[HoursWindow]:
    with app.app_context():
        return list(db.session.scalars(sa.select(HoursWindow)))


def test_once_in_the_persons_zone_then_listed(app, client, tom):
    assert "Once, in your time zone (Europe/Berlin)" in text_of(client.get("/office-hours/mine").get_data(as_text=True))
    response = add_once(client)
    assert response.status_code == 303
    (window,) = windows_stored(app)
    assert (window.start_at, window.end_at) == (datetime(2031, 3, 5, 15, tzinfo=UTC), datetime(2031, 3, 5, 16, 30, tzinfo=UTC))
    assert (window.talk_minutes, window.cap, window.series_id) == (20, 3, None)
    page = text_of(client.get("/office-hours/mine").get_data(as_text=True))
    assert "Office hours added: Wed 5 Mar 2031, 16:00 CET" in page
    assert "Wed 5 Mar 2031, 16:00–17:30 CET" in page


@pytest.mark.parametrize("changes, message", [
    ({"day": ""}, "Enter a date."),
    ({"day": "2031-03-01"}, "Choose a start that is still ahead."),
    ({"day": "2031-09-01"}, "Choose a date within the next 90 days."),
    ({"end_time": "15:00"}, "The end must be after the start."),
    ({"end_time": "21:00"}, "Office hours can last at most 4 hours."),
    ({"end_time": "16:10"}, "at least as long as one talk"),
    ({"day": "2031-03-30", "start_time": "02:30", "end_time": "04:00"}, "doesn't exist in Europe/Berlin"),
    ({"cap": "0"}, "Allow between 1 and 12 talks"),
])
def test_refusals_are_422_by_the_field_and_store_nothing(app, client, tom, changes, message):
    response = add_once(client, headers=HTMX, **changes)
    assert response.status_code == 422
    assert message in text_of(response.get_data(as_text=True))
    assert windows_stored(app) == []


def test_once_over_a_booked_conversation_says_which(app, client, tom):
    with app.app_context():
        make_meeting(make_candidate(name="Jordan Lee"), tom, "confirmed", start=datetime(2031, 3, 5, 15, 30, tzinfo=UTC))
        db.session.commit()
    response = add_once(client, headers=HTMX)
    assert response.status_code == 422
    text = text_of(response.get_data(as_text=True))
    assert "You have a conversation with Jordan Lee at Wed 5 Mar 2031, 16:30 CET (Europe/Berlin): choose another time." in text
    assert windows_stored(app) == []


def test_a_recruiter_adds_once_for_a_person(app, client, auth, frozen):
    from factories import make_user
    with app.app_context():
        person = make_staff(name="Tom Becker", timezone="Europe/Berlin")
        riley = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
        db.session.commit()
        person_id = person.id
        auth.login(riley)
    html = client.get(f"/recruiter/people/{person_id}/office-hours").get_data(as_text=True)
    assert "Once, in Tom's time zone (Europe/Berlin)" in text_of(html)
    response = client.post(f"/recruiter/people/{person_id}/office-hours/windows",
                           data={**ONCE, "csrf_token": csrf_in(html)})
    assert response.status_code == 303
    (window,) = windows_stored(app)
    assert window.staff_id == person_id and window.start_at == datetime(2031, 3, 5, 15, tzinfo=UTC)
