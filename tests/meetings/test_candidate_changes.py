"""Cancel and move up to the cut-off, follow up after the conversation, report a no-show (PRG and htmx)."""

from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa
from candidate_helpers import at, client_login, create, get, make_world, value
from factories import make_meeting
from helpers import HTMX, text_of

from portal.extensions import db
from portal.meetings.models import BookedUnit, Meeting
from portal.questions.models import Question

WEDNESDAY = at(5, 14)  # 09:00 in New York, 15:00 in Berlin; the cut-off is Wednesday 02:00 UTC


def post(world, path, data=None, headers=None):
    return world.client.post(path, data=data or {}, headers=headers or {})


def held(world, meeting_id) -> list:
    with world.app.app_context():
        return db.session.scalars(sa.select(BookedUnit.unit_start).where(BookedUnit.meeting_id == meeting_id)
                                  .order_by(BookedUnit.unit_start)).all()


# --- cancel -------------------------------------------------------------------------------------


def test_cancelling_before_the_cut_off_frees_the_time_and_tells_the_person(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    response = post(world, f"/meetings/{meeting_id}/cancel", {"reason": "I accepted the offer already!"})
    assert response.status_code == 302 and response.headers["Location"] == f"/meetings/{meeting_id}"
    meeting = get(world, Meeting, meeting_id)
    assert (meeting.status, meeting.reason, meeting.sequence) == ("cancelled", "I accepted the offer already!", 2)
    assert held(world, meeting_id) == []
    assert world.notified == [("meeting_cancelled", meeting_id, world.candidate_user)]
    html = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Cancelled. We&#39;ve told them" in html
    assert "Status Cancelled: I accepted the offer already! Format" in text_of(html, "meeting")
    assert "Cancelled by you: I accepted the offer already!" in " ".join(html.split())
    assert 'id="cancel-heading"' not in html and ".ics" not in html


def test_cancelling_after_the_cut_off_is_refused(world, frozen):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    frozen.move_to(at(5, 2, 0))  # exactly 12 hours before
    client_login(world.app, world.client, world.session_token)
    html = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert 'id="cancel-heading"' not in html and "Move it" not in html
    assert "Changes closed 12 hours before the start. If something has come up, tell your recruiter." in html
    response = post(world, f"/meetings/{meeting_id}/cancel", {"reason": "Too late?"}, HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and body.lstrip().startswith('<div id="meeting">')
    assert "It&#39;s too late to cancel here: changes close 12 hours before the start." in body
    assert get(world, Meeting, meeting_id).status == "confirmed" and len(held(world, meeting_id)) == 2
    assert world.notified == []


def test_the_cut_off_is_configurable(make_app, frozen, notified):
    world = make_world(make_app(WTF_CSRF_ENABLED=False, MEETING_CHANGE_CUTOFF_HOURS=2), notified)
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    frozen.move_to(at(5, 11, 59))
    client_login(world.app, world.client, world.session_token)
    assert post(world, f"/meetings/{meeting_id}/cancel", {"reason": "Sorry"}).status_code == 302
    assert get(world, Meeting, meeting_id).status == "cancelled"


@pytest.mark.parametrize("status", ["needs_approval", "invited"])
def test_withdrawing_a_request_that_is_still_waiting(world, status):
    meeting_id = create(world, "ceo", status, slots=[WEDNESDAY])
    response = post(world, f"/meetings/{meeting_id}/cancel", {"reason": "Found my answers"}, HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="meeting">')
    assert 'role="status">Cancelled.' in body and "Cancelled</span><span>: Found my answers" in body
    assert get(world, Meeting, meeting_id).status == "cancelled"
    assert world.notified == [("meeting_cancelled", meeting_id, world.candidate_user)]


@pytest.mark.parametrize("status,data,message", [
    ("confirmed", {"reason": "  "}, "Say why, so Amara knows."),
    ("confirmed", {"reason": "x" * 1001}, "Keep the reason to 1,000 characters or fewer."),
    ("declined", {"reason": "Changed my mind"}, "This conversation can&#39;t be cancelled: it&#39;s already closed."),
])
def test_a_cancellation_that_cannot_be_made_is_422(world, status, data, message):
    meeting_id = create(world, "ceo", status, start=WEDNESDAY if status == "confirmed" else None)
    response = post(world, f"/meetings/{meeting_id}/cancel", data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert get(world, Meeting, meeting_id).status == status and world.notified == []


# --- reschedule ---------------------------------------------------------------------------------


def test_moving_to_another_free_time(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    response = post(world, f"/meetings/{meeting_id}/reschedule", {"start": value(at(6, 14, 30))})
    assert response.status_code == 302
    meeting = get(world, Meeting, meeting_id)
    assert (meeting.status, meeting.start_at, meeting.sequence) == ("confirmed", at(6, 14, 30), 2)
    assert held(world, meeting_id) == [at(6, 14, 30), at(6, 14, 45)]
    assert world.notified == [("meeting_changed", meeting_id, world.candidate_user)]
    html = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Moved. Both of you get the new time" in html and "Thu 6 Mar 2031, 09:30 EST" in html
    assert "Moved to a new time by you" in " ".join(html.split())


def test_moving_after_the_cut_off_is_refused(world, frozen):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    frozen.move_to(at(5, 3))
    client_login(world.app, world.client, world.session_token)
    response = post(world, f"/meetings/{meeting_id}/reschedule", {"start": value(at(6, 14))})
    assert response.status_code == 422 and "too late to move it here" in response.get_data(as_text=True)
    assert get(world, Meeting, meeting_id).start_at == WEDNESDAY and world.notified == []


@pytest.mark.parametrize("start,message", [
    ("next week", "Choose a new time from the list."),
    (value(WEDNESDAY), "That&#39;s the time it already has."),
    (value(at(3, 15)), "Choose a time at least 12 hours from now."),
    (value(at(6, 3)), "isn&#39;t one of Amara&#39;s free times any more."),
    (value(at(6, 14)), "That time was just taken: Thu 6 Mar 2031, 09:00 EST"),
])
def test_a_move_that_cannot_be_made_is_422_with_fresh_times(world, start, message):
    with world.app.app_context():
        make_meeting(world.other, world.ceo, "confirmed", start=at(6, 14), history=False)
        db.session.commit()
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    response = post(world, f"/meetings/{meeting_id}/reschedule", {"start": start}, HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body, body
    assert f'<option value="{value(at(6, 14, 30))}">' in body and f'<option value="{value(at(6, 14))}">' not in body
    assert get(world, Meeting, meeting_id).start_at == WEDNESDAY and world.notified == []


def test_a_time_taken_at_the_same_moment_is_refused_by_the_database(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    with world.app.app_context():
        # Another confirmation holding Thursday 09:00 commits between our check and our write.
        racer = make_meeting(world.other, world.ceo, "invited", history=False)
        db.session.add(BookedUnit(staff_id=world.ceo, unit_start=at(6, 14, 15), meeting_id=racer.id))
        db.session.commit()
    response = post(world, f"/meetings/{meeting_id}/reschedule", {"start": value(at(6, 14))})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "That time was just taken. Here are the times still free." in body
    assert '<select aria-describedby="start-hint start-error"' in body
    assert get(world, Meeting, meeting_id).start_at == WEDNESDAY and held(world, meeting_id) == [
        WEDNESDAY, at(5, 14, 15)]


# --- after the conversation -----------------------------------------------------------------------


def _over(world):
    return create(world, "ceo", "confirmed", start=at(3, 10), questions=[world.growth, world.direction])


def test_the_follow_up_completes_it_and_ticks_off_questions(world):
    meeting_id = _over(world)
    html = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "How did it go?" in html and "Report a no-show" in html and 'id="cancel-heading"' not in html
    data = {"answered": [str(world.growth), str(world.foreign)], "rating": "4", "answered_needs": "yes"}
    response = post(world, f"/meetings/{meeting_id}/follow-up", data)
    assert response.status_code == 302
    meeting = get(world, Meeting, meeting_id)
    assert (meeting.status, meeting.rating, meeting.answered_needs) == ("completed", 4, True)
    growth, direction, foreign = (get(world, Question, i) for i in (world.growth, world.direction, world.foreign))
    assert (growth.status, growth.answered_via, growth.answered_by_id) == ("answered", "conversation", world.ceo)
    assert growth.answered_at == at(3, 12)
    assert direction.status == "open" and foreign.status == "open"
    ledger = world.client.get("/questions").get_data(as_text=True)
    assert "Answered in a conversation with Amara Okafor" in ledger
    shown = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "4 of 5 · It answered what you needed" in shown and "How did it go?" not in shown


@pytest.mark.parametrize("rating", ["0", "6", "x", "", "4.5", None])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_rating_must_be_1_to_5(world, rating, headers):
    meeting_id = _over(world)
    data = {"answered": [str(world.growth)], "answered_needs": "no"}
    if rating is not None:
        data["rating"] = rating
    response = post(world, f"/meetings/{meeting_id}/follow-up", data, headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Rate it from 1 (not useful) to 5 (very useful)." in body
    assert 'aria-describedby="rating-error"' in body
    assert get(world, Meeting, meeting_id).status == "confirmed"
    assert get(world, Question, world.growth).status == "open"


def test_the_follow_up_needs_a_yes_or_no_and_waits_for_the_end(world):
    meeting_id = _over(world)
    response = post(world, f"/meetings/{meeting_id}/follow-up", {"rating": "5", "answered_needs": "maybe"})
    assert response.status_code == 422 and "Say whether it answered what you needed." in response.get_data(as_text=True)
    upcoming = create(world, "tom", "confirmed", start=at(5, 15))
    response = post(world, f"/meetings/{upcoming}/follow-up", {"rating": "5", "answered_needs": "yes"})
    assert response.status_code == 422 and "once the conversation is over" in response.get_data(as_text=True)
    assert get(world, Meeting, upcoming).status == "confirmed"


def test_the_follow_up_with_htmx_swaps_the_section(world):
    meeting_id = _over(world)
    response = post(world, f"/meetings/{meeting_id}/follow-up", {"rating": "2", "answered_needs": "no"}, HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="meeting">')
    assert 'role="status">Thank you.' in body and "2 of 5 · It didn't answer everything you needed" in unescape(body)


def test_reporting_a_no_show(world):
    meeting_id = _over(world)
    assert post(world, f"/meetings/{meeting_id}/no-show").status_code == 302
    meeting = get(world, Meeting, meeting_id)
    assert (meeting.status, meeting.no_show_reported_by) == ("no_show", "candidate")
    html = world.client.get("/meetings").get_data(as_text=True)
    assert "No-show: you reported that Amara didn't come" in text_of(html, f"meeting-{meeting_id}")
    assert get(world, Question, world.growth).status == "open"


def test_a_no_show_cannot_be_reported_before_the_start(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    response = post(world, f"/meetings/{meeting_id}/no-show", headers=HTMX)
    assert response.status_code == 422 and "once the start time has passed" in response.get_data(as_text=True)
    assert get(world, Meeting, meeting_id).status == "confirmed"
