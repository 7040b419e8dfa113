"""Fixes from a review of the office hours views, each as a user would notice it:

- a candidate in the queue (or talking) when the person is hidden can still open the window's page,
  leave or end their talk, and can't join again; anyone else gets "These office hours are no longer
  open" (410), e.g. from a watcher's mail;
- hiding or editing a person moves the poll clock, and hiding them while live closes their window;
- no shared link to a hidden person's window, and an earlier one says the office hours are no longer open;
- a date at the calendar's edge is a 422 by its field, not a 500;
- an expired form on a candidate's action is a 422 with the window and "This form has expired".

The clock is stopped at T0: Monday 3 March 2031, 12:00 UTC.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_position, make_staff, make_user
from helpers import HTMX, Auth, count, csrf_in, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.office_hours import clock, queue, windows
from portal.office_hours.models import EntryStatus, HoursEntry, HoursLink, HoursWindow, WindowStatus
from portal.people.models import StaffProfile
from portal.timeutil import utcnow

GONE = "These office hours are no longer open"


def sign_in(app, user_id):
    client = app.test_client()
    with app.app_context():
        Auth(app, client).login(db.session.get(User, user_id))
    return client


def make_world(app) -> SimpleNamespace:
    with app.app_context():
        amara = make_staff("leadership", name="Amara Okafor", timezone="Europe/Berlin")
        riley = make_user("recruiter", name="Riley Morgan", timezone="America/Los_Angeles")
        backend = make_position("Backend Engineer")
        jordan = make_candidate(position=backend, name="Jordan Lee", timezone="America/New_York")
        sam = make_candidate(position=backend, name="Sam Rivera")
        db.session.commit()
        world = SimpleNamespace(app=app, amara=amara.id, riley=riley.id, backend=backend.id,
                                jordan=jordan.user_id, jordan_candidate=jordan.id, sam=sam.user_id)
        window = windows.go_live_now(amara, 60, utcnow(), amara)
        db.session.commit()
        world.window = window.id
    world.jordan_client = sign_in(app, world.jordan)
    world.sam_client = sign_in(app, world.sam)
    return world


@pytest.fixture
def world(make_app, frozen):
    """CSRF off for brevity (the CSRF tests below keep it on)."""
    return make_world(make_app(WTF_CSRF_ENABLED=False))


def hide_without_telling(world):
    """Hidden behind the services' back (a race, or a path that announces nothing): the window stays live."""
    with world.app.app_context():
        db.session.get(StaffProfile, world.amara).visible = False
        db.session.commit()


def my_status(world):
    with world.app.app_context():
        return db.session.scalar(sa.select(HoursEntry.status).where(HoursEntry.candidate_id == world.jordan_candidate)
                                 .order_by(HoursEntry.id.desc()).limit(1))


# --- 1. a candidate isn't stuck when the person is hidden ------------------------------------------------


def test_a_waiting_candidate_can_still_see_and_leave_a_hidden_persons_queue_but_not_join_again(world):
    assert world.jordan_client.post(f"/office-hours/{world.window}/join").status_code == 303
    hide_without_telling(world)
    page = world.jordan_client.get(f"/office-hours/{world.window}")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True), "hours-window")
    assert GONE in text and "You're number 1 in the queue" in text
    left = world.jordan_client.post(f"/office-hours/{world.window}/leave", headers=HTMX)
    assert left.status_code == 200 and "no longer in the queue" in text_of(left.get_data(as_text=True))
    assert my_status(world) == EntryStatus.LEFT
    assert "Join the queue" not in text_of(left.get_data(as_text=True))
    again = world.jordan_client.post(f"/office-hours/{world.window}/join")
    assert again.status_code == 422 and GONE in text_of(again.get_data(as_text=True), "hours-window")
    assert my_status(world) == EntryStatus.LEFT
    # Free to join someone else's queue.
    with world.app.app_context():
        assert queue.open_entry(db.session.get(User, world.jordan).candidacy) is None


def test_a_candidate_talking_with_a_person_hidden_meanwhile_can_end_the_talk(world):
    world.jordan_client.post(f"/office-hours/{world.window}/join")
    with world.app.app_context():
        queue.admit_next(db.session.get(HoursWindow, world.window), utcnow(), None)
        db.session.commit()
    hide_without_telling(world)
    assert "End talk" in text_of(world.jordan_client.get(f"/office-hours/{world.window}").get_data(as_text=True))
    assert world.jordan_client.post(f"/office-hours/{world.window}/leave").status_code == 303
    assert my_status(world) == EntryStatus.DONE


