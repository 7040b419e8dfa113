"""The candidate's home shows their conversations still ahead: confirmed ones with the time in their zone
and the person's (each zone named) and a link to each, requests waiting with where they stand in words,
and "No conversations yet" only when there is nothing ahead.

The clock is stopped at ``helpers.T0`` (Monday 3 March 2031, 12:00 UTC): Jordan is in New York (EST,
UTC-5), Amara in Berlin (CET, UTC+1), Tom in Toronto (EST).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from factories import make_candidate, make_meeting, make_staff
from helpers import page_statements, text_of

from portal.extensions import db

EMPTY = "No conversations yet."


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment in March 2031."""
    return datetime(2031, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def jordan(app, client, auth, frozen):
    with app.app_context():
        amara = make_staff("leadership", title="Chief Executive Officer", name="Amara Okafor",
                           timezone="Europe/Berlin")
        tom = make_staff("team", title="Senior Engineer", name="Tom Becker", timezone="America/Toronto")
        candidate = make_candidate(name="Jordan Lee", timezone="America/New_York", deadline_days=10)
        other = make_candidate(name="Other Candidate", timezone="Europe/London")
        db.session.commit()
        auth.login(candidate.user)
        return SimpleNamespace(candidate=candidate.id, amara=amara.id, tom=tom.id, other=other.id)


def meeting(app, candidate: int, person: int, status: str, **kwargs) -> int:
    with app.app_context():
        row = make_meeting(candidate, person, status, history=False, **kwargs)
        db.session.commit()
        return row.id


def conversations(client) -> str:
    """What the "Your conversations" box on the home page says, as words."""
    response = client.get("/")
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True), "home-conversations")


def box_html(client) -> str:
    """The markup of the "Your conversations" box (the navigation also links to /meetings)."""
    html = client.get("/").get_data(as_text=True)
    return html.split('id="home-conversations"', 1)[1].split("</article>", 1)[0]


def test_with_nothing_ahead_the_home_says_so_and_links_to_every_conversation(client, jordan):
    words = conversations(client)
    assert EMPTY in words
    assert "Coming up" not in words and "Waiting for an answer" not in words
    box = box_html(client)
    assert '<a href="/meetings">All your conversations</a>' in box and '<a href="/people">' in box
    assert "Ask for a conversation from anyone's profile. (done)" not in text_of(client.get("/").get_data(as_text=True))


def test_a_pending_request_shows_where_it_stands_and_links_to_it(app, client, jordan):
    approval = meeting(app, jordan.candidate, jordan.amara, "needs_approval", slots=[at(5, 15)])
    invited = meeting(app, jordan.candidate, jordan.tom, "invited", fmt="phone", length=15, slots=[at(5, 16)])
    html = client.get("/").get_data(as_text=True)
    words = conversations(client)
    assert EMPTY not in words
    assert "Waiting for an answer 2" in words
    assert "Amara Okafor · Video call, 30 minutes Waiting for approval asked Mon 3 Mar 2031" in words
    assert "Tom Becker · Phone call, 15 minutes Waiting for Tom asked Mon 3 Mar 2031" in words
    assert f'href="/meetings/{approval}"' in html and f'href="/meetings/{invited}"' in html
    assert "Coming up" not in words
    assert '<a href="/meetings">All your conversations</a>' in box_html(client)
    assert "Ask for a conversation from anyone's profile. (done)" in text_of(html)


def test_an_approved_request_waits_for_the_person_and_written_answers_have_no_length(app, client, jordan):
    meeting(app, jordan.candidate, jordan.amara, "approved", fmt="written")
    words = conversations(client)
    assert "Amara Okafor · Written answers Approved: waiting for Amara" in words
    assert "Written answers, 30 minutes" not in words


def test_a_confirmed_conversation_shows_both_zones_named_the_format_and_a_link(app, client, jordan):
    later = meeting(app, jordan.candidate, jordan.tom, "confirmed", fmt="phone", start=at(6, 15))
    sooner = meeting(app, jordan.candidate, jordan.amara, "confirmed", start=at(5, 15), length=45)
    html = client.get("/").get_data(as_text=True)
    words = conversations(client)
    assert EMPTY not in words
    assert "Coming up 2" in words
    assert ("Amara Okafor · Video call Wed 5 Mar 2031, 10:00 EST (America/New_York), 45 minutes "
            "Wed 5 Mar 2031, 16:00 CET (Europe/Berlin) for Amara") in words
    assert ("Tom Becker · Phone call Thu 6 Mar 2031, 10:00 EST (America/New_York), 30 minutes "
            "Thu 6 Mar 2031, 10:00 EST (America/Toronto) for Tom") in words
    assert words.index("Amara Okafor") < words.index("Tom Becker")  # soonest first
    assert f'href="/meetings/{sooner}"' in html and f'href="/meetings/{later}"' in html
    assert '<time datetime="2031-03-05T15:00:00Z">' in html
    assert "Waiting for an answer" not in words


