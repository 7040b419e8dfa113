"""Who else to ask when a conversation doesn't happen (meetings.alternatives): the same questions,
free before the deadline, never the person it was with nor someone already asked; the decline and
rejection mails and the conversation page show them, each one click from a prefilled request.

The story, frozen on Monday 3 March 2031 12:00 UTC (``frozen``): Jordan Lee (New York, decision due
in 10 days) asked Tom Becker (Platform) about growth and on-call; Tom declined.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from candidate_helpers import client_login, make_world
from factories import add_windows, make_candidate, make_meeting, make_position, make_staff, make_user
from helpers import HTMX, sql_statements, text_of

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings import notify
from portal.meetings.alternatives import alternatives
from portal.meetings.free_times import bookable_slots
from portal.meetings.states import transition
from portal.people.models import AvailabilityWindow, StaffProfile, TimeOff
from portal.questions.models import Question
from portal.timeutil import utcnow

NOW = datetime(2031, 3, 3, 12, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")  # EST until Sunday 9 March 2031, EDT after


def ny(day: int, hour: int) -> datetime:
    """A wall-clock time in New York in March 2031, as UTC."""
    return datetime(2031, 3, day, hour, tzinfo=NEW_YORK).astimezone(UTC)


def person(name, *, topics="", team="Elsewhere", title="Engineer", free=True, **profile):
    user = make_staff("team", title=title, team=team, name=name, email=f"{name.replace(' ', '.').lower()}@example.com",
                      timezone="America/New_York")
    user.profile.topics = topics
    for key, value in profile.items():
        setattr(user.profile, key, value)
    if free:
        add_windows(user, time(10), time(12), "America/New_York")
    db.session.flush()
    return user


def build() -> SimpleNamespace:
    riley = make_user("recruiter", name="Riley Morgan", email="riley@example.com", timezone="Europe/London")
    tom = person("Tom Becker", topics="on-call, career growth", team="Platform", title="Senior Engineer")
    jordan = make_candidate(owner=riley, position=make_position("Backend Engineer", "Platform"), name="Jordan Lee",
                            email="jordan@example.com", timezone="America/New_York", deadline_days=10)
    growth = Question(candidate_id=jordan.id, text="How do engineers grow here?", category="growth")
    oncall = Question(candidate_id=jordan.id, text="What is on-call like?", category="other")
    db.session.add_all([growth, oncall])
    db.session.flush()
    declined = make_meeting(jordan, tom, "declined", questions=[growth, oncall], reason="On leave, sorry.",
                            actor=tom)
    return SimpleNamespace(riley=riley, tom=tom, jordan=jordan, growth=growth, oncall=oncall, declined=declined)


@pytest.fixture
def story(frozen, app_ctx):
    return build()


def names(found) -> list[str]:
    return [a.person.name for a in found]


def test_up_to_three_free_people_for_the_same_questions_best_first(story):
    person("Lena Park", topics="on-call, mentoring, career growth")  # both questions
    person("Priya Shah", topics="career growth")
    person("Omar Aziz", topics="on-call")
    person("Zoe Adams", topics="mentoring, promotion")
    person("Nobody Matches", topics="fundraising")
    found = alternatives(story.declined, utcnow())
    assert names(found) == ["Lena Park", "Omar Aziz", "Priya Shah"]  # most questions, then best place, then name
    lena = found[0]
    assert set(lena.reasons) >= {"on-call"} and len(lena.reasons) <= 3
    assert lena.params == {"user_id": lena.person.id, "format": "video", "length": 30,
                           "q": [story.growth.id, story.oncall.id]}
    assert lena.first_free.start == bookable_slots(story.jordan, lena.profile, 30, utcnow())[0].start
    assert lena.early_late is None


def test_the_first_free_time_shown_is_within_the_candidates_hours_when_one_is(story):
    night = person("Night Owl", topics="career growth", free=False)
    add_windows(night, time(4), time(5), "America/New_York", weekdays=[1])  # Tuesdays 04:00, early for Jordan
    add_windows(night, time(9), time(10), "America/New_York", weekdays=[3])  # Thursdays 09:00
    (owl,) = alternatives(story.declined, utcnow())
    assert (owl.first_free.start, owl.early_late) == (ny(6, 9), None)
    db.session.execute(sa.delete(AvailabilityWindow).where(AvailabilityWindow.weekday == 3,
                                                           AvailabilityWindow.user_id == night.id))
    db.session.expire_all()
    (owl,) = alternatives(story.declined, utcnow())
    assert (owl.first_free.start, owl.early_late) == (ny(4, 4), "early")
    notify.meeting_declined(story.declined, story.tom)
    text = outbox("meeting_declined")["jordan@example.com"].text_body
    assert "First free time: Tue 4 Mar 2031, 04:00 EST (America/New_York) (early for you)." in text


def test_never_the_person_it_was_with_someone_already_asked_or_someone_not_taking_requests(story):
    will = person("Will Waiting", topics="career growth")
    make_meeting(story.jordan, will, "invited", actor=story.jordan.user)  # Jordan already asked Will
    person("Cleo Closed", topics="career growth", accepting_requests=False)
    person("Hana Hidden", topics="career growth", visible=False)
    person("Carl Capless", topics="career growth", weekly_cap=0)
    gone = person("Gus Gone", topics="career growth")
    gone.active = False
    ann = person("Answered Ann", topics="career growth")  # asked before and done: she may be asked again
    make_meeting(story.jordan, ann, "completed", start=NOW - timedelta(days=1), actor=story.jordan.user)
    db.session.flush()
    assert names(alternatives(story.declined, utcnow())) == ["Answered Ann"]


def test_only_people_with_a_time_before_the_deadline_and_room_in_their_week(story):
    person("Ben Busy", topics="career growth", free=False)  # no windows at all
    dan = person("Dan Away", topics="career growth")  # away until after Jordan's deadline
    db.session.add(TimeOff(profile=dan.profile, start_date=date(2031, 3, 3), end_date=date(2031, 3, 16)))
    cara = person("Cara Capped", topics="career growth", weekly_cap=1)  # one a week: both weeks taken
    other = make_candidate(name="Sam Rivera", timezone="Europe/London")
    make_meeting(other, cara, "invited", actor=other.user,
                 slots=[ny(4, 10), ny(11, 10)])
    eve = person("Eve Booked", topics="career growth", weekly_cap=5)  # every free time taken by confirmed ones
    db.session.execute(sa.delete(AvailabilityWindow).where(AvailabilityWindow.user_id == eve.id))
    add_windows(eve, time(10), time(10, 30), "America/New_York", weekdays=[1])  # Tuesdays 10:00–10:30
    for day in (4, 11):
        make_meeting(other, eve, "confirmed", start=ny(day, 10), actor=other.user)
    db.session.flush()
    db.session.expire_all()
    assert alternatives(story.declined, utcnow()) == []
    for user in (db.session.get(StaffProfile, p.id) for p in (dan, cara, eve)):
        assert bookable_slots(story.jordan, user, 30, utcnow()) == []  # the same rules as the request form
    ok = person("Fay Free", topics="career growth")
    assert names(alternatives(story.declined, utcnow())) == ["Fay Free"]
    assert bookable_slots(story.jordan, ok.profile, 30, utcnow())


def test_the_candidates_own_conversations_count_as_busy(story):
    fay = person("Fay Free", topics="career growth")
    db.session.execute(sa.delete(AvailabilityWindow).where(AvailabilityWindow.user_id == fay.id))
    add_windows(fay, time(10), time(10, 30), "America/New_York", weekdays=[2])  # Wednesdays 10:00–10:30
    busy = person("Bo Other", topics="fundraising", title="Partner")
    for day in (5, 12):  # Jordan is talking to Bo at both of Fay's times
        make_meeting(story.jordan, busy, "confirmed", start=ny(day, 10), actor=story.jordan.user)
    db.session.expire_all()
    assert alternatives(story.declined, utcnow()) == []


def test_without_an_open_agenda_the_persons_topics_and_team(story):
    empty = make_meeting(story.jordan, story.tom, "rejected", reason="Not now.", actor=story.riley)
    person("Lena Park", topics="on-call")
    person("Pat Platform", topics="", team="Platform")
    person("Nobody Matches", topics="fundraising")
    found = alternatives(empty, utcnow())
    assert names(found) == ["Lena Park", "Pat Platform"]
    assert all("q" not in a.params for a in found)
    story.growth.status = story.oncall.status = "answered"  # an agenda all answered counts as none
    db.session.flush()
    assert names(alternatives(story.declined, utcnow())) == ["Lena Park", "Pat Platform"]


def test_a_private_question_is_matched_by_its_category_only(story):
    secret = Question(candidate_id=story.jordan.id, text="Is the zebracorn project real?", category="growth",
                      private=True)
    db.session.add(secret)
    db.session.flush()
    meeting = make_meeting(story.jordan, story.tom, "declined", questions=[secret], actor=story.tom)
    person("Zed Zebracorn", topics="zebracorn")
    person("Priya Shah", topics="mentoring")
    found = alternatives(meeting, utcnow())
    assert names(found) == ["Priya Shah"] and "zebracorn" not in str([a.reasons for a in found])
    assert found[0].params["q"] == [secret.id]


def test_written_answers_need_no_time_and_nobody_once_the_offer_process_ended(story):
    written = make_meeting(story.jordan, story.tom, "declined", fmt="written", questions=[story.growth],
                           actor=story.tom)
    person("Ben Busy", topics="career growth", free=False)
    (ben,) = alternatives(written, utcnow())
    assert ben.first_free is None and ben.params["format"] == "written"
    story.jordan.stage = "accepted"
    assert alternatives(written, utcnow()) == [] and alternatives(story.declined, utcnow()) == []


def test_a_fixed_number_of_queries_whatever_the_directory_size(story, app_ctx):
    person("Lena Park", topics="on-call")
    db.session.commit()

    def count():
        meeting = db.session.get(type(story.declined), story.declined.id)
        _ = meeting.candidate.user, meeting.candidate.position, meeting.staff.profile
        with sql_statements(app_ctx) as seen:
            found = alternatives(meeting, utcnow())
        db.session.expire_all()
        return len(seen), found

    few, found = count()
    for n in range(25):
        busy = person(f"Extra Person{n}", topics="career growth, on-call" if n % 2 else "mentoring",
                      free=n % 3 != 0)
        make_meeting(make_candidate(name=f"Other Candidate{n}"), busy, "invited", actor=None,
                     slots=[NOW + timedelta(days=1, hours=3)])
    db.session.commit()
    many, found_many = count()
    assert few == many <= 9, (few, many)
    assert len(found) == 1 and len(found_many) == 3


# --- the mails ------------------------------------------------------------------------------------


def outbox(kind) -> dict[str, OutboxMessage]:
    return {m.to_addr: m for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind))}


def test_the_decline_mail_suggests_others_one_click_from_a_prefilled_request(story):
    lena = person("Lena Park", topics="on-call, career growth")
    priya = person("Priya Shah", topics="career growth")
    notify.meeting_declined(story.declined, story.tom)
    notify.meeting_declined(story.declined, story.tom)  # the same event twice: one mail each
    mails = outbox("meeting_declined")
    assert set(mails) == {"jordan@example.com", "riley@example.com"}
    text = mails["jordan@example.com"].text_body
    assert "On leave, sorry." in text and "Lena Park, Engineer, Elsewhere" in text and "Priya Shah" in text
    link = f"http://portal.test/people/{lena.id}/request?format=video&length=30&q={story.growth.id}&q={story.oncall.id}"
    assert link in text and link.replace("&", "&amp;") in mails["jordan@example.com"].html_body
    assert f"/people/{priya.id}/request?" in text
    # Each with its first free time in Jordan's zone, named: today 10:00 in New York.
    assert "First free time: Mon 3 Mar 2031, 10:00 EST (America/New_York)." in text
    assert "Or browse everyone: http://portal.test/people" in text
    riley = mails["riley@example.com"].text_body
    assert "Jordan has been pointed to Lena Park and Priya Shah" in riley and "/request?" not in riley


def test_with_nobody_to_suggest_the_mail_says_so_and_offers_the_directory(story):
    notify.meeting_declined(story.declined, story.tom)
    mails = outbox("meeting_declined")
    text, html = mails["jordan@example.com"].text_body, mails["jordan@example.com"].html_body
    assert "We couldn't find anyone else who covers the same questions" in text
    assert "http://portal.test/people" in text and ">Browse everyone</a>" in html and "/request?" not in text
    assert "so Jordan has been pointed to the directory" in mails["riley@example.com"].text_body


def test_the_rejection_mail_suggests_others_too(story):
    amara = make_staff("leadership", title="Chief Executive Officer", name="Amara Okafor", email="amara@example.com")
    meeting = make_meeting(story.jordan, amara, "needs_approval", questions=[story.growth], actor=story.jordan.user)
    transition(meeting, "rejected", actor=story.riley, reason="Amara is away this month.")
    lena = person("Lena Park", topics="career growth")
    notify.request_rejected(meeting, story.riley)
    (mail,) = outbox("meeting_rejected").values()
    assert mail.to_addr == "jordan@example.com" and "Amara is away this month." in mail.text_body
    assert f"http://portal.test/people/{lena.id}/request?format=video&length=30&q={story.growth.id}" in mail.text_body


# --- the request form and the conversation page ---------------------------------------------------


@pytest.fixture
def world(make_app, frozen, notified):
    """The candidate side's story (candidate_helpers.py) with Priya, who talks about career growth."""
    world = make_world(make_app(WTF_CSRF_ENABLED=False), notified)
    with world.app.app_context():
        priya = person("Priya Shah", topics="career growth", team="Product", title="Product Manager")
        db.session.commit()
        world.priya = priya.id
    return world


