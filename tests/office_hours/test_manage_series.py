"""Setting office hours up at /office-hours/mine: the form (valid, and every refusal a 422 with the
message by its field and nothing stored), windows in the person's zone across Berlin's DST change,
a week clashing with a booked conversation skipped with why, calling a window off, and a window's
time closed to conversations.

The clock is stopped at T0: Monday 3 March 2031, 12:00 UTC (13:00 in Berlin); Berlin moves its
clocks on Sunday 30 March.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting
from helpers import HTMX, T0, csrf_in, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.meetings.models import BookedUnit, Meeting
from portal.meetings.states import SlotTaken, confirm
from portal.office_hours.models import HoursSeries, HoursWindow, WindowStatus

SERIES = {"weekday": "0", "start_time": "16:00", "end_time": "17:00", "zone": "Europe/Berlin",
          "talk_minutes": "15", "cap": "4"}


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def tom(signed_in_tom) -> int:
    """Tom Becker, in Berlin, signed in on ``client`` (conftest.py); his user id."""
    return signed_in_tom


def page(client) -> str:
    response = client.get("/office-hours/mine")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def add(client, **changes):
    html = page(client)
    return client.post("/office-hours/mine/series", data={**SERIES, **changes, "csrf_token": csrf_in(html)})


def stored(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_form_offers_the_persons_own_zone(client, tom):
    html = page(client)
    assert 'name="zone"' in html and 'value="Europe/Berlin"' in html
    assert "No weekly office hours yet" in text_of(html, "series")


def test_weekly_office_hours_become_windows_in_the_persons_zone_across_dst(app, client, tom):
    response = add(client)
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Office hours added: Mondays 16:00–17:00 (Europe/Berlin)." in html
    assert "Mondays 16:00–17:00 Europe/Berlin 15 minutes each, at most 4 One by one" in text_of(html, "series")
    weeks = text_of(html, "upcoming")
    # Still 16:00 in Berlin after the clocks move: CET for three weeks, then CEST.
    for day in ("Mon 3 Mar 2031", "Mon 10 Mar 2031", "Mon 17 Mar 2031", "Mon 24 Mar 2031"):
        assert f"{day}, 16:00–17:00 CET" in weeks
    assert "Mon 31 Mar 2031, 16:00–17:00 CEST" in weeks
    with app.app_context():
        starts = list(db.session.scalars(sa.select(HoursWindow.start_at).order_by(HoursWindow.start_at)))
    assert starts[0] == utc(3, 15) and starts[-1] == utc(31, 14)


def test_with_htmx_the_section_is_swapped_with_the_new_hours(client, tom):
    html = page(client)
    response = client.post("/office-hours/mine/series", headers=HTMX,
                           data={**SERIES, "weekday": "3", "csrf_token": csrf_in(html)})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="hours">') and "<html" not in body
    assert "Thursdays 16:00–17:00" in text_of(body, "series")


@pytest.mark.parametrize("changes, field, message", [
    ({"end_time": "15:00"}, "end_time", "The end must be after the start."),
    ({"end_time": "16:10"}, "end_time", "The window must be at least as long as one talk (15 minutes)."),
    ({"cap": "0"}, "cap", "Allow between 1 and 12 talks per window."),
    ({"cap": ""}, "cap", "Allow between 1 and 12 talks per window."),
    ({"zone": "Mars/Olympus"}, "zone", ""),
    ({"talk_minutes": "25"}, "talk_minutes", "Not a valid choice."),
    ({"start_time": ""}, "start_time", "Enter a start time, e.g. 16:00."),
])
def test_a_refused_form_is_a_422_with_the_message_by_its_field_and_nothing_stored(app, client, tom, changes,
                                                                                   field, message):
    response = add(client, **changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = text_of(html, f"{field}-error")
    assert error and message in error
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert stored(app, HoursSeries) == 0 and stored(app, HoursWindow) == 0


def test_a_week_clashing_with_a_booked_conversation_is_skipped_and_says_why(app, client, tom):
    with app.app_context():
        jordan = make_candidate(name="Jordan Lee")
        make_meeting(jordan, tom, "confirmed", start=utc(10, 15, 30), length=30)  # Mon 10 Mar, 16:30 in Berlin
        db.session.commit()
    response = add(client)
    assert response.status_code == 303
    html = client.get("/office-hours/mine").get_data(as_text=True)
    assert "One week clashes with a booked conversation and is skipped." in html
    skipped = text_of(html, "upcoming")
    assert "Mon 10 Mar 2031, 16:00–17:00 CET · Skipped Clashes with the conversation with Jordan Lee at " \
           "Mon 10 Mar 2031, 16:30 CET" in skipped
    with app.app_context():
        statuses = list(db.session.scalars(sa.select(HoursWindow.status).order_by(HoursWindow.start_at)))
    assert statuses == ["scheduled", "skipped", "scheduled", "scheduled", "scheduled"]


def test_a_conversation_cant_be_confirmed_in_a_windows_time_and_calling_it_off_frees_it(app, client, tom):
    assert add(client).status_code == 303
    with app.app_context():
        jordan = make_candidate(name="Jordan Lee")
        meeting = make_meeting(jordan, tom, "invited", slots=[utc(10, 15, 15)])
        db.session.commit()
        with pytest.raises(SlotTaken):  # the database guard: the window holds that time
            confirm(db.session.get(Meeting, meeting.id), utc(10, 15, 15))
        db.session.rollback()
        window_id = db.session.scalar(sa.select(HoursWindow.id).where(HoursWindow.start_at == utc(10, 15)))
        meeting_id = meeting.id
    html = page(client)
    response = client.post(f"/office-hours/mine/windows/{window_id}/call-off", data={"csrf_token": csrf_in(html)})
    assert response.status_code == 303
    html = client.get("/office-hours/mine").get_data(as_text=True)
    assert "called off: that time is free again." in html
    assert "Mon 10 Mar 2031" not in text_of(html, "upcoming")
    with app.app_context():
        assert db.session.get(HoursWindow, window_id).status == WindowStatus.CANCELLED
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(BookedUnit)
                                     .where(BookedUnit.window_id == window_id))
        confirm(db.session.get(Meeting, meeting_id), utc(10, 15, 15))  # now it can be booked
        db.session.commit()
        assert db.session.get(Meeting, meeting_id).status == "confirmed"


def test_removing_weekly_hours_calls_their_windows_off(app, client, tom):
    assert add(client).status_code == 303
    with app.app_context():
        series_id = db.session.scalar(sa.select(HoursSeries.id))
    html = page(client)
    response = client.post(f"/office-hours/mine/series/{series_id}/remove", data={"csrf_token": csrf_in(html)},
                           headers=HTMX)
    assert response.status_code == 200
    assert "Monday office hours removed; 5 windows ahead called off." in text_of(response.get_data(as_text=True))
    with app.app_context():
        assert stored(app, HoursSeries) == 0
        assert set(db.session.scalars(sa.select(HoursWindow.status))) == {"cancelled"}
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(BookedUnit))


def test_a_window_already_called_off_cant_be_called_off_again(app, client, tom):
    assert add(client).status_code == 303
    with app.app_context():
        window_id = db.session.scalar(sa.select(HoursWindow.id).order_by(HoursWindow.start_at))
    html = page(client)
    client.post(f"/office-hours/mine/windows/{window_id}/call-off", data={"csrf_token": csrf_in(html)})
    response = client.post(f"/office-hours/mine/windows/{window_id}/call-off", data={"csrf_token": csrf_in(html)},
                           headers=HTMX)
    assert response.status_code == 409
    assert "Only office hours that haven't started can be called off." in text_of(response.get_data(as_text=True))


def test_the_staff_home_shows_the_office_hours_and_the_next_window(app, client, auth, tom, frozen):
    assert add(client, weekday="3").status_code == 303
    home = client.get("/").get_data(as_text=True)
    said = text_of(home, "office-hours")
    assert "Your office hours: Thursdays 16:00–17:00 CET · next: Thu 6 Mar 2031, 16:00–17:00 CET" in said
    assert "Go live now for 30 minutes" in said
    frozen.move_to(T0 + timedelta(days=30))
    with app.app_context():
        auth.login(db.session.get(User, tom))
    assert "CEST" in text_of(client.get("/").get_data(as_text=True), "office-hours")
