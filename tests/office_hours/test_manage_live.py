"""Going live now from /office-hours/mine (and the home page's shortcut), opening the live page, and
who may see and change whose office hours (the person, a recruiter for them; another person's
series, windows and links are a 404; candidates a 403).

The clock is stopped at T0: Monday 3 March 2031, 12:00 UTC (13:00 in Berlin).
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_meeting, make_staff, make_user
from helpers import HTMX, T0, csrf_in, text_of

from portal.auth.models import ActionToken, User
from portal.extensions import db
from portal.office_hours import notify, windows
from portal.office_hours.models import HoursSeries, HoursWindow, WindowStatus
from portal.office_hours.windows import SeriesData

LIVE = {"minutes": "30", "talk_minutes": "10", "cap": "3"}


@pytest.fixture
def tom(signed_in_tom) -> int:
    """Tom Becker, in Berlin, signed in on ``client`` (conftest.py); his user id."""
    return signed_in_tom


def csrf(client, path="/office-hours/mine") -> str:
    return csrf_in(client.get(path).get_data(as_text=True))


def sign_in(app, auth, user_id: int) -> None:
    with app.app_context():
        auth.login(db.session.get(User, user_id))


def test_going_live_now_opens_the_live_page(app, client, tom):
    response = client.post("/office-hours/mine/live", data={**LIVE, "auto_admit": "y", "csrf_token": csrf(client)})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/office-hours/host/")
    with app.app_context():
        window = db.session.scalar(sa.select(HoursWindow))
        assert (window.status, window.talk_minutes, window.cap, window.auto_admit) == ("live", 10, 3, True)
        assert (window.end_at - window.start_at).total_seconds() == 30 * 60
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionToken)
                                 .where(ActionToken.purpose == notify.HOST)) == 1
    html = client.get("/office-hours/mine").get_data(as_text=True)
    assert "Live until Mon 3 Mar 2031, 13:30 CET" in text_of(html, "live")
    response = client.post("/office-hours/mine/live/open", data={"csrf_token": csrf_in(html)})
    assert response.status_code == 303 and response.headers["Location"].startswith("/office-hours/host/")


def test_going_live_over_a_booked_conversation_is_refused_with_why(app, client, tom):
    with app.app_context():
        jordan = make_candidate(name="Jordan Lee")
        make_meeting(jordan, tom, "confirmed", start=datetime(2031, 3, 3, 12, 30, tzinfo=UTC))
        db.session.commit()
    response = client.post("/office-hours/mine/live", data={**LIVE, "minutes": "60", "csrf_token": csrf(client)})
    assert response.status_code == 422
    said = text_of(response.get_data(as_text=True), "live-minutes-error")
    assert said == ("You have a conversation with Jordan Lee at Mon 3 Mar 2031, 13:30 CET (Europe/Berlin): "
                    "choose a shorter time, or go live after it.")
    with app.app_context():
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(HoursWindow))
    # 30 minutes end as the conversation starts: fine.
    assert client.post("/office-hours/mine/live", data={**LIVE, "csrf_token": csrf(client)}).status_code == 303


def test_going_live_with_bad_settings_is_a_422_and_nothing_opens(app, client, tom):
    response = client.post("/office-hours/mine/live", data={"minutes": "7", "talk_minutes": "15", "cap": "0",
                                                            "csrf_token": csrf(client)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert text_of(html, "live-minutes-error") == "Not a valid choice."
    assert text_of(html, "live-cap-error") == "Allow between 1 and 12 talks per window."
    with app.app_context():
        assert not db.session.scalar(sa.select(sa.func.count()).select_from(HoursWindow))


def test_the_home_shortcut_goes_live_with_the_persons_usual_settings(app, client, tom):
    with app.app_context():
        person = db.session.get(User, tom)
        windows.add_series(person, SeriesData(weekday=3, start_time=time(16), end_time=time(17), zone="Europe/Berlin",
                                              talk_minutes=20, cap=2), T0, person)
        db.session.commit()
    home = client.get("/").get_data(as_text=True)
    response = client.post("/office-hours/mine/live", data={"minutes": "30", "talk_minutes": "20", "cap": "2",
                                                            "csrf_token": csrf_in(home)})
    assert 'name="talk_minutes" value="20"' in home and 'name="cap" value="2"' in home
    assert response.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "You're live until Mon 3 Mar 2031, 13:30 CET" in text_of(home, "office-hours")
    assert "Open your live page" in text_of(home, "office-hours")


def test_open_live_page_without_office_hours_says_so(client, tom):
    response = client.post("/office-hours/mine/live/open", data={"csrf_token": csrf(client)})
    assert response.status_code == 303 and response.headers["Location"] == "/office-hours/mine"
    assert "You're not live and have no office hours ahead." in \
        text_of(client.get("/office-hours/mine").get_data(as_text=True))


def test_the_live_page_of_the_next_office_hours_opens_before_they_start(app, client, tom):
    with app.app_context():
        person = db.session.get(User, tom)
        windows.add_series(person, SeriesData(weekday=3, start_time=time(16), end_time=time(17), zone="Europe/Berlin"),
                           T0, person)
        db.session.commit()
        first = windows.upcoming(T0, tom)[0].id
    html = client.get("/office-hours/mine").get_data(as_text=True)
    assert "Your next office hours: Thu 6 Mar 2031, 16:00–17:00 CET." in text_of(html, "live")
    response = client.post("/office-hours/mine/live/open", data={"csrf_token": csrf_in(html)})
    assert response.status_code == 303 and response.headers["Location"].startswith("/office-hours/host/")
    with app.app_context():
        token = db.session.scalar(sa.select(ActionToken).where(ActionToken.purpose == notify.HOST))
        assert (token.subject_id, token.user_id) == (first, tom)


# --- whose office hours -------------------------------------------------------------------------------


@pytest.fixture
def amara_hours(app, frozen):
    """Amara's weekly office hours (another person): (her id, the series id, her first window's id)."""
    with app.app_context():
        amara = make_staff("leadership", name="Amara Okafor", timezone="Europe/Berlin")
        series = windows.add_series(amara, SeriesData(weekday=2, start_time=time(9), end_time=time(10),
                                                      zone="Europe/Berlin"), T0, amara)
        db.session.commit()
        return amara.id, series.id, windows.upcoming(T0, amara.id)[0].id


def test_another_persons_series_and_windows_are_not_found(app, client, tom, amara_hours):
    amara, series_id, window_id = amara_hours
    token = csrf(client)
    assert client.post(f"/office-hours/mine/series/{series_id}/remove", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/office-hours/mine/windows/{window_id}/call-off",
                       data={"csrf_token": token}).status_code == 404
    assert client.get(f"/recruiter/people/{amara}/office-hours").status_code == 403
    with app.app_context():
        assert db.session.get(HoursWindow, window_id).status == WindowStatus.SCHEDULED
        assert db.session.get(HoursSeries, series_id) is not None
    assert "Wednesdays" not in text_of(client.get("/office-hours/mine").get_data(as_text=True), "series")


def test_a_recruiter_sets_office_hours_up_for_a_person(app, client, auth, tom, amara_hours):
    amara, series_id, window_id = amara_hours
    with app.app_context():
        riley = make_user("recruiter", name="Riley Morgan", timezone="America/New_York")
        db.session.commit()
        riley_id = riley.id
    sign_in(app, auth, riley_id)
    path = f"/recruiter/people/{amara}/office-hours"
    html = client.get(path).get_data(as_text=True)
    assert "Amara Okafor's office hours" in text_of(html)
    assert 'value="Europe/Berlin"' in html  # the person's zone, not the recruiter's
    # Shown in the recruiter's zone, with Amara's own time beside it.
    assert "Wed 5 Mar 2031, 03:00–04:00 EST (09:00–10:00 CET for Amara)" in text_of(html, "upcoming")
    assert "Go live now" not in text_of(html, "live") and "Amara isn't live now." in text_of(html, "live")
    response = client.post(f"{path}/series", data={"weekday": "4", "start_time": "14:00", "end_time": "15:00",
                                                   "zone": "Europe/Berlin", "talk_minutes": "20", "cap": "3",
                                                   "csrf_token": csrf_in(html)})
    assert response.status_code == 303 and response.headers["Location"] == path
    with app.app_context():
        added = db.session.scalar(sa.select(HoursSeries).where(HoursSeries.weekday == 4))
        assert (added.staff_id, added.created_by_id) == (amara, riley_id)
    response = client.post(f"{path}/windows/{window_id}/call-off", data={"csrf_token": csrf_in(html)}, headers=HTMX)
    assert response.status_code == 200 and "called off" in text_of(response.get_data(as_text=True))
    # Tom's series through Amara's page: not found.
    with app.app_context():
        tom_series = windows.add_series(db.session.get(User, tom), SeriesData(
            weekday=1, start_time=time(9), end_time=time(10), zone="Europe/Berlin"), T0, db.session.get(User, tom))
        db.session.commit()
        tom_series_id = tom_series.id
    assert client.post(f"{path}/series/{tom_series_id}/remove", data={"csrf_token": csrf_in(html)}).status_code == 404
    assert client.post(f"{path}/series/{series_id}/remove", data={"csrf_token": csrf_in(html)}).status_code == 303
    # Someone who isn't in the directory has no office hours page.
    assert client.get(f"/recruiter/people/{riley_id}/office-hours").status_code == 404


def test_the_recruiters_person_page_links_to_their_office_hours(app, client, auth, amara_hours):
    amara = amara_hours[0]
    with app.app_context():
        riley = make_user("recruiter", name="Riley Morgan")
        db.session.commit()
        riley_id = riley.id
    sign_in(app, auth, riley_id)
    html = client.get(f"/recruiter/people/{amara}/edit").get_data(as_text=True)
    assert f'href="/recruiter/people/{amara}/office-hours"' in html


def test_candidates_cant_open_office_hours_set_up(app, client, auth, amara_hours):
    amara = amara_hours[0]
    with app.app_context():
        jordan = make_candidate(name="Jordan Lee")
        db.session.commit()
        jordan_id = jordan.user_id
    sign_in(app, auth, jordan_id)
    assert client.get("/office-hours/mine").status_code == 403
    assert client.get(f"/recruiter/people/{amara}/office-hours").status_code == 403


def test_the_page_as_an_htmx_fragment_and_the_staff_nav_link(client, tom):
    html = client.get("/office-hours/mine").get_data(as_text=True)
    assert '<a href="/office-hours/mine" aria-current="page">Office hours</a>' in html
    fragment = client.get("/office-hours/mine", headers=HTMX)
    assert fragment.status_code == 200 and "Vary" in fragment.headers
