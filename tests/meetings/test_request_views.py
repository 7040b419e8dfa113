"""Asking for a conversation from a profile: the page, the times fragment, 422s that change nothing, PRG."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from candidate_helpers import at, create, make_world, meetings, value
from factories import make_meeting
from helpers import HTMX, csrf_token

from portal.extensions import db
from portal.people.models import AvailabilityWindow, StaffProfile

AMARA_TUE = at(4, 14)  # 09:00 in New York, 15:00 in Berlin


def page(world, path, **kwargs):
    response = world.client.get(path, **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_profile_page_leads_to_the_request(world):
    html = page(world, f"/people/{world.ceo}")
    assert f'href="/people/{world.ceo}/request" role="button">Request a conversation' in html


def test_the_request_page_offers_times_in_the_candidates_zone(world):
    html = page(world, f"/people/{world.ceo}/request")
    assert "<h1>Talk to Amara Okafor</h1>" in html
    assert "It's 13:00 for Amara now (CET, Europe/Berlin)" in html
    assert "Your recruiter approves requests to leadership first." in html
    assert html.count("Times in America/New_York") == 1
    assert "<legend>Tuesday 4 March</legend>" in html
    assert f'name="slots" value="{value(AMARA_TUE)}"' in html
    assert "09:00–09:30 EST" in html and "(15:00–15:30 CET for Amara)" in html
    assert "(30 minutes, choose up to 5)" in html and 'name="length" value="30"' in html
    # Only times before the decision deadline (Thu 13 March, 12:00 UTC): Amara is free until 16:00 UTC.
    assert "<legend>Thursday 13 March</legend>" not in html and "<legend>Wednesday 12 March</legend>" in html
    # Jordan's open questions, the one for Amara ticked; answered and other people's questions absent.
    assert f'id="question-{world.direction}" name="questions" value="{world.direction}" checked>' in html
    assert f'id="question-{world.growth}" name="questions" value="{world.growth}">' in html
    assert "Is there a pension?" not in html and "secret question" not in html
    assert 'name="note"' in html and 'name="csrf_token"' in html


def test_changing_the_length_returns_just_the_times(world):
    response = world.client.get(f"/people/{world.ceo}/request?format=video&length=45", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.vary
    assert body.lstrip().startswith('<div id="slots">') and "<html" not in body and "<form" not in body
    assert 'name="length" value="45"' in body and "09:00–09:45 EST" in body and "(45 minutes" in body


def test_without_javascript_the_length_form_reloads_the_page(world):
    html = page(world, f"/people/{world.ceo}/request?format=phone&length=15")
    assert "Show times for this length" in html
    assert 'id="length-0" name="length" type="radio" value="15">' in html or 'checked id="length-0"' in html
    assert "09:00–09:15 EST" in html and 'name="format" value="phone"' in html


def test_written_answers_and_people_without_times_need_no_times(world):
    written = page(world, f"/people/{world.ceo}/request?format=written")
    assert "No time needed" in written and 'name="slots"' not in written
    with world.app.app_context():
        db.session.execute(sa.delete(AvailabilityWindow).where(AvailabilityWindow.user_id == world.tom))
        db.session.commit()
    html = page(world, f"/people/{world.tom}/request")
    assert "Tom has no 30-minute times free in the next two weeks" in html and "Tom will suggest times" in html


def test_someone_not_taking_requests_gets_a_message_not_a_form(world):
    with world.app.app_context():
        db.session.get(StaffProfile, world.ceo).accepting_requests = False
        db.session.commit()
    html = page(world, f"/people/{world.ceo}/request")
    assert "Amara isn't taking new conversations right now." in html
    assert 'name="slots"' not in html and "Send request" not in html
    response = world.client.post(f"/people/{world.ceo}/request", data={"slots": value(AMARA_TUE), "length": "30"})
    assert response.status_code == 422 and meetings(world) == []


def test_hidden_or_unknown_people_are_404(world):
    with world.app.app_context():
        db.session.get(StaffProfile, world.tom).visible = False
        db.session.commit()
    assert world.client.get(f"/people/{world.tom}/request").status_code == 404
    assert world.client.post(f"/people/{world.tom}/request").status_code == 404
    assert world.client.get("/people/999999/request").status_code == 404


def _form(**overrides):
    data = {"format": "video", "length": "30", "slots": [value(AMARA_TUE), value(at(5, 14))], "note": "Hello!"}
    data.update(overrides)
    return data


def test_sending_without_javascript_redirects_to_the_conversation(world):
    data = _form(questions=[str(world.growth), str(world.foreign)])
    response = world.client.post(f"/people/{world.ceo}/request", data=data)
    (meeting,) = meetings(world)
    assert response.status_code == 302 and response.headers["Location"] == f"/meetings/{meeting.id}"
    assert meeting.status == "needs_approval" and len(meeting.slots) == 2
    html = page(world, f"/meetings/{meeting.id}")
    assert "Request sent. Your recruiter approves requests to Amara first" in html
    assert "How do engineers grow here?" in html and "secret question" not in html
    assert world.notified == [("request_created", meeting.id, world.candidate_user)]


def test_sending_with_htmx_redirects_the_whole_page(world):
    response = world.client.post(f"/people/{world.tom}/request", data=_form(slots=value(at(4, 15))), headers=HTMX)
    (meeting,) = meetings(world)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == f"/meetings/{meeting.id}"
    assert meeting.status == "invited"


@pytest.mark.parametrize("data,message", [
    (_form(slots=[]), "Choose at least one time (up to 5)."),
    (_form(slots=[value(at(d, 14)) for d in (4, 5, 6, 7, 10, 11)]), "Choose at most 5 times."),
    (_form(slots=["tomorrow-ish"]), "Choose times from the list."),
    (_form(slots=[value(at(3, 3))]), "has already passed."),
    (_form(note="x" * 2001), "Keep the note to 2,000 characters or fewer."),
    (_form(length="60"), "Choose 15, 30 or 45 minutes."),
])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_request_with_mistakes_is_422_and_changes_nothing(world, data, message, headers):
    response = world.client.post(f"/people/{world.ceo}/request", data=data, headers=headers)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and message in body
    assert ("<html" in body) is (not headers)
    if headers:
        assert body.lstrip().startswith('<div id="request-form">')
    assert meetings(world) == [] and world.notified == []


def test_a_time_taken_meanwhile_is_refused_with_the_times_still_free(world):
    with world.app.app_context():
        make_meeting(world.other, world.ceo, "confirmed", start=AMARA_TUE, history=False)
        db.session.commit()
    response = world.client.post(f"/people/{world.ceo}/request", data=_form(slots=[value(AMARA_TUE)]), headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "That time was just taken: Tue 4 Mar 2031, 09:00 EST" in body
    assert f'value="{value(AMARA_TUE)}"' not in body and f'value="{value(at(4, 14, 30))}"' in body
    assert [m.candidate_id for m in meetings(world)] == [world.other]


def test_with_csrf_on_the_request_needs_the_token(world_csrf):
    client, path = world_csrf.client, f"/people/{world_csrf.tom}/request"
    assert client.post(path, data=_form(slots=value(at(4, 15)))).status_code == 400
    assert meetings(world_csrf) == []
    response = client.post(path, data={**_form(slots=value(at(4, 15))), "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302 and len(meetings(world_csrf)) == 1



def test_with_the_real_notifications_asking_and_withdrawing_work(make_app, frozen):
    """No stand-ins for ``notify`` here: the e-mail side runs for real (its messages are tested there)."""
    world = make_world(make_app(WTF_CSRF_ENABLED=False), [])
    for person, slot in ((world.tom, at(4, 15)), (world.ceo, AMARA_TUE)):
        response = world.client.post(f"/people/{person}/request", data=_form(slots=value(slot)))
        assert response.status_code == 302
    tom, amara = meetings(world)
    assert (tom.status, amara.status) == ("invited", "needs_approval")
    for meeting in (tom, amara):
        response = world.client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Plans changed"})
        assert response.status_code == 302
    assert [m.status for m in meetings(world)] == ["cancelled", "cancelled"]
    confirmed = create(world, "ceo", "confirmed", start=at(5, 14))
    assert world.client.post(f"/meetings/{confirmed}/reschedule", data={"start": value(at(6, 14))}).status_code == 302
    assert world.client.post(f"/meetings/{confirmed}/cancel", data={"reason": "Sorry"}).status_code == 302
    assert meetings(world)[-1].status == "cancelled"
