"""/meetings and /meetings/<id>: status words, times in both zones, details, history, the .ics (page and fragment)."""

from __future__ import annotations

from html import unescape

import pytest
from candidate_helpers import another_person, at, create, meetings, value
from helpers import HTMX, T0, text_of

WEDNESDAY = at(5, 14)  # 09:00 in New York, 15:00 in Berlin


def page(world, path, **kwargs):
    response = world.client.get(path, **kwargs)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_no_conversations_points_to_the_people(world):
    html = page(world, "/meetings")
    assert "<h1>Conversations</h1>" in html and 'aria-current="page">Conversations' in html
    assert "No conversations yet. Find someone to talk to: anyone in the company" in text_of(html, "conversations")
    assert '<a href="/people">Find someone to talk to</a>' in html


def test_every_state_has_clear_words(world):
    ids = {
        # Confirmed first: the fixture passes it through "invited", and Amara has the approved one waiting.
        "confirmed": create(world, "ceo", "confirmed", start=WEDNESDAY),
        "requested": create(world, another_person(world, "Sam Rivera"), "requested"),
        "needs_approval": create(world, another_person(world, "Noor Haddad"), "needs_approval", slots=[WEDNESDAY]),
        "approved": create(world, "ceo", "approved"),
        "invited": create(world, "tom", "invited", slots=[at(5, 15), at(6, 15)]),
        "completed": create(world, "tom", "completed", start=at(1, 15)),
        "declined": create(world, "ceo", "declined", reason="Travelling that week"),
        "expired": create(world, "tom", "expired"),
        "cancelled": create(world, "tom", "cancelled", reason="Something came up"),
        "rejected": create(world, "ceo", "rejected", reason="Please talk to the VP People first"),
        "no_show": create(world, "tom", "no_show", start=at(2, 15)),
    }
    html = page(world, "/meetings")
    for status, words in {"requested": "minutes · Requested Asked",
                          "needs_approval": "minutes · Waiting for approval Asked",
                          "approved": "minutes · Approved: waiting for Amara Asked",
                          "invited": "minutes · Waiting for Tom Asked",
                          "confirmed": "minutes · Confirmed Wed 5 Mar",
                          "completed": "minutes · Completed Sat 1 Mar",
                          "declined": "minutes · Declined: Travelling that week",
                          "expired": "minutes · Expired Tom didn't answer in time",
                          "cancelled": "minutes · Cancelled: Something came up",
                          "rejected": "minutes · Not approved: Please talk to the VP People first",
                          "no_show": "minutes · No-show"}.items():
        assert words in text_of(html, f"meeting-{ids[status]}"), (status, text_of(html, f"meeting-{ids[status]}"))
    # A confirmed conversation: the time in Jordan's zone with its name, and Amara's local time.
    assert "Wed 5 Mar 2031, 09:00 EST (America/New_York)</time>, 30 minutes" in html
    assert "Wed 5 Mar 2031, 15:00 CET (Europe/Berlin) for Amara" in html
    assert "2 proposed times" in html and "Sam will suggest a time" in html
    headings = ["Coming up", "Waiting for an answer", "Done", "Didn't happen"]
    positions = [unescape(html).index(f'-heading">{h} <span class="count">') for h in headings]
    assert positions == sorted(positions)
    assert html.index(f'id="meeting-{ids["confirmed"]}"') < html.index(f'id="meeting-{ids["invited"]}"')


def test_a_conversation_that_is_over_asks_how_it_went(world):
    meeting_id = create(world, "ceo", "confirmed", start=at(3, 10))
    html = page(world, "/meetings")
    assert 'id="after-heading">Tell us how it went' in html
    assert f'href="/meetings/{meeting_id}#follow-up">Tell us how it went' in html


