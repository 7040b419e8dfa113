"""Propose other times (issue 15, item 1): the person proposes from their real free times, the candidate
sees the proposal on their request and accepts one in a click (confirmed, calendar invitations to both)
or says none suits (the request closes, the person is told); times that pass end the proposal."""

import re
from datetime import time, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from factories import add_windows, make_meeting
from helpers import csrf_token, deliver_mail, text_of
from invite_helpers import build_world, candidate_client, make_request, world_ids, world_rows

from portal.auth.models import ActionToken, User
from portal.extensions import db
from portal.meetings import notify
from portal.meetings.capacity import has_waiting, week_counts
from portal.meetings.models import CounterTime, Meeting
from portal.meetings.states import confirm, end_conversation
from portal.meetings.tasks import run_due
from portal.timeutil import utcnow


@pytest.fixture
def world(app, frozen):
    """Jordan (New York) asks Tom (Toronto, free 09:00–17:00 on weekdays) for three times on Thursday."""
    with app.app_context():
        rows = build_world()
        add_windows(rows.tom, time(9), time(17), "America/Toronto")
        ids = world_ids(rows)
        meeting = make_request(rows, rows.tom)
        notify.request_created(meeting, by=rows.candidate.user)
        db.session.commit()
        ids.meeting = meeting.id
    return ids


@pytest.fixture
def propose_path(app, world, smtp):
    deliver_mail(app)
    (mail,) = [m for m in smtp.messages_to("tom@example.com") if "would like to talk to you" in m["Subject"]]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https?://[^/\s]+(/invite/\S+)", text)[2]


def offered_times(html: str) -> list[str]:
    return re.findall(r'name="times" value="([^"]+)"', html)


def propose(client, path, times, message=""):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "times": times, "message": message})


def meeting_state(app, meeting_id):
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        used = db.session.scalar(sa.select(sa.func.count()).select_from(ActionToken).where(
            ActionToken.subject_id == meeting_id, ActionToken.used_at.is_not(None)))
        return meeting.status, [t.start_at for t in meeting.counter_times], meeting.start_at, used


@pytest.fixture
def jordan(app, world):
    return candidate_client(app, world)


@pytest.fixture
def proposed(app, world, propose_path, smtp):
    """Tom proposed the first two of his free times, with a message; the mail has gone out."""
    person = app.test_client()
    times = offered_times(person.get(propose_path).get_data(as_text=True))[:2]
    assert propose(person, propose_path, times, "Mornings are hard, sorry!").status_code == 200
    deliver_mail(app)
    return times


def test_the_propose_page_offers_the_persons_real_free_times_and_shows_the_candidates(app, world, propose_path):
    person = app.test_client()
    html = unescape(person.get(propose_path).get_data(as_text=True))
    times = offered_times(html)
    assert times, "Tom's free times are offered"
    # Every offered time is in Tom's free window and within Jordan's day, labelled in both zones.
    assert "(your time, America/Toronto; Jordan's in brackets)" in html
    assert re.search(r"\d\d:\d\d–\d\d:\d\d EST \(\d\d:\d\d–\d\d:\d\d EST for Jordan\)", html)
    assert "The times Jordan offered" in html and "Thu 6 Mar" in html
    assert "A date and time" not in html  # no free text plus a date any more


def test_a_proposal_needs_one_to_three_real_free_times_and_a_refusal_changes_nothing(app, world, propose_path):
    person = app.test_client()
    times = offered_times(person.get(propose_path).get_data(as_text=True))
    for data, message in (([], "Choose at least one of your free times."),
                          (times[:4], "Choose up to 3 times."),
                          (["2031-03-04T03:00Z"], "isn't free any more"),  # 22:00 for Jordan: not offered
                          (["not a time"], "Choose times from the list."),
                          (["9999-12-31T23:30Z"], "Choose times from the list."),  # beyond a year
                          (["0001-01-01T00:00Z"], "Choose times from the list.")):
        refused = propose(person, propose_path, data)
        assert refused.status_code == 422 and message in unescape(refused.get_data(as_text=True))
        assert meeting_state(app, world.meeting) == ("invited", [], None, 0)