def test_a_hidden_persons_window_says_it_is_no_longer_open_to_someone_never_in_it(world):
    """E.g. Sam, from a "they're live" mail sent to watchers: a page that says so, and joining is a 404."""
    hide_without_telling(world)
    page = world.sam_client.get(f"/office-hours/{world.window}")
    assert page.status_code == 410
    text = text_of(page.get_data(as_text=True))
    assert GONE in text and "Amara" not in text
    assert world.sam_client.post(f"/office-hours/{world.window}/join").status_code == 404
    assert world.sam_client.post(f"/office-hours/{world.window}/leave").status_code == 404
    assert world.sam_client.get("/office-hours/999999").status_code == 404


def test_hiding_a_live_person_closes_their_window_and_moves_the_poll_clock(world):
    world.jordan_client.post(f"/office-hours/{world.window}/join")
    poll = world.sam_client.get("/office-hours/presence?view=directory")
    assert "Amara Okafor" in text_of(poll.get_data(as_text=True))
    stamp = poll.headers["ETag"].strip('"')
    riley = sign_in(world.app, world.riley)
    assert riley.post(f"/recruiter/people/{world.amara}/visibility").status_code in (302, 303)
    with world.app.app_context():
        assert db.session.get(HoursWindow, world.window).status == WindowStatus.CLOSED
    assert my_status(world) == EntryStatus.CLOSED  # told kindly, by the queue's own closing
    again = world.sam_client.get(f"/office-hours/presence?view=directory&since={stamp}")
    assert again.status_code == 200 and "Amara Okafor" not in text_of(again.get_data(as_text=True))
    # Jordan can still read what happened.
    assert world.jordan_client.get(f"/office-hours/{world.window}").status_code == 200


def test_editing_a_person_moves_the_poll_clock(world):
    with world.app.app_context():
        before = clock.read()[0]
    riley = sign_in(world.app, world.riley)
    form = {"name": "Amara Okafor", "email": "amara@example.com", "timezone": "Europe/Berlin", "group": "leadership",
            "title": "Chief Executive Officer", "team": "Executive", "needs_approval": "yes", "visible": "y",
            "weekly_cap": "3", "accepting_requests": "y"}
    assert riley.post(f"/recruiter/people/{world.amara}/edit", data=form).status_code in (302, 303)
    with world.app.app_context():
        assert clock.read()[0] > before
        assert db.session.get(HoursWindow, world.window).status == WindowStatus.LIVE  # still visible: still live


# --- 2. shared links to a hidden person -------------------------------------------------------------------


def make_link(client, world, **changes):
    return client.post(f"/recruiter/people/{world.amara}/office-hours/links",
                       data={"window_id": str(world.window), "audience": f"position:{world.backend}", "deadline": "",
                             **changes})


def test_no_link_to_a_hidden_persons_window(world):
    hide_without_telling(world)
    riley = sign_in(world.app, world.riley)
    response = make_link(riley, world)
    assert response.status_code == 422
    assert "Amara Okafor is hidden from candidates" in text_of(response.get_data(as_text=True), "window_id-error")
    with world.app.app_context():
        assert count(HoursLink) == 0


def test_a_link_to_a_person_hidden_later_says_the_office_hours_are_no_longer_open(world):
    riley = sign_in(world.app, world.riley)
    made = make_link(riley, world)
    assert made.status_code == 201
    token = made.get_data(as_text=True).split("/office-hours/join/", 1)[1].split('"', 1)[0]
    assert world.jordan_client.get(f"/office-hours/join/{token}").status_code == 303
    hide_without_telling(world)
    response = world.jordan_client.get(f"/office-hours/join/{token}")
    assert response.status_code == 410
    assert GONE in text_of(response.get_data(as_text=True))


def test_a_deadline_at_the_calendars_edge_is_refused_by_its_field(world):
    riley = sign_in(world.app, world.riley)  # in Los Angeles: 9999-12-31 23:59 there is past year 9999 in UTC
    response = make_link(riley, world, deadline="9999-12-31T23:59")
    assert response.status_code == 422
    assert "Choose a deadline no later than the window's end." in text_of(response.get_data(as_text=True),
                                                                          "deadline-error")
    with world.app.app_context():
        assert count(HoursLink) == 0


# --- 3. dates at the calendar's edge on the set-up forms --------------------------------------------------


