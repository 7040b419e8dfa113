"""After a no-show: the other side hears it kindly, the recruiter hears it, and the candidate can
book again in one click (the same person, or someone else) — by mail and on the conversation page.

Frozen on Monday 3 March 2031 (``frozen``); the conversation was at 10:00 in New York and Toronto
(15:00 UTC) and the clock is moved past it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from candidate_helpers import client_login, create, get
from factories import add_windows, make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import HTMX, text_of

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings import notify
from portal.meetings.alternatives import rebook
from portal.meetings.manage import person_no_show
from portal.meetings.models import Meeting
from portal.meetings.requests import RequestData, create_request, report_no_show
from portal.questions.models import Question
from portal.timeutil import utcnow

NEW_YORK = ZoneInfo("America/New_York")


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 3, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


START = ny(3, 10)  # Monday 10:00 in New York and Toronto, 15:00 UTC
AFTER = START + timedelta(minutes=40)


def staff(name, *, topics="", cap=3, zone="America/Toronto"):
    user = make_staff("team", title="Senior Engineer", team="Platform", name=name,
                      email=f"{name.split()[0].lower()}@example.com", timezone=zone)
    user.profile.topics, user.profile.weekly_cap = topics, cap
    add_windows(user, time(10), time(12), zone)
    return user


@pytest.fixture
def story(frozen, app_ctx):
    riley = make_user("recruiter", name="Riley Morgan", email="riley@example.com", timezone="Europe/London")
    tom = staff("Tom Becker", topics="on-call", cap=1)  # one conversation a week
    lena = staff("Lena Park", topics="career growth", zone="America/New_York")
    jordan = make_candidate(owner=riley, position=make_position("Backend Engineer", "Platform"), name="Jordan Lee",
                            email="jordan@example.com", timezone="America/New_York", deadline_days=10)
    growth = Question(candidate_id=jordan.id, text="How do engineers grow here?", category="growth")
    db.session.add(growth)
    db.session.flush()
    meeting = make_meeting(jordan, tom, "confirmed", start=START, questions=[growth], actor=tom)
    frozen.move_to(AFTER)
    return SimpleNamespace(riley=riley, tom=tom, lena=lena, jordan=jordan, growth=growth, meeting=meeting)


def mails(kind=None) -> dict[str, OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind.startswith("meeting_no_show"))
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return {m.to_addr: m for m in db.session.scalars(query)}


def manage_token(meeting, person) -> str:
    return notify.manage_link(meeting, person).rsplit("/", 1)[1]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_person_reports_it_and_the_candidate_is_told_kindly_with_a_one_click_rebook(story):
    person_no_show(manage_token(story.meeting, story.tom), utcnow())
    notify.no_show_reported(story.meeting, story.tom)  # the same event again: nothing more
    sent = mails()
    assert set(sent) == {"jordan@example.com", "riley@example.com"}
    to_jordan = sent["jordan@example.com"]
    assert to_jordan.kind == "meeting_no_show_candidate"
    assert to_jordan.subject == "Missed your conversation with Tom Becker? Book another time"
    text = flat(to_jordan.text_body)
    assert ("Tom let us know you couldn't make it to your conversation on Mon 3 Mar 2031, 10:00 EST "
            "(America/New_York). No problem: these things happen.") in text
    again = f"http://portal.test/people/{story.tom.id}/request?format=video&length=30&q={story.growth.id}"
    assert f"Book another time with Tom (the request opens with the same format and length and your questions " \
           f"already chosen): {again}" in text
    assert again.replace("&", "&amp;") in to_jordan.html_body and ">Book another time with Tom</a>" in to_jordan.html_body
    assert f"http://portal.test/people/{story.lena.id}/request?format=video&length=30&q={story.growth.id}" in text
    assert "If you did join and couldn't find Tom, write to Riley Morgan at riley@example.com." in text
    to_riley = flat(sent["riley@example.com"].text_body)
    assert sent["riley@example.com"].subject == "No-show: Jordan Lee and Tom Becker"
    assert ("Tom Becker reported that Jordan Lee didn't come to their conversation on Mon 3 Mar 2031, 15:00 GMT "
            "(Europe/London).") in to_riley
    assert f"http://portal.test/recruiter/candidates/{story.jordan.id}" in to_riley


def test_the_candidate_reports_it_and_the_person_is_told_whom_to_write_to(story):
    report_no_show(story.jordan, story.meeting, utcnow())
    sent = mails()
    assert set(sent) == {"tom@example.com", "riley@example.com"}  # Jordan knows: they said it
    to_tom = sent["tom@example.com"]
    assert (to_tom.kind, to_tom.subject) == ("meeting_no_show_person", "Jordan Lee couldn't reach you")
    text = flat(to_tom.text_body)
    assert ("Jordan let us know they couldn't reach you for your conversation on Mon 3 Mar 2031, 10:00 EST "
            "(America/Toronto)") in text
    assert "write to Riley Morgan at riley@example.com and they'll sort it out" in text
    assert 'href="mailto:riley@example.com"' in to_tom.html_body
    assert "/request?" not in text and "Growth" not in text
    to_riley = flat(sent["riley@example.com"].text_body)
    assert "Jordan Lee reported that Tom Becker didn't come" in to_riley and "write to you if that's wrong" in to_riley


def test_without_an_owner_every_recruiter_hears_and_the_person_is_given_one_to_write_to(story):
    story.jordan.owner = None
    sam = make_user("recruiter", name="Sam Ortiz", email="sam@example.com")
    report_no_show(story.jordan, story.meeting, utcnow())
    sent = mails()
    assert set(sent) == {"tom@example.com", "riley@example.com", "sam@example.com"}
    assert "write to Riley Morgan at riley@example.com" in flat(sent["tom@example.com"].text_body)
    assert "write to Riley Morgan if that's wrong" in flat(sent[sam.email].text_body)


def test_a_new_request_to_the_same_person_is_possible_after_a_no_show(story):
    person_no_show(manage_token(story.meeting, story.tom), utcnow())
    # Tom takes one conversation a week; the missed one doesn't use up this week, and nothing waits.
    data = RequestData(slots=[ny(4, 10)], question_ids=[story.growth.id])
    again = create_request(story.jordan, story.tom.profile, data, utcnow())
    assert again.status == "invited" and [s.start_at for s in again.slots] == [ny(4, 10)]
    assert rebook(story.meeting).params is None
    assert rebook(story.meeting).why_not == "You've already asked Tom again: that request is waiting for an answer."


def test_the_rebook_says_why_not_when_it_cant_be(story):
    report_no_show(story.jordan, story.meeting, utcnow())
    assert rebook(story.meeting).params == {"user_id": story.tom.id, "format": "video", "length": 30,
                                            "q": [story.growth.id]}
    story.tom.profile.accepting_requests = False
    assert rebook(story.meeting).why_not == "Tom isn't taking new conversations right now."
    story.tom.profile.accepting_requests = True
    story.jordan.stage = "accepted"
    assert rebook(story.meeting).params is None and "offer process has ended" in rebook(story.meeting).why_not


# --- the conversation page and the links, over HTTP -----------------------------------------------


def no_show_with_tom(world, frozen) -> int:
    """Jordan's conversation with Tom on Monday 10:00 Toronto (15:00 UTC), the clock 40 minutes past it."""
    meeting_id = create(world, "tom", "confirmed", start=START, questions=[world.growth])
    frozen.move_to(AFTER)
    client_login(world.app, world.client, world.session_token)
    return meeting_id


