"""Moving a confirmed conversation: the conversation page links to /meetings/<id>/move, which lists the
other free times (a whole page without JavaScript, its #move section in place with htmx); the times
are worked out only there, so the conversation page's statements no longer grow with the person's
free times and conversations."""

from __future__ import annotations

import re
from datetime import time
from html import unescape

import pytest
from candidate_helpers import another_person, at, client_login, create, get, value
from factories import add_windows, make_meeting
from helpers import HTMX, page_statements, text_of

from portal.extensions import db
from portal.meetings.models import Meeting

WEDNESDAY = at(5, 14)  # 09:00 in New York, 15:00 in Berlin; changes close Wednesday 02:00 UTC
OPTION = re.compile(r'<option value="([^"]+)">')


def test_the_conversation_page_links_to_the_move_page(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    html = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    link = re.search(r'<a href="/meetings/\d+/move#move"[^>]*>Move to another time</a>', html).group(0)
    assert f'data-hx-get="/meetings/{meeting_id}/move"' in link and 'data-hx-target="#move"' in link
    assert 'data-hx-swap="outerHTML"' in link and "<optgroup" not in html


def test_without_javascript_the_move_page_lists_the_times_and_moves_it(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    response = world.client.get(f"/meetings/{meeting_id}/move")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Move the conversation with Amara Okafor" in html
    assert f'<form method="post" action="/meetings/{meeting_id}/reschedule"' in html
    assert re.search(r"<select[^>]*autofocus", html), "focus starts on the list of times"
    assert f'<a href="/meetings/{meeting_id}#move"' in html and "Keep the current time</a>" in html
    starts = OPTION.findall(html)
    assert value(at(6, 14)) in starts and value(WEDNESDAY) not in starts
    # The rest of the conversation page is there too (its heading, the cancel form).
    assert "<h1>Conversation with Amara Okafor</h1>" in html and 'id="cancel-heading"' in html
    response = world.client.post(f"/meetings/{meeting_id}/reschedule", data={"start": starts[-1]})
    assert response.status_code == 302 and response.headers["Location"] == f"/meetings/{meeting_id}"
    assert value(get(world, Meeting, meeting_id).start_at) == starts[-1]


def test_with_htmx_the_move_page_is_its_section_in_place(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    response = world.client.get(f"/meetings/{meeting_id}/move", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Retarget" not in response.headers
    assert body.lstrip().startswith('<section id="move"') and "<html" not in body and 'id="cancel' not in body
    assert re.search(r"<select[^>]*autofocus", body), "focus goes to the list of times"
    assert f'data-hx-post="/meetings/{meeting_id}/reschedule" data-hx-target="#meeting"' in body
    assert value(at(6, 14)) in OPTION.findall(body)
    assert "Vary" in response.headers and "HX-Request" in response.headers["Vary"]


def test_no_other_free_time_says_so_and_what_to_do(world):
    person = another_person(world, "Sam Rivera")  # no free times at all
    meeting_id = create(world, person, "confirmed", start=WEDNESDAY)
    html = world.client.get(f"/meetings/{meeting_id}/move").get_data(as_text=True)
    text = text_of(html, "move")
    assert "Sam has no other free 30-minute times in the next two weeks." in text
    assert ("You can keep this time, cancel it below, or ask Sam to answer your questions in writing instead."
            in text)
    assert f'href="/people/{person}/request?format=written"' in html and 'name="start"' not in html


@pytest.mark.parametrize("case", ["inside the cut-off", "cancelled", "over"])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_a_conversation_that_can_no_longer_be_moved_says_why(world, frozen, case, headers):
    if case == "cancelled":
        meeting_id = create(world, "ceo", "cancelled", start=WEDNESDAY, reason="Something came up")
    else:
        meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
        frozen.move_to(at(5, 3) if case == "inside the cut-off" else at(5, 15))
        client_login(world.app, world.client, world.session_token)
    response = world.client.get(f"/meetings/{meeting_id}/move", headers=headers)
    body = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and 'name="start"' not in body
    expected = ("Only a confirmed conversation can be moved." if case == "cancelled"
                else "It's too late to move it here: changes close 12 hours before the start.")
    assert re.search(r'role="alert">' + re.escape(expected), body), body
    if headers:  # the whole section, refreshed: the link that asked may be gone
        assert response.headers["HX-Retarget"] == "#meeting" and response.headers["HX-Reswap"] == "outerHTML"
        assert body.lstrip().startswith('<div id="meeting">')
    else:
        assert "<title>Conversation with Amara Okafor" in body
    assert get(world, Meeting, meeting_id).start_at == WEDNESDAY


def test_answers_in_writing_have_no_move_page(world):
    meeting_id = create(world, "ceo", "confirmed", fmt="written")
    assert "Move to another time" not in world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert world.client.get(f"/meetings/{meeting_id}/move").status_code == 404


def test_the_conversation_page_no_longer_works_out_free_times(world):
    """Its statements are the same few whether the person has a few free times or many, and busy
    with other conversations or not; the move page is where the free times are read."""
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    path = f"/meetings/{meeting_id}"
    world.client.get(path)  # a first visit may write (the session's stamp)
    few = page_statements(world.app, world.client, path)
    few_move = page_statements(world.app, world.client, path + "/move")
    few_times = len(OPTION.findall(world.client.get(path + "/move").get_data(as_text=True)))
    with world.app.app_context():
        add_windows(db.session.get(Meeting, meeting_id).staff, time(6), time(22), "Europe/Berlin", range(7))
        for day in (6, 7):  # her first week is then full (a weekly cap of 3)
            make_meeting(world.other, world.ceo, "confirmed", start=at(day, 14), history=False)
        db.session.commit()
    many = page_statements(world.app, world.client, path)
    assert len(many) == len(few) and len(few.selects) <= 7, (len(few), len(many), few)
    assert not [s for s in few if "availability_window" in s or "booked_unit" in s]
    moves = page_statements(world.app, world.client, path + "/move")
    assert [s for s in moves if "availability_window" in s], "the move page reads the free times"
    assert len(few_move) > len(few)  # 13 statements against 7 when this was written
    assert len(OPTION.findall(world.client.get(path + "/move").get_data(as_text=True))) > few_times > 0
