"""The candidate's side of office hours over HTTP: a window's page, joining, waiting, talking, leaving,
and the refusals (full, not live, another queue, decided), each with what the candidate sees.

The story, frozen at ``helpers.T0`` (Monday 3 March 2031, 12:00 UTC; 07:00 in New York): Amara Okafor
(CEO, Berlin) goes live for 60 minutes with 15-minute talks; Jordan Lee (New York) and Sam Rivera
(London) are candidates at the offer stage.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from factories import make_candidate, make_staff
from helpers import HTMX, Auth, count, text_of

from portal.auth.models import User
from portal.extensions import db
from portal.office_hours import queue, windows
from portal.office_hours.models import EntryStatus, HoursEntry, HoursWindow
from portal.timeutil import utcnow


def sign_in(world, user_id):
    client = world.app.test_client()
    with world.app.app_context():
        Auth(world.app, client).login(db.session.get(User, user_id))
    return client


def go_live(world, person_id: int | None = None, minutes: int = 60, **settings) -> int:
    with world.app.app_context():
        person = db.session.get(User, person_id or world.amara)
        window = windows.go_live_now(person, minutes, utcnow(), person, **settings)
        db.session.commit()
        return window.id


def make_world(app) -> SimpleNamespace:
    with app.app_context():
        amara = make_staff("leadership", title="Chief Executive Officer", team="Executive", name="Amara Okafor",
                           timezone="Europe/Berlin")
        tom = make_staff("team", title="Senior Engineer", name="Tom Becker", timezone="America/Toronto")
        jordan = make_candidate(name="Jordan Lee", timezone="America/New_York")
        sam = make_candidate(name="Sam Rivera", timezone="Europe/London")
        db.session.commit()
        world = SimpleNamespace(app=app, amara=amara.id, tom=tom.id, jordan=jordan.user_id, sam=sam.user_id,
                                jordan_candidate=jordan.id, sam_candidate=sam.id)
    world.client = sign_in(world, world.jordan)
    world.sam_client = sign_in(world, world.sam)
    return world


@pytest.fixture
def world(make_app, frozen):
    """CSRF off for brevity (test_forms_work_with_csrf keeps it on)."""
    return make_world(make_app(WTF_CSRF_ENABLED=False))


def entries(world, window_id):
    with world.app.app_context():
        return [(e.candidate_id, e.position, e.status) for e in db.session.query(HoursEntry)
                .filter_by(window_id=window_id).order_by(HoursEntry.position)]


# --- the window page -----------------------------------------------------------------------------------


def test_a_live_window_shows_the_person_time_left_and_a_join_button(world):
    window_id = go_live(world)
    page = world.client.get(f"/office-hours/{window_id}")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True), "hours-window")
    assert "Office hours with Amara Okafor" in text
    assert "Live now · 60 min left" in text
    assert "15 minutes each" in text
    assert "0 waiting" in text
    assert "Join the queue" in text
    assert page.headers["ETag"]


def test_join_without_javascript_redirects_to_the_window_page_with_the_place(world):
    window_id = go_live(world)
    response = world.client.post(f"/office-hours/{window_id}/join")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/office-hours/{window_id}?done=joined")
    page = world.client.get(response.headers["Location"])
    text = text_of(page.get_data(as_text=True))
    assert "You're in the queue" in text
    assert "You're number 1 in the queue" in text
    assert "You're next" in text
    assert "Leave the queue" in text
    # The notice is part of the polled block: the page drawn again after a change no longer says it.
    again = text_of(world.client.get(f"/office-hours/{window_id}").get_data(as_text=True))
    assert "You're number 1 in the queue" in again and "You're in the queue." not in again


def test_join_with_htmx_answers_with_the_fresh_block(world):
    window_id = go_live(world)
    response = world.client.post(f"/office-hours/{window_id}/join", headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="hours-window"')
    assert "You're number 1 in the queue" in text_of(html)


def test_positions_and_estimated_wait(world):
    window_id = go_live(world)
    world.client.post(f"/office-hours/{window_id}/join")
    world.sam_client.post(f"/office-hours/{window_id}/join")
    assert [(p, s) for _, p, s in entries(world, window_id)] == [(1, "waiting"), (2, "waiting")]
    text = text_of(world.sam_client.get(f"/office-hours/{window_id}").get_data(as_text=True), "your-place")
    assert "You're number 2 in the queue" in text
    assert "About 15 minutes to wait (1 ahead of you)" in text


def test_joining_twice_changes_nothing(world):
    window_id = go_live(world)
    world.client.post(f"/office-hours/{window_id}/join")
    again = world.client.post(f"/office-hours/{window_id}/join")
    assert again.status_code == 303
    assert len(entries(world, window_id)) == 1


def test_one_queue_at_a_time(world):
    first, second = go_live(world), go_live(world, world.tom)
    world.client.post(f"/office-hours/{first}/join")
    # the other window's page says where they wait and what joining it does
    text = text_of(world.client.get(f"/office-hours/{second}").get_data(as_text=True), "your-place")
    assert "You're in Amara's queue" in text and "joining this one gives up your place there" in text
    assert "Leave Amara's queue and join this one" in text
    moved = world.client.post(f"/office-hours/{second}/join")
    assert moved.status_code == 303
    assert [status for _, _, status in entries(world, first)] == ["left"]
    assert [status for _, _, status in entries(world, second)] == ["waiting"]


def test_a_full_window_refuses_and_says_full(world):
    window_id = go_live(world, cap=1)
    world.sam_client.post(f"/office-hours/{window_id}/join")
    page = text_of(world.client.get(f"/office-hours/{window_id}").get_data(as_text=True), "your-place")
    assert "Full" in page and "Join the queue" not in page
    refused = world.client.post(f"/office-hours/{window_id}/join")
    assert refused.status_code == 422
    assert "Amara's office hours are full: every talk is taken." in text_of(refused.get_data(as_text=True))
    assert len(entries(world, window_id)) == 1


def test_a_window_not_live_yet_refuses_to_join(world):
    with world.app.app_context():
        now = utcnow()
        window = HoursWindow(staff_id=world.amara, start_at=now + timedelta(hours=3),
                             end_at=now + timedelta(hours=4))
        db.session.add(window)
        db.session.commit()
        window_id = window.id
    page = text_of(world.client.get(f"/office-hours/{window_id}").get_data(as_text=True), "hours-window")
    assert "Starts Mon 3 Mar 2031, 10:00 EST" in page
    assert "Join the queue" not in page
    refused = world.client.post(f"/office-hours/{window_id}/join")
    assert refused.status_code == 422
    assert "Amara isn't live right now." in text_of(refused.get_data(as_text=True))
    assert entries(world, window_id) == []


def test_a_decided_candidate_is_refused(world):
    window_id = go_live(world)
    with world.app.app_context():
        from portal.candidates.models import Candidate

        db.session.get(Candidate, world.jordan_candidate).stage = "accepted"
        db.session.commit()
    page = text_of(world.client.get(f"/office-hours/{window_id}").get_data(as_text=True), "your-place")
    assert "still deciding on their offer" in page and "Join the queue" not in page
    refused = world.client.post(f"/office-hours/{window_id}/join")
    assert refused.status_code == 422
    assert "Office hours are for candidates who are still deciding on their offer." in text_of(
        refused.get_data(as_text=True))
    assert entries(world, window_id) == []


def test_leave_without_javascript_and_leaving_twice(world):
    window_id = go_live(world)
    world.client.post(f"/office-hours/{window_id}/join")
    response = world.client.post(f"/office-hours/{window_id}/leave")
    assert response.status_code == 303
    page = text_of(world.client.get(response.headers["Location"]).get_data(as_text=True))
    assert "you're no longer in the queue" in page and "You left the queue." in page
    assert "Join the queue" in page  # they may come back
    assert world.client.post(f"/office-hours/{window_id}/leave").status_code == 303
    assert [s for _, _, s in entries(world, window_id)] == ["left"]


def admit(world, window_id):
    with world.app.app_context():
        window = db.session.get(HoursWindow, window_id)
        entry = queue.admit_next(window, utcnow(), window.staff)
        db.session.commit()
        return entry.meeting_id


def test_the_admitted_candidate_sees_the_link_and_countdown_and_no_one_else_does(world):
    window_id = go_live(world)
    world.client.post(f"/office-hours/{window_id}/join")
    world.sam_client.post(f"/office-hours/{window_id}/join")
    meeting_id = admit(world, window_id)
    with world.app.app_context():
        from portal.meetings.models import Meeting

        link = db.session.get(Meeting, meeting_id).video_link
    assert link
    mine = world.client.get(f"/office-hours/{window_id}").get_data(as_text=True)
    assert link in mine
    assert "It's your turn" in text_of(mine, "your-place")
    assert '<time data-countdown datetime="2031-03-03T12:15:00Z">15 min left</time>' in mine
    assert "End talk" in text_of(mine, "your-place")
    theirs = world.sam_client.get(f"/office-hours/{window_id}").get_data(as_text=True)
    assert link not in theirs and "data-countdown" not in theirs
    assert "About 15 minutes to wait" in text_of(theirs, "your-place")


def test_the_countdown_is_right_after_a_reload_and_the_talk_ends_on_time(world, frozen):
    window_id = go_live(world)
    world.client.post(f"/office-hours/{window_id}/join")
    meeting_id = admit(world, window_id)
    frozen.move_to(utcnow() + timedelta(minutes=3, seconds=30))
    page = world.client.get(f"/office-hours/{window_id}").get_data(as_text=True)
    assert ">11 min left</time>" in page
    frozen.move_to(utcnow() + timedelta(minutes=12))
    ended = text_of(world.client.get(f"/office-hours/{window_id}").get_data(as_text=True), "your-place")
    assert "Your talk has ended" in ended
    assert f"/meetings/{meeting_id}" in world.client.get(f"/office-hours/{window_id}").get_data(as_text=True)


def test_ending_the_talk_early(world):
    window_id = go_live(world)
    world.client.post(f"/office-hours/{window_id}/join")
    admit(world, window_id)
    response = world.client.post(f"/office-hours/{window_id}/leave", headers=HTMX)
    assert response.status_code == 200
    assert "Your talk has ended" in text_of(response.get_data(as_text=True), "your-place")
    assert [s for _, _, s in entries(world, window_id)] == [EntryStatus.DONE]


def test_a_window_of_a_hidden_person_is_no_longer_open_and_cannot_be_joined(world):
    """Its page says so (410, naming nobody), for a candidate who heard of it before; joining is a 404."""
    window_id = go_live(world)
    with world.app.app_context():
        from portal.people.models import StaffProfile

        db.session.get(StaffProfile, world.amara).visible = False
        db.session.commit()
    page = world.client.get(f"/office-hours/{window_id}")
    assert page.status_code == 410 and "These office hours are no longer open" in text_of(page.get_data(as_text=True))
    assert world.client.post(f"/office-hours/{window_id}/join").status_code == 404
    assert entries(world, window_id) == []


def test_the_window_page_polls_cheaply(world):
    window_id = go_live(world)
    page = world.client.get(f"/office-hours/{window_id}")
    stamp = page.headers["ETag"].strip('"')
    assert f"since={stamp}" in page.get_data(as_text=True)
    same = world.client.get(f"/office-hours/{window_id}?since={stamp}", headers=HTMX)
    assert same.status_code == 204 and same.get_data() == b""
    assert world.client.get(f"/office-hours/{window_id}", headers={"If-None-Match": f'"{stamp}"'}).status_code == 304
    world.sam_client.post(f"/office-hours/{window_id}/join")
    changed = world.client.get(f"/office-hours/{window_id}?since={stamp}", headers=HTMX)
    assert changed.status_code == 200
    assert "1 waiting" in text_of(changed.get_data(as_text=True))
    assert changed.headers["ETag"].strip('"') != stamp


def test_forms_work_with_csrf(make_app, frozen):
    world = make_world(make_app())
    window_id = go_live(world)
    page = world.client.get(f"/office-hours/{window_id}").get_data(as_text=True)
    from helpers import csrf_in

    assert world.client.post(f"/office-hours/{window_id}/join").status_code == 400
    response = world.client.post(f"/office-hours/{window_id}/join", data={"csrf_token": csrf_in(page)})
    assert response.status_code == 303
    with world.app.app_context():
        assert count(HoursEntry) == 1


def test_the_talk_reads_as_office_hours_in_conversations(world, frozen):
    window_id = go_live(world)
    world.client.post(f"/office-hours/{window_id}/join")
    meeting_id = admit(world, window_id)
    listed = text_of(world.client.get("/meetings").get_data(as_text=True), f"meeting-{meeting_id}")
    assert "Amara Okafor" in listed and "Office hours, 15 minutes" in listed
    during = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    text = text_of(during, "meeting")
    assert "Office hours talk with Amara Okafor" in text
    assert "You dropped in on Amara's office hours" in text and "Your talk began" in text
    # a talk has no calendar entry, nothing to move or cancel, and no request to withdraw
    for absent in ("Add to your calendar", "Move it", "Cancel", "Withdraw", "You asked"):
        assert absent not in text
    frozen.move_to(utcnow() + timedelta(minutes=16))
    after = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "How did it go?" in text_of(after, "meeting")
    assert "Video link" not in text_of(after, "meeting")


def test_still_waiting_when_the_window_ends(world, frozen):
    window_id = go_live(world, minutes=15)
    world.client.post(f"/office-hours/{window_id}/join")
    world.sam_client.post(f"/office-hours/{window_id}/join")
    admit(world, window_id)
    frozen.move_to(utcnow() + timedelta(minutes=16))
    page = world.sam_client.get(f"/office-hours/{window_id}").get_data(as_text=True)
    text = text_of(page, "your-place")
    assert "The office hours ended before your turn" in text
    assert f"/people/{world.amara}/request" in page
    assert 'data-hx-trigger' not in page  # an ended window stops polling
