"""A request whose offered times are all gone (issue 15, item 3): the candidate is told at once and
asked for new times, nobody is offered a taken time, and new times reach the person with a fresh
invitation and a fresh answering period."""

import re
from datetime import time, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import add_windows
from helpers import csrf_token, deliver_mail, text_of
from invite_helpers import build_world, candidate_client, make_request, slot_times, world_ids, world_rows

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings import notify
from portal.meetings.models import Meeting
from portal.meetings.states import confirm, end_conversation
from portal.meetings.tasks import run_due
from portal.timeutil import utcnow

GONE = "Choose new times for Tom Becker"


@pytest.fixture
def world(app, frozen):
    """Jordan (New York) offers Tom (Toronto, free 09:00–17:00 on weekdays) one time, Thursday 09:00 EST."""
    with app.app_context():
        rows = build_world()
        add_windows(rows.tom, time(9), time(17), "America/Toronto")
        ids = world_ids(rows)
        meeting = make_request(rows, rows.tom, starts=slot_times(1))
        notify.request_created(meeting, by=rows.candidate.user)
        db.session.commit()
        ids.meeting = meeting.id
    return ids


def take_jordans_time(app, world):
    """Amara accepts Jordan's other request at the very time Jordan offered Tom."""
    with app.app_context():
        start = db.session.get(Meeting, world.meeting).slots[0].start_at
        other = make_request(world_rows(world), db.session.get(User, world.ceo), starts=[start], questions=[])
        confirm(other, start)
        notify.meeting_confirmed(other, by=db.session.get(User, world.ceo))
        db.session.commit()


@pytest.fixture
def jordan(app, world):
    return candidate_client(app, world)


def subjects(smtp, address):
    return [m["Subject"] for m in smtp.messages_to(address)]


def test_a_taken_last_time_tells_the_candidate_at_once_and_the_person_is_not_offered_it(app, world, smtp, frozen):
    deliver_mail(app)
    (invitation,) = [m for m in smtp.messages_to("tom@example.com") if "would like to talk" in m["Subject"]]
    accept_path = re.findall(r"https?://[^/\s]+(/invite/\S+)", invitation.get_body(
        preferencelist=("plain",)).get_content())[0]
    take_jordans_time(app, world)
    deliver_mail(app)
    assert subjects(smtp, "jordan@example.com").count(GONE) == 1
    (mail,) = [m for m in smtp.messages_to("jordan@example.com") if m["Subject"] == GONE]
    assert f"/meetings/{world.meeting}#new-times" in mail.get_body(preferencelist=("plain",)).get_content()
    # Tom's page offers nothing taken, and the halfway reminder doesn't offer it again.
    page = unescape(app.test_client().get(accept_path).get_data(as_text=True))
    assert 'name="slot"' not in page and "None of the proposed times is free any more" in page
    frozen.move_to(utcnow() + timedelta(hours=37), tick=False)
    with app.app_context():
        assert run_due(utcnow()).reminded == 0
        db.session.commit()
    # Confirming something else for Jordan later doesn't ask twice for the same times.
    with app.app_context():
        notify.ask_for_new_times(db.session.get(Meeting, world.meeting))
        db.session.commit()
    deliver_mail(app)
    assert subjects(smtp, "jordan@example.com").count(GONE) == 1


def test_new_times_reach_the_person_with_a_fresh_invitation(app, world, smtp, frozen):
    take_jordans_time(app, world)
    frozen.move_to(utcnow() + timedelta(hours=60), tick=False)  # 12 hours of the first invitation left
    jordan = candidate_client(app, world)
    page = unescape(jordan.get(f"/meetings/{world.meeting}").get_data(as_text=True))
    assert "Choose new times for Tom" in page
    values = re.findall(r'name="slots" value="([^"]+)"', page)
    assert len(values) >= 2
    token = csrf_token(jordan, f"/meetings/{world.meeting}")
    sent = jordan.post(f"/meetings/{world.meeting}/times", data={"csrf_token": token, "slots": values[:2]})
    assert sent.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, world.meeting)
        assert [s.start_at.strftime("%Y-%m-%dT%H:%MZ") for s in meeting.slots] == values[:2]
        assert notify.invitation_expires_at(meeting) == utcnow() + timedelta(hours=72)
    deliver_mail(app)
    (fresh,) = [m for m in smtp.messages_to("tom@example.com") if m["Subject"].startswith("Jordan Lee would like")
                and "offered new times" in m.get_body(preferencelist=("plain",)).get_content()]
    body = fresh.get_body(preferencelist=("plain",)).get_content()
    assert "for Jordan" not in body or "EST" in body  # Tom and Jordan share a clock: one zone shown
    accept = re.findall(r"https?://[^/\s]+(/invite/\S+)", body)[0]
    offered = re.findall(r'name="slot" type="radio" value="(\d+)"',
                         app.test_client().get(accept).get_data(as_text=True))
    assert len(offered) == 2
    shown = text_of(jordan.get(f"/meetings/{world.meeting}").get_data(as_text=True), "meeting")
    assert "You offered new times" in shown and "Choose new times" not in shown