def declined_with_tom(world, *questions) -> int:
    with world.app.app_context():
        meeting = make_meeting(world.candidate, world.tom, "declined", questions=questions or [world.growth],
                               reason="Away that week.", actor=None)
        db.session.commit()
        return meeting.id


def checked(html: str) -> set[int]:
    import re

    return {int(m) for m in re.findall(r'name="questions" value="(\d+)" checked', html)}


def test_the_request_form_preselects_the_candidates_own_open_questions_from_q(world):
    url = f"/people/{world.priya}/request"
    assert checked(world.client.get(url).get_data(as_text=True)) == set()
    html = world.client.get(f"{url}?format=phone&length=45&q={world.growth}&q={world.direction}").get_data(as_text=True)
    assert checked(html) == {world.growth, world.direction}
    assert '<input type="hidden" name="format" value="phone">' in html
    assert '<input type="hidden" name="length" value="45">' in html
    # Another candidate's question, an answered one, nonsense: ignored, never shown, never a 500.
    response = world.client.get(f"{url}?q={world.foreign}&q={world.done}&q=abc&q=-1&q=99999999999&q=")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and checked(html) == set() and "secret question" not in html
    # The form sends what was preselected: the new request carries those questions.
    assert checked(world.client.get(f"/people/{world.ceo}/request?q={world.growth}").get_data(as_text=True)) == {
        world.growth, world.direction}  # Amara's own question stays suggested too