@pytest.fixture
def tom(app, client, auth, frozen):
    with app.app_context():
        person = make_staff(name="Tom Becker", timezone="America/New_York")
        db.session.commit()
        auth.login(person)
        return person.id


def post_form(client, path, data):
    html = client.get("/office-hours/mine").get_data(as_text=True)
    return client.post(path, data={**data, "csrf_token": csrf_in(html)})


@pytest.mark.parametrize("day, start, end, field, message", [
    ("9999-12-31", "22:00", "23:00", "once-day", "Choose a date within the next 90 days."),  # past year 9999 in UTC
    ("0001-01-01", "00:00", "01:00", "once-start_time", "Choose a start that is still ahead."),
])
def test_once_at_the_calendars_edge_is_refused_by_its_field(app, client, tom, day, start, end, field, message):
    """Tom is in New York."""
    response = post_form(client, "/office-hours/mine/windows",
                         {"day": day, "start_time": start, "end_time": end, "talk_minutes": "15", "cap": "3"})
    assert response.status_code == 422
    assert message in text_of(response.get_data(as_text=True), f"{field}-error")
    with app.app_context():
        assert count(HoursWindow) == 0


@pytest.mark.parametrize("path, data", [
    ("/office-hours/mine/series", {"weekday": "6", "start_time": "23:00", "end_time": "23:59", "zone": "Pacific/Kiritimati",
                                   "talk_minutes": "15", "cap": "99999999999999999999"}),
    ("/office-hours/mine/series", {"weekday": "9999", "start_time": "00:00", "end_time": "23:59", "zone": "Etc/GMT+12",
                                   "talk_minutes": "30", "cap": "4"}),
    ("/office-hours/mine/live", {"minutes": "99999999999", "talk_minutes": "15", "cap": "4"}),
    ("/office-hours/mine/live", {"minutes": "30", "talk_minutes": "15", "cap": "-99999999999999999999"}),
])
def test_extreme_values_on_the_weekly_and_live_forms_are_422(app, client, tom, path, data):
    response = post_form(client, path, data)
    assert response.status_code == 422
    with app.app_context():
        assert count(HoursWindow) == 0


# --- 4. an expired form on a candidate's action ----------------------------------------------------------


def test_an_expired_form_on_join_says_so_and_changes_nothing(make_app, frozen):
    """With CSRF on as in production: the app-wide check answers first, with the whole page (htmx
    retargets it to the body), "This form has expired", nothing stored."""
    world = make_world(make_app())
    response = world.jordan_client.post(f"/office-hours/{world.window}/join", data={"csrf_token": "stale"},
                                        headers=HTMX)
    assert response.status_code == 400
    assert "This form has expired" in text_of(response.get_data(as_text=True))
    assert response.headers.get("HX-Retarget") == "body"
    assert my_status(world) is None


def test_an_expired_form_reaching_the_view_is_a_422_with_the_window(make_app, frozen):
    """Should the app-wide check let one by (WTF_CSRF_CHECK_DEFAULT off), the action answers like
    every other refusal: 422, the window's block with the message, not a bare 400."""
    world = make_world(make_app(WTF_CSRF_CHECK_DEFAULT=False))
    response = world.jordan_client.post(f"/office-hours/{world.window}/join", data={"csrf_token": "stale"},
                                        headers=HTMX)
    assert response.status_code == 422
    text = text_of(response.get_data(as_text=True), "hours-window")
    assert "This form has expired. Reload the page and try again." in text and "Join the queue" in text
    assert my_status(world) is None


def test_once_at_the_calendars_start_in_a_zone_ahead_of_utc_is_refused_by_the_date(world):
    """0001-01-01 00:00 in Tokyo is before year 1 in UTC."""
    with world.app.app_context():
        kenji = make_staff(name="Kenji Sato", timezone="Asia/Tokyo")
        db.session.commit()
        kenji_id = kenji.id
    riley = sign_in(world.app, world.riley)
    response = riley.post(f"/recruiter/people/{kenji_id}/office-hours/windows",
                          data={"day": "0001-01-01", "start_time": "00:00", "end_time": "01:00", "talk_minutes": "15",
                                "cap": "3"})
    assert response.status_code == 422
    assert "Choose a date within the next 90 days." in text_of(response.get_data(as_text=True), "once-day-error")
    with world.app.app_context():
        assert count(HoursWindow, HoursWindow.staff_id == kenji_id) == 0