def test_bad_new_times_are_refused_and_change_nothing(app, world, jordan):
    token = csrf_token(jordan, f"/meetings/{world.meeting}")
    early = jordan.post(f"/meetings/{world.meeting}/times", data={"csrf_token": token, "slots": []})
    assert early.status_code == 422 and "isn't waiting for new times" in unescape(early.get_data(as_text=True))
    take_jordans_time(app, world)
    for data, message in (({"slots": []}, "Choose at least one time"),
                          ({"slots": ["2031-03-05T03:00Z"]}, "isn't one of Tom's free times"),
                          ({"slots": ["garbage"]}, "Choose times from the list.")):
        refused = jordan.post(f"/meetings/{world.meeting}/times", data={"csrf_token": token, **data})
        assert refused.status_code == 422 and message in unescape(refused.get_data(as_text=True)), message
        with app.app_context():
            assert len(db.session.get(Meeting, world.meeting).slots) == 1


def test_times_that_pass_ask_once_and_an_unanswered_request_says_why_it_expired(app, world, smtp, frozen):
    with app.app_context():  # the one time Jordan offered is tomorrow, well within the 72 hours to answer
        slot = db.session.get(Meeting, world.meeting).slots[0]
        slot.start_at = start = utcnow() + timedelta(days=1, hours=2)
        slot.end_at = start + timedelta(minutes=30)
        db.session.commit()
    frozen.move_to(start + timedelta(minutes=1), tick=False)
    with app.app_context():
        assert run_due(utcnow()).asked_for_times == 1
        db.session.commit()
        assert run_due(utcnow()).asked_for_times == 0
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.dedupe_key.startswith(f"meeting_times_gone:{world.meeting}:"))) == 1
    frozen.move_to(utcnow() + timedelta(hours=72), tick=False)
    with app.app_context():
        assert run_due(utcnow()).expired == 1
        db.session.commit()
    listing = unescape(candidate_client(app, world).get("/meetings").get_data(as_text=True))
    assert "None of the times offered was free any more, and no new ones were chosen in time." in listing


def test_new_times_for_a_request_that_changed_meanwhile_are_refused_and_nothing_is_sent(app, world, smtp):
    """Tom declines while Jordan is choosing new times (read before, saved after): Tom's answer stands."""
    take_jordans_time(app, world)
    from portal.meetings.proposals import offer_new_times
    from portal.meetings.free_times import bookable_slots
    from portal.meetings.requests import RequestError

    with app.app_context():
        meeting = db.session.get(Meeting, world.meeting)
        candidate = db.session.get(Candidate, world.candidate)
        start = bookable_slots(candidate, meeting.staff.profile, 30, utcnow(), exclude_id=meeting.id)[0].start
        outbox = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        db.session.execute(sa.text("UPDATE meeting SET status = 'declined' WHERE id = :id"), {"id": meeting.id})
        with pytest.raises(RequestError, match="This request was just changed"):
            offer_new_times(candidate, meeting, [start], utcnow())
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == outbox


def test_a_request_passed_to_someone_busy_at_every_offered_time_asks_for_new_times(app, world, smtp):
    """The recruiter passes Jordan's request for Amara to Tom, who is booked at that time: Jordan hears at once."""
    from portal.meetings.queue import redirect_request

    with app.app_context():
        rows = world_rows(world)
        end_conversation(db.session.get(Meeting, world.meeting), "cancelled")  # Jordan's own request to Tom
        start = slot_times(1, days=4)[0]
        ceo_request = make_request(rows, db.session.get(User, world.ceo), status="needs_approval", starts=[start],
                                   questions=[])
        db.session.get(User, world.tom).profile.weekly_cap = 5
        other = make_request(SimpleNamespace(candidate=_another(rows), public=rows.public, private=rows.private),
                             db.session.get(User, world.tom), starts=[start], questions=[])
        confirm(other, start)
        redirect_request(ceo_request, world.tom, db.session.get(User, world.recruiter))
        db.session.commit()
    deliver_mail(app)
    assert "Choose new times for Tom Becker" in subjects(smtp, "jordan@example.com")


def _another(rows):
    from invite_helpers import another_candidate
    return another_candidate(rows)


def test_a_fresh_invitation_gets_its_own_halfway_reminder(app, world, smtp, frozen):
    frozen.move_to(utcnow() + timedelta(hours=37), tick=False)
    with app.app_context():
        assert run_due(utcnow()).reminded == 1  # the first invitation's reminder, its time still free
        db.session.commit()
    take_jordans_time(app, world)
    jordan = candidate_client(app, world)
    page = unescape(jordan.get(f"/meetings/{world.meeting}").get_data(as_text=True))
    values = re.findall(r'name="slots" value="([^"]+)"', page)
    token = csrf_token(jordan, f"/meetings/{world.meeting}")
    assert jordan.post(f"/meetings/{world.meeting}/times",
                       data={"csrf_token": token, "slots": values[-1:]}).status_code == 302
    frozen.move_to(utcnow() + timedelta(hours=37), tick=False)
    with app.app_context():
        assert run_due(utcnow()).reminded == 1
        db.session.commit()
    deliver_mail(app)
    reminders = [m for m in smtp.messages_to("tom@example.com") if "still waiting" in
                 m.get_body(preferencelist=("plain",)).get_content()]
    assert len(reminders) == 2