def test_proposing_waits_for_the_candidate_and_mails_them_the_times_in_their_zone(app, world, proposed, smtp,
                                                                                   propose_path):
    status, counter, start, used = meeting_state(app, world.meeting)
    assert status == "proposed" and len(counter) == 2 and start is None and used == 3
    (mail,) = smtp.messages_to("jordan@example.com")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert mail["Subject"] == "Tom Becker proposed other times"
    assert "Mornings are hard, sorry!" in body and f"/meetings/{world.meeting}" in body
    assert "EST (America/New_York)" in body
    (recruiter,) = smtp.messages_to("riley@example.com")
    assert "nothing is needed from you" in recruiter.get_body(preferencelist=("plain",)).get_content()
    again = app.test_client().get(propose_path)
    assert again.status_code == 410 and "already proposed other times" in again.get_data(as_text=True)


def test_the_candidate_accepts_a_proposed_time_in_one_click(app, world, proposed, jordan, smtp):
    page = jordan.get(f"/meetings/{world.meeting}")
    html = unescape(page.get_data(as_text=True))
    assert "Tom proposed other times" in html and "Mornings are hard, sorry!" in html
    ids = re.findall(r'name="time" value="(\d+)"', html)
    assert len(ids) == 2
    token = csrf_token(jordan, f"/meetings/{world.meeting}")
    answer = jordan.post(f"/meetings/{world.meeting}/proposal/accept", data={"csrf_token": token, "time": ids[1]})
    assert answer.status_code == 302
    status, counter, start, _ = meeting_state(app, world.meeting)
    assert status == "confirmed" and start == counter[1]
    deliver_mail(app)
    for address in ("jordan@example.com", "tom@example.com"):
        (confirmation,) = [m for m in smtp.messages_to(address) if m["Subject"].startswith("Confirmed")]
        assert any(part.get_content_type() == "text/calendar" for part in confirmation.walk())
    assert "Confirmed" in text_of(jordan.get(f"/meetings/{world.meeting}").get_data(as_text=True), "meeting")


def test_a_taken_time_or_no_choice_is_refused_and_the_proposal_stays(app, world, proposed, jordan):
    with app.app_context():
        meeting = db.session.get(Meeting, world.meeting)
        taken_id, taken_start = meeting.counter_times[0].id, meeting.counter_times[0].start_at
        other = make_request(world_rows(world), db.session.get(User, world.ceo), starts=[taken_start], questions=[])
        confirm(other, taken_start)  # Jordan's time is now held by a conversation with Amara
        db.session.commit()
    token = csrf_token(jordan, f"/meetings/{world.meeting}")
    for data, message in (({"time": str(taken_id)}, "That time was just taken"),
                          ({}, "Choose one of the times Tom proposed.")):
        refused = jordan.post(f"/meetings/{world.meeting}/proposal/accept", data={"csrf_token": token, **data})
        assert refused.status_code == 422 and message in unescape(refused.get_data(as_text=True))
        assert meeting_state(app, world.meeting)[0] == "proposed"
    page = unescape(jordan.get(f"/meetings/{world.meeting}").get_data(as_text=True))
    assert "No longer free:" in page and len(re.findall(r'name="time" value="(\d+)"', page)) == 1


def test_none_suits_closes_the_request_tells_the_person_and_lets_the_candidate_ask_again(app, world, proposed,
                                                                                        jordan, smtp):
    token = csrf_token(jordan, f"/meetings/{world.meeting}")
    assert jordan.post(f"/meetings/{world.meeting}/proposal/decline", data={"csrf_token": token}).status_code == 302
    assert meeting_state(app, world.meeting)[0] == "cancelled"
    deliver_mail(app)
    (told,) = [m for m in smtp.messages_to("tom@example.com") if "Cancelled" in m["Subject"]]
    assert "None of the times Tom proposed suits Jordan." in told.get_body(preferencelist=("plain",)).get_content()
    with app.app_context():
        assert not has_waiting(world.candidate, world.tom)


