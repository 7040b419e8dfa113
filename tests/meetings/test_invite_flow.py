"""Accept by e-mail over real SMTP: the person's three links, GET shows, POST acts, links end."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import time_machine
from helpers import HTMX, Auth, count, csrf_token, deliver_mail, link_in
from invite_helpers import (
    SECRET,
    another_candidate,
    calendar_event,
    calendar_parts,
    make_request,
    read_like_a_scanner,
    stored_world,
    world_rows,
)

from portal.auth.models import ActionToken, User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings import notify
from portal.meetings.models import Meeting
from portal.meetings.states import confirm, end_conversation
from portal.timeutil import utcnow


@pytest.fixture
def world(app):
    return stored_world(app)


def create_request(app, world, person_id, **kwargs) -> int:
    """The candidate side's request_created, as requests.py calls it."""
    with app.app_context():
        rows = world_rows(world)
        meeting = make_request(rows, db.session.get(User, person_id), **kwargs)
        notify.request_created(meeting, by=rows.candidate.user)
        db.session.commit()
        return meeting.id


def invite_paths(message) -> dict[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    accept, decline, propose = re.findall(r"https?://[^/\s]+(/invite/\S+)", text)
    return {"accept": accept, "decline": decline, "propose": propose}


def mailed_invitation(app, smtp, address="amara@example.com"):
    deliver_mail(app)
    (mail,) = [m for m in smtp.messages_to(address) if "would like to talk to you" in m["Subject"]]
    return mail, invite_paths(mail)


def state(app, meeting_id):
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        used = db.session.scalar(sa.select(sa.func.count()).select_from(ActionToken)
                                 .where(ActionToken.used_at.is_not(None)))
        return meeting.status, meeting.staff_id, meeting.start_at, used, count(OutboxMessage)


def post(client, path, **data):
    """POST as the page's form would; a page without a form (a used link) borrows the sign-in form's token."""
    page = client.get(path)
    token = csrf_token(client, path if page.status_code == 200 else "/login")
    return client.post(path, data={"csrf_token": token, **data})


def slot_ids(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'name="slot" type="radio" value="(\d+)"', html)]


@pytest.fixture
def to_tom(app, world, smtp):
    """Jordan's request to Tom (no approval needed: straight to him), the invitation it mailed him (its
    links by action) and a browser of his that has not opened them yet."""
    meeting_id = create_request(app, world, world.tom)
    _, paths = mailed_invitation(app, smtp, "tom@example.com")
    return SimpleNamespace(meeting_id=meeting_id, paths=paths, person=app.test_client())


