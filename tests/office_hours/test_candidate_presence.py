"""Presence: who is live now, as a candidate sees it on the directory, a profile and the home page, kept
current by a poll that costs one small query while nothing changes (204, or 304 to an ETag); upcoming
windows in the candidate's zone; "tell me when they next go live".

The story is test_candidate_views.py's (frozen at Monday 3 March 2031, 12:00 UTC).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from factories import make_user
from helpers import HTMX, sql_statements, text_of
from test_candidate_views import go_live, make_world, sign_in

from portal.extensions import db
from portal.office_hours.models import HoursWatch, HoursWindow
from portal.timeutil import utcnow


@pytest.fixture
def world(make_app, frozen):
    return make_world(make_app(WTF_CSRF_ENABLED=False))


def poll_url(html: str) -> str:
    match = re.search(r'id="hours-presence"[^>]*data-hx-get="([^"]+)"', html)
    assert match, "no polling presence block"
    return match.group(1).replace("&amp;", "&")


def scheduled(world, person_id, hours_ahead: int, length: int = 60) -> int:
    with world.app.app_context():
        now = utcnow()
        window = HoursWindow(staff_id=person_id, start_at=now + timedelta(hours=hours_ahead),
                             end_at=now + timedelta(hours=hours_ahead, minutes=length))
        db.session.add(window)
        db.session.commit()
        return window.id


@pytest.mark.parametrize("path", ["/people", "/", "/people/{amara}"])
def test_who_is_live_shows_on_the_directory_home_and_profile(world, path):
    window_id = go_live(world)
    world.sam_client.post(f"/office-hours/{window_id}/join")
    html = world.client.get(path.format(amara=world.amara)).get_data(as_text=True)
    text = text_of(html, "hours-presence")
    assert "Available now · 60 min left · 1 waiting" in text
    assert f'action="/office-hours/{window_id}/join"' in html
    assert "Join Amara Okafor's queue" in text


def test_a_full_window_says_full_instead_of_join(world):
    window_id = go_live(world, cap=1)
    world.sam_client.post(f"/office-hours/{window_id}/join")
    html = world.client.get("/people").get_data(as_text=True)
    assert "Full" in text_of(html, "hours-presence")
    assert f"/office-hours/{window_id}/join" not in html


def test_the_candidate_in_a_queue_is_pointed_to_their_place(world):
    window_id = go_live(world)
    world.client.post(f"/office-hours/{window_id}/join")
    text = text_of(world.client.get("/").get_data(as_text=True), "hours-presence")
    assert "You're in Amara's queue: see your place" in text


def test_nobody_live_leaves_an_empty_block_that_still_polls(world):
    html = world.client.get("/people").get_data(as_text=True)
    assert text_of(html, "hours-presence") == ""
    assert 'data-hx-trigger="every 5s"' in html


def test_a_person_going_live_shows_at_the_next_poll_and_nothing_changed_is_a_204(world):
    url = poll_url(world.client.get("/people").get_data(as_text=True))
    assert "view=directory" in url
    same = world.client.get(url, headers=HTMX)
    assert same.status_code == 204 and same.get_data() == b""
    go_live(world)
    fresh = world.client.get(url, headers=HTMX)
    assert fresh.status_code == 200
    html = fresh.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="hours-presence"')
    assert "Available now" in text_of(html, "hours-presence")
    next_url = poll_url(html)
    assert next_url != url
    assert world.client.get(next_url, headers=HTMX).status_code == 204


def test_the_unchanged_poll_reads_only_the_clock(world):
    url = poll_url(world.client.get("/").get_data(as_text=True))
    with sql_statements(world.app) as seen:
        assert world.client.get(url, headers=HTMX).status_code == 204
    # the signed-in user (login_required) and the clock row, nothing else
    assert len(seen.selects) <= 2, seen
    assert any("hours_clock" in statement for statement in seen.selects)


def test_etag_and_304(world):
    response = world.client.get("/office-hours/presence")
    etag = response.headers["ETag"]
    assert world.client.get("/office-hours/presence", headers={"If-None-Match": etag}).status_code == 304
    go_live(world)
    changed = world.client.get("/office-hours/presence", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_minutes_left_move_while_someone_is_live(world, frozen):
    go_live(world)
    url = poll_url(world.client.get("/people").get_data(as_text=True))
    frozen.move_to(utcnow() + timedelta(minutes=2))
    later = world.client.get(url, headers=HTMX)
    assert later.status_code == 200
    assert "58 min left" in text_of(later.get_data(as_text=True))


def test_upcoming_windows_on_the_profile_and_home_in_the_candidates_zone(world):
    scheduled(world, world.amara, hours_ahead=28)  # Tue 4 Mar 16:00 UTC: 11:00 in New York
    scheduled(world, world.tom, hours_ahead=24 * 9)  # beyond the week: not shown
    profile = text_of(world.client.get(f"/people/{world.amara}").get_data(as_text=True), "hours-presence")
    assert "Office hours" in profile
    assert "in your time zone (America/New_York)" in profile
    assert "Tue 4 Mar 2031, 11:00–12:00 EST" in profile
    home = text_of(world.client.get("/").get_data(as_text=True), "hours-presence")
    assert "Office hours this week" in home
    assert "Amara Okafor: Tue 4 Mar 2031, 11:00–12:00 EST" in home
    assert "Tom Becker" not in home
    # Sam, in London, sees the same window in their own zone
    sam = text_of(world.sam_client.get(f"/people/{world.amara}").get_data(as_text=True), "hours-presence")
    assert "Tue 4 Mar 2031, 16:00–17:00 GMT" in sam


def test_a_person_without_office_hours_shows_nothing_on_the_profile(world):
    html = world.client.get(f"/people/{world.tom}").get_data(as_text=True)
    assert text_of(html, "hours-presence") == ""
    assert "next goes live" not in html


def test_a_person_whose_office_hours_are_beyond_the_week_can_be_watched(world):
    """Nothing in the next 7 days, but Tom has office hours: the profile says so and offers to tell the
    candidate when he next goes live (a person who never had any shows nothing: the test above)."""
    scheduled(world, world.tom, hours_ahead=24 * 9)
    presence = text_of(world.client.get(f"/people/{world.tom}").get_data(as_text=True), "hours-presence")
    assert "Office hours" in presence and "No office hours in the next 7 days." in presence
    assert "Tell me when Tom next goes live" in presence
    world.client.post(f"/people/{world.tom}/office-hours/watch", data={"watch": "on"})
    watching = text_of(world.client.get(f"/people/{world.tom}").get_data(as_text=True), "hours-presence")
    assert "We'll e-mail you when Tom next goes live." in watching and "Don't e-mail me" in watching


def test_watch_toggle(world):
    scheduled(world, world.amara, hours_ahead=28)
    page = world.client.get(f"/people/{world.amara}").get_data(as_text=True)
    assert "Tell me when Amara next goes live" in text_of(page, "hours-presence")
    response = world.client.post(f"/people/{world.amara}/office-hours/watch", data={"watch": "on"})
    assert response.status_code == 303
    after = world.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We'll e-mail you when Amara next goes live." in text_of(after)
    assert "Don't e-mail me" in text_of(after, "hours-presence")
    # the same wish twice (a double click) changes nothing
    assert world.client.post(f"/people/{world.amara}/office-hours/watch", data={"watch": "on"}).status_code == 303
    with world.app.app_context():
        assert db.session.query(HoursWatch).count() == 1
    world.client.post(f"/people/{world.amara}/office-hours/watch", data={"watch": "off"})
    with world.app.app_context():
        assert db.session.query(HoursWatch).count() == 0
    again = world.client.get(f"/people/{world.amara}").get_data(as_text=True)
    assert "Tell me when Amara next goes live" in text_of(again, "hours-presence")


def test_watching_a_hidden_person_is_not_found_and_a_decided_candidate_is_refused(world):
    with world.app.app_context():
        from portal.candidates.models import Candidate
        from portal.people.models import StaffProfile

        db.session.get(StaffProfile, world.tom).visible = False
        db.session.get(Candidate, world.jordan_candidate).stage = "declined"
        db.session.commit()
    assert world.client.post(f"/people/{world.tom}/office-hours/watch", data={"watch": "on"}).status_code == 404
    refused = world.client.post(f"/people/{world.amara}/office-hours/watch", data={"watch": "on"})
    assert refused.status_code == 422
    assert "still deciding on their offer" in text_of(refused.get_data(as_text=True))
    with world.app.app_context():
        assert db.session.query(HoursWatch).count() == 0


def test_people_other_than_candidates_see_no_presence(world):
    go_live(world)
    with world.app.app_context():
        recruiter = make_user("recruiter")
        db.session.commit()
        rid = recruiter.id
    client = sign_in(world, rid)
    for path in ("/people", f"/people/{world.amara}"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="hours-presence"' not in html
    assert client.get("/office-hours/presence").status_code == 403