def test_times_that_pass_end_the_proposal_and_everyone_hears(app, world, proposed, frozen, smtp, jordan):
    with app.app_context():
        last = max(t.start_at for t in db.session.get(Meeting, world.meeting).counter_times)
    frozen.move_to(last - timedelta(minutes=1), tick=False)
    with app.app_context():
        assert run_due(utcnow()).proposals_expired == 0
        db.session.commit()
    frozen.move_to(last + timedelta(minutes=1), tick=False)
    with app.app_context():
        assert run_due(utcnow()).proposals_expired == 1
        db.session.commit()
        assert run_due(utcnow()).proposals_expired == 0  # once
    assert meeting_state(app, world.meeting)[0] == "expired"
    deliver_mail(app)
    for address in ("jordan@example.com", "tom@example.com", "riley@example.com"):
        assert [m for m in smtp.messages_to(address) if "No answer to Tom Becker's proposed times" in m["Subject"]]
    page = unescape(jordan.get("/meetings").get_data(as_text=True))
    assert "None of the times Tom proposed was chosen in time." in page


def test_a_proposal_counts_against_the_persons_weekly_cap(app, world, proposed):
    with app.app_context():
        tom = db.session.get(User, world.tom)
        counts = week_counts(tom.profile, utcnow())
        assert sum(counts.values()) == 1  # the proposal's week, once (not the old invitation's slots too)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CounterTime)) == 2



def test_a_conversation_booked_from_a_proposal_and_cancelled_later_doesnt_say_the_times_failed(app, world, proposed,
                                                                                           jordan):
    token = csrf_token(jordan, f"/meetings/{world.meeting}")
    page = unescape(jordan.get(f"/meetings/{world.meeting}").get_data(as_text=True))
    first = re.findall(r'name="time" value="(\d+)"', page)[0]
    jordan.post(f"/meetings/{world.meeting}/proposal/accept", data={"csrf_token": token, "time": first})
    with app.app_context():  # called off later (by the recruiter, say: it starts within the candidate's cut-off)
        end_conversation(db.session.get(Meeting, world.meeting), "cancelled", reason="Something came up")
        db.session.commit()
    shown = text_of(jordan.get(f"/meetings/{world.meeting}").get_data(as_text=True), "meeting")
    assert "Cancelled" in shown and "didn't work out" not in shown


def test_a_proposal_left_unanswered_ends_after_as_long_as_the_person_had(app, world, frozen, smtp, jordan):
    """Times a week ahead don't hold Tom's week for a week: unanswered for 72 hours, the proposal closes."""
    with app.app_context():
        end_conversation(db.session.get(Meeting, world.meeting), "cancelled")
        later = utcnow() + timedelta(days=6)
        meeting = make_meeting(world.candidate, world.tom, "proposed", counter=[later], history=True)
        db.session.commit()
        meeting_id = meeting.id
    page = unescape(jordan.get(f"/meetings/{meeting_id}").get_data(as_text=True))
    assert "Choose by Thu 6 Mar 2031, 07:00 EST (America/New_York)" in page  # T0 + 72 hours, Jordan's clock
    frozen.move_to(utcnow() + timedelta(hours=72) - timedelta(minutes=1), tick=False)
    with app.app_context():
        assert run_due(utcnow()).proposals_expired == 0
        db.session.commit()
    frozen.move_to(utcnow() + timedelta(minutes=2), tick=False)
    with app.app_context():
        assert run_due(utcnow()).proposals_expired == 1
        db.session.commit()
    assert meeting_state(app, meeting_id)[0] == "expired"