def test_approve_then_accept_by_email_then_cancel(app, client, world, smtp):
    meeting_id = create_request(app, world, world.ceo, status="needs_approval")
    deliver_mail(app)
    (approval,) = smtp.messages_to("riley@example.com")
    assert approval["Subject"] == "Approval needed: Jordan Lee would like to talk to Amara Okafor"
    assert link_in(approval).startswith("/review/")  # approve or reject from the mail (test_review_link.py)
    assert "/recruiter/requests" in approval.get_body(preferencelist=("plain",)).get_content()  # or the queue
    assert smtp.messages_to("amara@example.com") == []  # nothing reaches the CEO before approval

    with app.app_context():
        Auth(app, client).login(db.session.get(User, world.recruiter))
    data = {"csrf_token": csrf_token(client, "/recruiter/requests")}
    assert client.post(f"/recruiter/requests/{meeting_id}/approve", data=data).status_code == 302
    mail, paths = mailed_invitation(app, smtp)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Jordan Lee" in text and "Senior Backend Engineer" in text and "Looking forward!" in text
    assert "Where is the company going" in text and "A private question" in text and SECRET not in mail.as_string()
    with app.app_context():  # the first time Jordan offered (as stored: no second reading of the clock)
        start = db.session.get(Meeting, meeting_id).slots[0].start_at
    # in Amara's zone, and when it starts for Jordan: "…, 15:00–15:30 CET (09:00 EST for Jordan)"
    both = app.jinja_env.filters["both_zones"](start, start + timedelta(minutes=30), "Europe/Berlin", "America/New_York",
                                               "Jordan")
    assert both in text and both.endswith("for Jordan)")

    person = app.test_client()
    before = state(app, meeting_id)
    for path in paths.values():
        read_like_a_scanner(person, path)
    assert state(app, meeting_id) == before
    page = person.get(paths["accept"]).get_data(as_text=True)
    assert "Accept Jordan Lee's request?" in page and "(your time, Europe/Berlin)" in page
    fragment = person.get(paths["accept"], headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="invite_form">') and "<html" not in fragment

    chosen = slot_ids(page)[1]
    done = post(person, paths["accept"], slot=chosen)
    assert done.status_code == 200 and "You're meeting Jordan Lee" in done.get_data(as_text=True)
    status, _, start_at, _, _ = state(app, meeting_id)
    assert status == "confirmed"

    deliver_mail(app)
    for address, zone, other in (("jordan@example.com", "America/New_York", "Amara"),
                                 ("amara@example.com", "Europe/Berlin", "Jordan")):
        (confirmation,) = [m for m in smtp.messages_to(address) if m["Subject"].strip().startswith("Confirmed")]
        body = confirmation.get_body(preferencelist=("plain",)).get_content()
        assert f"({zone})" in confirmation["Subject"] and f"for {other})" in body and "https://meet.jit.si/" in body
        (part,) = calendar_parts(confirmation)
        assert part.get_param("method") == "REQUEST"
        _, event = calendar_event(confirmation)
        with app.app_context():
            uid = db.session.get(Meeting, meeting_id).uid
        assert str(event["UID"]) == uid and event.decoded("DTSTART") == start_at
        assert {str(a) for a in event["ATTENDEE"]} == {"mailto:jordan@example.com", "mailto:amara@example.com"}

    used = person.get(paths["accept"])
    assert used.status_code == 410 and "This conversation is already confirmed" in used.get_data(as_text=True)
    again = post(person, paths["decline"], reason="Changed my mind")
    assert again.status_code == 410 and state(app, meeting_id)[0] == "confirmed"

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        reminders = [m.dedupe_key for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "meeting_reminder", OutboxMessage.status == "pending"))]
        assert len(reminders) == 4 and all(f":{meeting_id}:1:" in key for key in reminders)
        end_conversation(meeting, "cancelled", actor=meeting.staff, reason="Travel")
        notify.meeting_cancelled(meeting, by=meeting.staff)
        db.session.commit()
        assert {m.last_error for m in db.session.scalars(sa.select(OutboxMessage)
                .where(OutboxMessage.kind == "meeting_reminder"))} == {"withdrawn: cancelled"}
    smtp.clear()
    deliver_mail(app)
    for address in ("jordan@example.com", "amara@example.com"):
        (cancelled,) = smtp.messages_to(address)
        calendar, event = calendar_event(cancelled)
        assert str(calendar["METHOD"]) == "CANCEL" and str(event["UID"]) == uid and int(event["SEQUENCE"]) == 2
        assert "Travel" in cancelled.get_body(preferencelist=("plain",)).get_content()


def test_decline_tells_the_candidate_and_the_recruiter(app, world, smtp, to_tom):
    meeting_id, paths, person = to_tom.meeting_id, to_tom.paths, to_tom.person
    page = person.get(paths["decline"]).get_data(as_text=True)
    assert "Decline Jordan Lee's request?" in page and 'name="reason"' in page
    assert post(person, paths["decline"], reason="On leave that week, sorry.").status_code == 200
    assert state(app, meeting_id)[0] == "declined"
    deliver_mail(app)
    for address in ("jordan@example.com", "riley@example.com"):
        (mail,) = smtp.messages_to(address)
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert "Tom Becker declined" in body and "On leave that week, sorry." in body and "/people" in body
    gone = person.get(paths["accept"])
    assert gone.status_code == 410 and "already been declined" in gone.get_data(as_text=True)


