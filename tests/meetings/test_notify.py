"""notify without HTTP: who hears what, reminders withdrawn and requeued, one mail per event."""

import base64
from datetime import timedelta

import pytest
import sqlalchemy as sa
from factories import make_user
from icalendar import Calendar
from invite_helpers import build_world, make_request, outbox, slot_times

from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings import notify
from portal.meetings.calendar import video_link_for
from portal.meetings.states import confirm, reschedule, transition


@pytest.fixture
def world(app_ctx):
    return build_world()


def kinds(kind):
    return outbox(OutboxMessage.kind == kind)


def ics(message) -> object:
    (item,) = message.attachments
    return Calendar.from_ical(base64.b64decode(item["content_b64"])).walk("VEVENT")[0]


def test_a_request_needing_approval_mails_the_owner_with_a_link_to_the_queue(world):
    meeting = make_request(world, world.ceo, status="needs_approval")
    notify.request_created(meeting, by=world.candidate.user)
    notify.request_created(meeting, by=world.candidate.user)  # the same event twice: one mail
    (mail,) = kinds("meeting_approval_needed")
    assert mail.to_addr == "riley@example.com" and "http://portal.test/recruiter/requests" in mail.text_body
    assert kinds("meeting_invitation") == []


def test_without_an_owner_every_active_recruiter_hears(world):
    other = make_user("recruiter", email="sam@example.com")
    make_user("recruiter", email="gone@example.com", active=False)
    world.candidate.owner = None
    meeting = make_request(world, world.ceo, status="needs_approval")
    notify.request_created(meeting, by=world.candidate.user)
    assert {m.to_addr for m in kinds("meeting_approval_needed")} == {"riley@example.com", other.email}


def test_an_invited_request_goes_to_the_person_with_three_single_purpose_links(world):
    from portal.auth.models import ActionToken

    meeting = make_request(world, world.tom)
    notify.request_created(meeting, by=world.candidate.user)
    (mail,) = kinds("meeting_invitation")
    assert mail.to_addr == "tom@example.com" and mail.text_body.count("/invite/") == 3
    tokens = db.session.scalars(sa.select(ActionToken)).all()
    assert sorted(t.purpose for t in tokens) == ["meeting_accept", "meeting_decline", "meeting_propose"]
    expires = notify.invitation_expires_at(meeting)
    assert all(t.subject_id == meeting.id and t.user_id == world.tom.id and t.expires_at <= expires for t in tokens)
    assert expires - notify.invited_at(meeting) == timedelta(hours=72)


def test_invitation_expiry_is_configurable(world, app_ctx):
    app_ctx.config["INVITATION_EXPIRY_HOURS"] = 24
    meeting = make_request(world, world.tom)
    assert notify.invitation_expires_at(meeting) - notify.invited_at(meeting) == timedelta(hours=24)


def test_confirmation_reaches_both_sides_with_reminders_once(world):
    meeting = make_request(world, world.tom)
    confirm(meeting, slot_times()[0], actor=world.tom, video_link=video_link_for(meeting))
    notify.meeting_confirmed(meeting, world.tom)
    notify.meeting_confirmed(meeting, world.tom)
    confirmations = kinds("meeting_confirmed")
    assert {m.to_addr for m in confirmations} == {"jordan@example.com", "tom@example.com"}
    assert all(str(Calendar.from_ical(base64.b64decode(m.attachments[0]["content_b64"]))["METHOD"]) == "REQUEST"
               for m in confirmations)
    reminders = kinds("meeting_reminder")
    assert sorted((m.to_addr, m.next_attempt_at) for m in reminders) == sorted(
        (to, meeting.start_at - before) for to in ("jordan@example.com", "tom@example.com")
        for before in (timedelta(hours=24), timedelta(hours=1)))


def test_a_new_time_withdraws_the_old_reminders_and_queues_new_ones(world):
    meeting = make_request(world, world.tom)
    confirm(meeting, slot_times()[0], actor=world.tom)
    notify.meeting_confirmed(meeting, world.tom)
    sent = kinds("meeting_reminder")[0]
    sent.status = "sent"  # one already went out: it stays as it is
    db.session.flush()
    reschedule(meeting, slot_times()[2], actor=world.candidate.user)
    notify.meeting_changed(meeting, world.candidate.user)
    old = outbox(OutboxMessage.kind == "meeting_reminder", OutboxMessage.dedupe_key.contains(f":{meeting.id}:1:"))
    assert sorted((m.status, m.last_error) for m in old) == [("dead", "withdrawn: rescheduled")] * 3 + [("sent", None)]
    new = outbox(OutboxMessage.kind == "meeting_reminder", OutboxMessage.dedupe_key.contains(f":{meeting.id}:2:"))
    assert len(new) == 4 and {m.status for m in new} == {"pending"}
    assert min(m.next_attempt_at for m in new) == slot_times()[2] - timedelta(hours=24)
    changed = kinds("meeting_changed")
    assert {m.to_addr for m in changed} == {"jordan@example.com", "tom@example.com"}
    event = ics(changed[0])
    assert str(event["UID"]) == meeting.uid and int(event["SEQUENCE"]) == 2
    assert "Jordan Lee changed it" in next(m.text_body for m in changed if m.to_addr == "tom@example.com")


def test_rejected_and_declined_mails_carry_the_reason(world):
    rejected = make_request(world, world.ceo, status="needs_approval")
    transition(rejected, "rejected", actor=world.recruiter, reason="Amara is away this month.")
    notify.request_rejected(rejected, world.recruiter)
    (mail,) = kinds("meeting_rejected")
    assert mail.to_addr == "jordan@example.com" and "Amara is away this month." in mail.text_body

    declined = make_request(world, world.tom)
    transition(declined, "declined", actor=world.tom, reason="Parental leave")
    notify.meeting_declined(declined, world.tom)
    mails = {m.to_addr: m for m in kinds("meeting_declined")}
    assert set(mails) == {"jordan@example.com", "riley@example.com"}
    assert all("Parental leave" in m.text_body and "http://portal.test/people" in m.text_body for m in mails.values())


def test_a_request_withdrawn_before_the_person_saw_it_tells_nobody_else(world):
    meeting = make_request(world, world.ceo, status="needs_approval")
    transition(meeting, "cancelled", actor=world.candidate.user)
    notify.meeting_cancelled(meeting, world.candidate.user)
    assert kinds("meeting_cancelled") == []