def test_the_conversation_page_after_a_decline_lists_others_one_click_away(world):
    meeting_id = declined_with_tom(world)
    response = world.client.get(f"/meetings/{meeting_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    section = text_of(html, "alternatives")
    assert "Others who can answer the same questions" in section and "Ask Priya Shah" in section
    assert "First free time: Mon 3 Mar 2031, 10:00 EST (America/New_York)." in section
    link = f"/people/{world.priya}/request?format=video&amp;length=30&amp;q={world.growth}"
    assert f'href="{link}"' in html and 'href="/people"' in html
    assert 'id="rebook"' not in html
    fragment = world.client.get(f"/meetings/{meeting_id}", headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="meeting">') and "Ask Priya Shah" in fragment
    # Following the link: the request form with the question already chosen.
    form = world.client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert checked(form) == {world.growth}


def test_the_page_says_so_when_nobody_is_free_and_shows_nothing_for_other_states(world):
    with world.app.app_context():
        db.session.get(StaffProfile, world.priya).accepting_requests = False
        db.session.commit()
    meeting_id = declined_with_tom(world)
    section = text_of(world.client.get(f"/meetings/{meeting_id}").get_data(as_text=True), "alternatives")
    assert "Nobody else who covers the same questions has a free time before your decision deadline" in section
    assert "Browse everyone" in section
    with world.app.app_context():
        invited = make_meeting(world.candidate, world.ceo, "invited", actor=None)
        db.session.commit()
        invited_id = invited.id
    html = world.client.get(f"/meetings/{invited_id}").get_data(as_text=True)
    assert 'id="alternatives"' not in html and 'id="rebook"' not in html


def test_the_conversation_page_costs_the_same_queries_whatever_the_directory_size(world):
    meeting_id = declined_with_tom(world)
    client_login(world.app, world.client, world.session_token)
    with sql_statements(world.app) as few:
        assert world.client.get(f"/meetings/{meeting_id}").status_code == 200
    with world.app.app_context():
        for n in range(20):
            person(f"Extra Person{n}", topics="career growth")
        db.session.commit()
    with sql_statements(world.app) as many:
        assert world.client.get(f"/meetings/{meeting_id}").status_code == 200
    assert len(few) == len(many)