def test_expired_tampered_and_cancelled_links_say_so_and_change_nothing(app, world, smtp, to_tom):
    meeting_id, paths, person = to_tom.meeting_id, to_tom.paths, to_tom.person
    tampered = person.get(paths["accept"][:-3] + "xyz")
    assert tampered.status_code == 404 and "isn't valid" in tampered.get_data(as_text=True)
    before = state(app, meeting_id)
    with time_machine.travel(utcnow() + timedelta(hours=72, minutes=1)):
        token = csrf_token(person, "/login")
        page = person.get(paths["accept"])
        assert page.status_code == 410 and "This link has expired" in page.get_data(as_text=True)
        assert person.post(paths["accept"], data={"slot": "1", "csrf_token": token}).status_code == 410
    assert state(app, meeting_id) == before

    with app.app_context():  # the candidate withdraws the request: Tom is told, his links say so
        meeting, jordan = db.session.get(Meeting, meeting_id), world_rows(world).candidate.user
        end_conversation(meeting, "cancelled", actor=jordan)
        notify.meeting_cancelled(meeting, by=jordan)
        db.session.commit()
    deliver_mail(app)
    assert any(m["Subject"].startswith("Cancelled") for m in smtp.messages_to("tom@example.com"))
    assert not any(m["Subject"].startswith("Cancelled") for m in smtp.messages_to("jordan@example.com"))
    page = person.get(paths["accept"])
    assert page.status_code == 410 and "This request was withdrawn" in page.get_data(as_text=True)
    refused = post(person, paths["accept"], slot="1")
    assert refused.status_code == 410 and state(app, meeting_id)[0] == "cancelled"


def test_a_time_taken_a_moment_ago_says_so_and_offers_the_free_ones(app, world, smtp, to_tom):
    meeting_id, paths, person = to_tom.meeting_id, to_tom.paths, to_tom.person
    first, second, third = slot_ids(person.get(paths["accept"]).get_data(as_text=True))
    with app.app_context():  # another request takes 14:00 UTC of Tom's time first
        rows = world_rows(world)
        rival = make_request(rows, db.session.get(User, world.tom), candidate=another_candidate(rows), questions=[])
        confirm(rival, rival.slots[0].start_at)
        db.session.commit()
    taken = post(person, paths["accept"], slot=first)
    html = taken.get_data(as_text=True)
    assert taken.status_code == 409 and "That time was just taken" in html
    assert slot_ids(html) == [second, third]
    status, _, _, used, _ = state(app, meeting_id)
    assert status == "invited" and used == 0  # nothing changed; the link still works
    assert post(person, paths["accept"], slot=second).status_code == 200
    assert state(app, meeting_id)[0] == "confirmed"


def test_two_people_cannot_both_take_the_candidates_time(app, world, smtp):
    """Jordan offers Amara and Tom the same three times. Amara takes the first; Tom, whose page still
    showed it, gets "just taken" (409) with the other two, and his page never offers it again."""
    amara_id = create_request(app, world, world.ceo)
    tom_id = create_request(app, world, world.tom)
    deliver_mail(app)
    amara_paths = invite_paths(next(m for m in smtp.messages_to("amara@example.com")))
    tom_paths = invite_paths(next(m for m in smtp.messages_to("tom@example.com")))
    amara, tom = app.test_client(), app.test_client()
    first, second, third = slot_ids(tom.get(tom_paths["accept"]).get_data(as_text=True))
    assert post(amara, amara_paths["accept"], slot=slot_ids(amara.get(amara_paths["accept"]).get_data(
        as_text=True))[0]).status_code == 200

    assert slot_ids(tom.get(tom_paths["accept"]).get_data(as_text=True)) == [second, third]
    taken = post(tom, tom_paths["accept"], slot=first)
    html = taken.get_data(as_text=True)
    assert taken.status_code == 409 and "That time was just taken" in html and slot_ids(html) == [second, third]
    assert state(app, tom_id)[0] == "invited"  # nothing changed; his link still works
    assert post(tom, tom_paths["accept"], slot=second).status_code == 200
    with app.app_context():
        amara_meeting, tom_meeting = db.session.get(Meeting, amara_id), db.session.get(Meeting, tom_id)
        assert (amara_meeting.status, tom_meeting.status) == ("confirmed", "confirmed")
        assert amara_meeting.end_at <= tom_meeting.start_at  # one after the other, never at once


def test_accept_needs_one_of_the_proposed_times(app, world, smtp, to_tom):
    meeting_id, paths, person = to_tom.meeting_id, to_tom.paths, to_tom.person
    missing = post(person, paths["accept"])
    assert missing.status_code == 422 and "Choose one of the proposed times." in missing.get_data(as_text=True)
    foreign = post(person, paths["accept"], slot="99999")
    assert foreign.status_code == 422 and state(app, meeting_id)[0] == "invited"