def test_past_and_called_off_conversations_are_not_coming_up(app, client, jordan):
    meeting(app, jordan.candidate, jordan.amara, "confirmed", start=at(3, 9))  # ended at 09:30 UTC today
    meeting(app, jordan.candidate, jordan.tom, "cancelled", start=at(5, 15), reason="Travel")
    meeting(app, jordan.candidate, jordan.tom, "completed", start=at(1, 15))
    meeting(app, jordan.candidate, jordan.amara, "declined", slots=[at(5, 15)])
    meeting(app, jordan.candidate, jordan.tom, "expired", slots=[at(5, 16)])
    meeting(app, jordan.other, jordan.amara, "confirmed", start=at(5, 16))  # someone else's
    meeting(app, jordan.other, jordan.tom, "invited", slots=[at(5, 17)])
    words = conversations(client)
    assert EMPTY in words
    assert "Coming up" not in words and "Waiting for an answer" not in words
    assert "Amara" not in words and "Tom" not in words


def test_a_conversation_under_way_stays_until_it_ends(app, client, jordan):
    meeting(app, jordan.candidate, jordan.amara, "confirmed", start=at(3, 11, 45))  # 11:45–12:15 UTC
    words = conversations(client)
    assert "Coming up 1" in words and "Amara Okafor · Video call · Happening now" in words


def test_the_home_takes_the_same_queries_for_1_and_12_conversations(app, client, jordan):
    def add(n: int, offset: int) -> None:
        with app.app_context():
            for i in range(n):
                person = make_staff("team", name=f"Person {offset + i}", timezone="Asia/Tokyo")
                if i % 2:
                    make_meeting(jordan.candidate, person, "confirmed", start=at(10 + i, 14), history=False)
                else:
                    make_meeting(jordan.candidate, person, ("invited", "needs_approval", "approved")[i % 3],
                                 slots=[at(20, 14)], history=False)
            db.session.commit()

    add(1, 0)
    few = page_statements(app, client, "/").selects
    add(11, 100)
    many = page_statements(app, client, "/").selects
    assert "Person 110" in conversations(client)
    assert len(many) == len(few)
    assert sum(bool(re.search(r"FROM meeting\b", statement)) for statement in many) == 1


def test_no_countdown_once_the_candidate_accepted(app, client, auth):
    from portal.timeutil import utcnow

    with app.app_context():
        candidate = make_candidate(name="Jordan Lee", stage="accepted", deadline_days=3)
        candidate.decided_at = utcnow()
        db.session.commit()
        auth.login(candidate.user)
    words = text_of(client.get("/").get_data(as_text=True))
    assert "You accepted the offer on" in words
    assert "days left" not in words and "please let us know by" not in words


def test_answers_coming_in_writing_and_times_proposed_to_the_candidate_are_on_home(app, client, jordan):
    """A confirmed written exchange has no time: it is still coming up. Times a person proposed wait for
    the candidate: that request comes first, with the one link that answers it."""
    tom_waiting = meeting(app, jordan.candidate, jordan.tom, "invited", slots=[at(6, 14)])
    proposed = meeting(app, jordan.candidate, jordan.amara, "proposed", counter=[at(7, 15)])
    written = meeting(app, jordan.candidate, make_person(app, "Kofi Mensah"), "confirmed", fmt="written")
    words = conversations(client)
    assert "Coming up 1" in words and "Kofi Mensah · Written answers" in words
    assert "Kofi is answering in writing, in their own time" in words
    assert "Waiting for an answer 2" in words
    assert words.index("Amara Okafor") < words.index("Tom Becker")  # the candidate's turn first
    assert "Amara proposed other times choose one" in words and "Choose one of Amara's times" in words
    assert f'href="/meetings/{proposed}#proposal"' in box_html(client)
    assert f'href="/meetings/{written}"' in box_html(client) and f'href="/meetings/{tom_waiting}"' in box_html(client)


def make_person(app, name: str) -> int:
    with app.app_context():
        person = make_staff("team", title="Data Engineer", name=name, timezone="Africa/Accra")
        db.session.commit()
        return person.id