def test_the_list_as_a_fragment(world):
    create(world, "tom", "invited")
    response = world.client.get("/meetings", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.vary
    assert body.lstrip().startswith('<div id="conversations">') and "<html" not in body and "Waiting for Tom" in body


def test_the_conversation_page_shows_what_was_asked_and_who_did_what(world):
    world.client.post(f"/people/{world.ceo}/request", data={
        "format": "video", "length": "30", "slots": [value(WEDNESDAY), value(at(6, 14))],
        "questions": [str(world.growth)], "note": "Keen to hear about the roadmap."})
    (meeting,) = meetings(world)
    html = page(world, f"/meetings/{meeting.id}")
    assert "<h1>Conversation with Amara Okafor</h1>" in html and "Chief Executive Officer" in html
    assert "Status Waiting for approval Format" in text_of(html, "meeting")
    assert "Video call, 30 minutes" in html and "<p>Keen to hear about the roadmap.</p>" in html
    assert "How do engineers grow here?" in html and "Where is the company going?" not in html
    assert "Times in America/New_York" in html
    assert "Wed 5 Mar 2031, 09:00–09:30 EST" in html and "(Wed 5 Mar 2031, 15:00–15:30 CET for Amara)" in html
    assert "You asked Amara for a conversation" in html
    history = text_of(html, "meeting")
    # Sent for approval (by the rules, not by the candidate: no "by you"), then approved by whom.
    assert "Sent to your recruiter for approval" in history and "approval by you" not in history
    assert 'id="cancel-heading">Withdraw the request' in html and "Move it" not in html
    assert ".ics" not in html


def test_the_page_as_a_fragment(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    body = page(world, f"/meetings/{meeting_id}", headers=HTMX)
    assert body.lstrip().startswith('<div id="meeting">') and "<html" not in body


def test_a_confirmed_conversation_shows_its_time_calendar_and_changes(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    html = page(world, f"/meetings/{meeting_id}")
    assert "Status Confirmed Format" in text_of(html, "meeting")
    assert "Wed 5 Mar 2031, 09:00 EST (America/New_York)</time>, 30 minutes" in html
    assert "Wed 5 Mar 2031, 15:00 CET (Europe/Berlin) for Amara" in html
    assert f'href="/meetings/{meeting_id}.ics" download data-hx-boost="false">' in html
    assert "You can move or cancel it until Tue 4 Mar 2031, 21:00 EST (America/New_York), 12 hours before" in html
    # The other free times are a link away (worked out when asked for), not on the page itself.
    assert f'<a href="/meetings/{meeting_id}/move#move"' in html and "Move to another time</a>" in html
    assert 'name="start"' not in html and "<optgroup" not in html
    assert 'id="cancel-heading">Cancel it' in html and "How did it go?" not in html
    # The move page: other free times (12 hours or more from now), grouped by day, in both zones; not
    # the current one.
    html = page(world, f"/meetings/{meeting_id}/move")
    assert '<optgroup label="Thu 6 Mar 2031">' in html
    assert f'<option value="{value(at(6, 14))}">09:00–09:30 EST (15:00 CET for Amara)</option>' in html
    assert value(WEDNESDAY) not in html and value(at(3, 14)) not in html


def test_the_calendar_file_of_a_confirmed_conversation(world):
    meeting_id = create(world, "ceo", "confirmed", start=WEDNESDAY)
    (meeting,) = meetings(world)
    response = world.client.get(f"/meetings/{meeting_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == f'attachment; filename="conversation-{meeting_id}.ics"'
    body = response.get_data(as_text=True)
    assert "METHOD:REQUEST" in body and f"UID:{meeting.uid}" in body and "DTSTART:20310305T140000Z" in body


@pytest.mark.parametrize("status", ["invited", "cancelled", "completed"])
def test_only_a_confirmed_conversation_has_a_calendar_file(world, status):
    meeting_id = create(world, "ceo", status, start=WEDNESDAY if status == "completed" else None)
    assert world.client.get(f"/meetings/{meeting_id}.ics").status_code == 404


def test_a_conversation_read_without_its_count_still_says_how_many_times_were_offered(world):
    """/meetings reads each conversation's number of offered times with the list (``times_offered``); a
    conversation shown without that count (read some other way, or expired by a commit since) counts
    its times itself rather than saying the person will suggest one."""
    import flask_login
    from flask import render_template

    from portal.candidates.models import Candidate
    from portal.extensions import db
    from portal.meetings.models import Meeting
    from portal.meetings.requests import GROUPS, group_conversations

    invited = create(world, "tom", "invited", slots=[at(5, 15), at(6, 15)])
    with world.app.test_request_context("/meetings"):
        flask_login.login_user(db.session.get(Candidate, world.candidate).user)
        meeting = db.session.get(Meeting, invited)
        assert meeting.times_offered is None  # not read with the list
        html = render_template("meetings/index.html", groups=group_conversations([meeting], T0),
                               headings=GROUPS, zone="America/New_York", total=1)
    assert "2 proposed times" in text_of(html, f"meeting-{invited}")
