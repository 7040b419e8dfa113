"""The time-zone picker (issue 15, item 11): one zone per place, labelled with its offset now and its
city, found by typing a city; old names still understood and shown as today's; bad input refused.

Frozen at helpers.T0 (Monday 3 March 2031, 12:00 UTC: Berlin UTC+1, New York UTC-5), and in July for
summer time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff, make_user
from helpers import Auth, csrf_in, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.zones import zone_options

SUMMER = datetime(2031, 7, 1, 12, 0, tzinfo=UTC)
OFFSET = re.compile(r"^GMT([+-])(\d{2}):(\d{2}) · ")


def minutes(label: str) -> int:
    sign, hours, mins = OFFSET.match(label).groups()
    return (1 if sign == "+" else -1) * (int(hours) * 60 + int(mins))


def test_the_list_names_each_place_once_with_its_offset_now_sorted_by_offset_then_city(frozen):
    options = dict(zone_options())
    assert options["Europe/Berlin"] == "GMT+01:00 · Berlin, Germany (Europe/Berlin)"
    assert options["Asia/Kolkata"] == "GMT+05:30 · Kolkata, India (Asia/Kolkata)"
    assert options["America/New_York"] == "GMT-05:00 · New York, United States (America/New_York)"
    assert options["UTC"] == "GMT+00:00 · Coordinated Universal Time (UTC)"
    assert "Europe/Stockholm" in options  # each country's own name stays findable
    for alias in ("Asia/Calcutta", "Africa/Asmera", "US/Eastern", "Europe/Kiev", "Etc/UTC", "GMT", "EST"):
        assert alias not in options, alias
    assert 350 < len(options) < 500  # not the ~600 names with every alias

    labels = [label for _, label in zone_options()]
    order = [(minutes(label), re.split(r",| \(", OFFSET.sub("", label))[0].casefold()) for label in labels]
    assert order == sorted(order)

    frozen.move_to(SUMMER, tick=False)
    summer = dict(zone_options())
    assert summer["Europe/Berlin"] == "GMT+02:00 · Berlin, Germany (Europe/Berlin)"
    assert summer["America/New_York"].startswith("GMT-04:00 · New York")
    assert summer["Asia/Kolkata"].startswith("GMT+05:30")  # no summer time there


def test_the_kept_list_is_each_readers_language_and_its_own_minute(app, frozen):
    """The list is worked out once a minute per language: a German reader's places are German, the
    next English reader's English, and a clock change shows in the minute it happens."""
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("de"):
            german = dict(zone_options())
        with force_locale("ja"):
            japanese = dict(zone_options())
        english = dict(zone_options())
    assert german["Europe/Berlin"] == "GMT+01:00 · Berlin, Deutschland (Europe/Berlin)"
    assert japanese["Europe/Berlin"].startswith("GMT+01:00 · ベルリン, ドイツ")
    assert english["Europe/Berlin"] == "GMT+01:00 · Berlin, Germany (Europe/Berlin)"

    # Berlin's clocks go forward at 01:00 UTC on Sunday 30 March 2031.
    frozen.move_to(datetime(2031, 3, 30, 0, 59, 59, tzinfo=UTC), tick=False)
    assert dict(zone_options())["Europe/Berlin"].startswith("GMT+01:00")
    frozen.move_to(datetime(2031, 3, 30, 1, 0, 0, tzinfo=UTC), tick=False)
    assert dict(zone_options())["Europe/Berlin"].startswith("GMT+02:00")


@pytest.fixture
def candidate(app, client, frozen):
    """Jordan, a candidate whose zone was saved under its old name (Asia/Calcutta), signed in."""
    with app.app_context():
        jordan = make_candidate(name="Jordan Lee", timezone="Asia/Calcutta")
        db.session.commit()
        Auth(app, client).login(jordan.user)
        return jordan.user.id


def zone_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).timezone


def save(client, zone: str):
    token = csrf_in(client.get("/settings").get_data(as_text=True))
    return client.post("/settings", data={"csrf_token": token, "timezone": zone, "day_start": "07:00",
                                          "day_end": "21:00"}, follow_redirects=True)


def test_an_old_zone_name_shows_as_todays_with_the_list_and_the_device_offer(client, candidate):
    html = client.get("/settings").get_data(as_text=True)
    box = re.search(r'<input [^>]*name="timezone"[^>]*>', html).group(0)
    assert 'value="Asia/Kolkata"' in box and 'list="timezone-zones"' in box
    assert '<label for="timezone">Your time zone</label>' in html
    assert "Now GMT+05:30 · Kolkata, India" in text_of(html)
    assert "Type a city or a country, like Lisbon or India, and pick the zone." in text_of(html)
    datalist = re.search(r'<datalist id="timezone-zones">(.*?)</datalist>', html, re.DOTALL).group(1)
    assert '<option value="Asia/Kolkata" label="GMT+05:30 · Kolkata, India (Asia/Kolkata)"></option>' in datalist
    assert 'value="Asia/Calcutta"' not in datalist
    assert 'data-device-zone' in html  # app.js may offer this device's zone: it is Jordan's own
    assert re.search(r'<script src="/static/[0-9a-f]{12}/app\.js" defer></script>', html)