def sent_kinds(world) -> list[tuple[str, str]]:
    with world.app.app_context():
        return sorted(db.session.execute(sa.select(OutboxMessage.kind, OutboxMessage.to_addr).where(
            OutboxMessage.kind.startswith("meeting_no_show"))).all())


def test_after_reporting_it_the_candidate_sees_a_rebook_and_others_to_ask(world, frozen):
    meeting_id = no_show_with_tom(world, frozen)
    response = world.client.post(f"/meetings/{meeting_id}/no-show", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="meeting">')
    section = flat(text_of(body, "rebook"))
    assert section.startswith("Try again with Tom Sorry the conversation didn't happen. Your recruiter has been told.")
    link = f"/people/{world.tom}/request?format=video&amp;length=30&amp;q={world.growth}"
    assert f'href="{link}"' in body and "Book another time with Tom" in section
    assert "Or talk to someone else" in text_of(body, "alternatives")
    kinds = sent_kinds(world)
    assert [kind for kind, _ in kinds] == ["meeting_no_show_person", "meeting_no_show_recruiter"]


def test_the_person_reports_it_from_the_manage_link_and_the_candidate_rebooks_in_one_click(world, frozen):
    meeting_id = no_show_with_tom(world, frozen)
    with world.app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        token = manage_token(meeting, meeting.staff)
        db.session.commit()
    person = world.app.test_client()
    done = person.post(f"/invite/manage/{token}/no-show")
    assert done.status_code == 200 and get(world, Meeting, meeting_id).no_show_reported_by == "staff"
    assert [kind for kind, _ in sent_kinds(world)] == ["meeting_no_show_candidate", "meeting_no_show_recruiter"]

    html = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    section = flat(text_of(html, "rebook"))
    assert section.startswith("Couldn't make it? No problem Tom let us know you couldn't make it on "
                              "Mon 3 Mar 2031, 10:00 EST (America/New_York). These things happen: book another time.")
    link = re.search(r'href="(/people/\d+/request\?[^"]+)">\s*<strong>Book another time', html).group(1)
    form = world.client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert re.findall(r'name="questions" value="(\d+)" checked', form) == [str(world.growth)]
    assert '<input type="hidden" name="format" value="video">' in form
    sent = world.client.post(f"/people/{world.tom}/request", data={
        "format": "video", "length": "30", "slots": [ny(4, 10).strftime("%Y-%m-%dT%H:%MZ")],
        "questions": [str(world.growth)]})
    assert sent.status_code == 302
    with world.app.app_context():
        again = db.session.scalar(sa.select(Meeting).where(Meeting.staff_id == world.tom, Meeting.id != meeting_id))
        assert again.status == "invited"
    html = world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "You&#39;ve already asked Tom again: that request is waiting for an answer." in html