@pytest.mark.parametrize("typed, stored, described", [
    ("Asia/Calcutta", "Asia/Kolkata", "GMT+05:30 · Kolkata, India"),
    ("  Tokyo ", "Asia/Tokyo", "GMT+09:00 · Tokyo, Japan"),
    ("lisbon", "Europe/Lisbon", "GMT+00:00 · Lisbon, Portugal"),
    ("europe/berlin", "Europe/Berlin", "GMT+01:00 · Berlin, Germany"),
    ("Kiev", "Europe/Kyiv", "GMT+02:00 · Kyiv, Ukraine"),
    ("India", "Asia/Kolkata", "GMT+05:30 · Kolkata, India"),
    ("GMT-05:00 · New York, United States (America/New_York)", "America/New_York",
     "GMT-05:00 · New York, United States"),
    ("Etc/UTC", "UTC", "GMT+00:00 · Coordinated Universal Time"),
])
def test_a_zone_typed_as_a_city_or_an_old_name_is_saved_under_its_name_and_named_with_its_offset(
        app, client, candidate, typed, stored, described):
    page = save(client, typed)
    assert page.status_code == 200
    assert f"Saved. We offer you times between 07:00–21:00, {stored} ({described})." in text_of(
        page.get_data(as_text=True))
    assert zone_of(app, candidate) == stored


@pytest.mark.parametrize("typed, message", [
    ("Atlantis", "Choose a time zone from the list, like Europe/Berlin."),
    ("", "Choose a time zone from the list, like Europe/Berlin."),
    ("Europe", "Choose a time zone from the list, like Europe/Berlin."),
    ("UTC\n", "Choose a time zone from the list, like Europe/Berlin."),
    ("Europe/" + "y" * 5000, "Choose a time zone from the list, like Europe/Berlin."),
    ("Germany", "Germany has 2 time zones: type a city instead, like Berlin or Busingen."),
    # the database keeps EST as Panama's zone (no summer time): someone in New York typing it would be an hour out
    ("EST", "EST is an abbreviation several places share: type your city instead, like New York or Berlin."),
    ("cet", "cet is an abbreviation several places share: type your city instead, like New York or Berlin."),
    ("PST8PDT", "PST8PDT is an abbreviation several places share: type your city instead"),
    ('"><script>alert(1)</script>', "Choose a time zone from the list, like Europe/Berlin."),
])
def test_a_zone_that_names_no_place_is_refused_with_a_message_and_nothing_saved(app, client, candidate, typed,
                                                                                message):
    token = csrf_in(client.get("/settings").get_data(as_text=True))
    response = client.post("/settings", data={"csrf_token": token, "timezone": typed, "day_start": "06:00",
                                              "day_end": "21:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in text_of(html)
    assert 'aria-invalid="true"' in re.search(r'<input [^>]*name="timezone"[^>]*>', html).group(0)
    assert "<script>alert" not in html  # what was typed comes back escaped, to be corrected
    with app.app_context():
        user = db.session.get(User, candidate)
        assert (user.timezone, user.day_start) == ("Asia/Calcutta", 420)


def test_the_candidates_home_says_which_zone_times_are_in_and_links_to_change_it(client, candidate):
    html = client.get("/").get_data(as_text=True)
    assert "Times shown in Asia/Calcutta · change your time zone" in text_of(html)
    assert re.search(r'<a href="/settings">change your time zone</a>', html)


def test_a_recruiter_types_a_city_for_a_new_candidate_and_is_not_offered_their_own_device_zone(
        frozen, app, client, riley):
    page = client.get("/recruiter/candidates/new").get_data(as_text=True)
    assert 'value="Europe/London"' in re.search(r'<input [^>]*name="timezone"[^>]*>', page).group(0)
    assert "data-device-zone" not in page  # the recruiter's device says nothing of the candidate's zone
    response = client.post("/recruiter/candidates/new", data={
        "csrf_token": csrf_in(page), "name": "Alex Chen", "email": "alex@example.com", "timezone": "calcutta",
        "position_id": "new", "new_position_title": "Engineer", "new_position_team": "", "owner_id": str(riley),
        "decision_deadline": "2031-03-20T17:00", "source": ""})
    assert response.status_code == 302, re.findall(r'class="field-error">([^<]*)', response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(sa.select(User.timezone).where(User.email == "alex@example.com")) == "Asia/Kolkata"


def test_a_persons_own_profile_offers_their_device_zone_and_the_recruiters_form_does_not(app, client, frozen):
    with app.app_context():
        person = make_staff("team", name="Tom Becker", timezone="Europe/Kiev")
        recruiter = make_user("recruiter", name="Riley Morgan", timezone="Europe/London")
        db.session.commit()
        person_id, recruiter_id = person.id, recruiter.id
        Auth(app, client).login(person)
    own = client.get("/profile").get_data(as_text=True)
    assert 'value="Europe/Kyiv"' in re.search(r'<input [^>]*name="timezone"[^>]*>', own).group(0)
    assert "data-device-zone" in own and "Now GMT+02:00 · Kyiv, Ukraine" in text_of(own)
    with app.app_context():
        Auth(app, client).login(db.session.get(User, recruiter_id))
    theirs = client.get(f"/recruiter/people/{person_id}/edit")
    assert theirs.status_code == 200
    html = theirs.get_data(as_text=True)
    assert 'value="Europe/Kyiv"' in html and "data-device-zone" not in html
    assert "Now GMT+02:00 · Kyiv, Ukraine" in text_of(html)
