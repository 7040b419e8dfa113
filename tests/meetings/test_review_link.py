"""The approval e-mail's link (/review/<token>): GET shows the request in the recruiter's zone and the
candidate's and changes nothing (scanners prefetch); only POST approves or rejects, through the queue's
rules (weekly cap, mails); once the request no longer waits for approval the link says who did what."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from helpers import T0, csrf_in, link_in, text_of
from invite_helpers import build_world, make_request, outbox

from portal.auth.models import ActionToken
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings import notify
from portal.meetings.models import Meeting
from portal.meetings.queue import approve_request, reject_request
from portal.meetings.states import transition

DAY = T0.replace(hour=15) + timedelta(days=2)  # Wed 15:00 UTC: 15:00 London, 10:00 New York


@pytest.fixture
def world(app, frozen):
    with app.app_context():
        world = build_world()
        meeting = make_request(world, world.ceo, status="needs_approval", starts=[DAY, DAY + timedelta(hours=1)])
        notify.request_created(meeting, by=world.candidate.user)
        db.session.commit()
        (mail,) = outbox(OutboxMessage.kind == "meeting_approval_needed")
        return {"meeting": meeting.id, "recruiter": world.recruiter.id, "text": mail.text_body,
                "html": mail.html_body}


def _path(world) -> str:
    from email.message import EmailMessage

    message = EmailMessage()
    message.set_content(world["text"])
    return link_in(message)


def _status(app, world) -> str:
    with app.app_context():
        return db.session.get(Meeting, world["meeting"]).status


def test_the_mail_has_the_link_and_the_times_in_both_zones(world):
    text = world["text"]
    assert _path(world).startswith("/review/")
    assert "Wed 5 Mar 2031, 15:00 GMT (Europe/London) · Wed 5 Mar 2031, 10:00 EST (America/New_York) for Jordan" in text
    assert "http://portal.test/recruiter/requests" in text  # passing it on stays in the queue
    assert "Approve or reject" in world["html"] and "10:00 EST (America/New_York) for Jordan" in world["html"]
    assert "http://portal.test/review/" in world["html"]


def test_the_link_is_bound_to_the_recruiter_and_the_request(app, world):
    with app.app_context():
        (token,) = db.session.scalars(sa.select(ActionToken).where(ActionToken.purpose == notify.REVIEW)).all()
        assert (token.user_id, token.subject_type, token.subject_id) == (world["recruiter"], "Meeting", world["meeting"])
        assert token.expires_at == T0 + timedelta(days=14)


def test_get_shows_the_request_and_changes_nothing(app, client, world):
    path = _path(world)
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200
    assert client.head(path).status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    page = text_of(response.get_data(as_text=True))
    assert "Jordan Lee would like to talk to Amara Okafor" in page
    assert "Wed 5 Mar 2031, 15:00 GMT (Europe/London)" in page
    assert "Wed 5 Mar 2031, 10:00 EST (America/New_York) for Jordan" in page
    assert "Where is the company going in the next two years?" in page
    assert "ZZ-PRIVATE-QUESTION-ZZ" not in page and "A private question" in page
    assert _status(app, world) == "needs_approval"


def test_approve_invites_the_person(app, client, world):
    path = _path(world)
    html = client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_in(html), "decision": "approve"})
    assert response.status_code == 200 and "Approved" in response.get_data(as_text=True)
    assert _status(app, world) == "invited"
    with app.app_context():
        (invitation,) = outbox(OutboxMessage.kind == "meeting_invitation")
        assert invitation.to_addr == "amara@example.com"
        from portal.audit.models import AuditEvent

        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "meeting.approved"))
        assert event.actor_id == world["recruiter"]
    again = client.get(path)
    assert again.status_code == 410
    assert "You approved it on Mon 3 Mar 2031, 12:00 GMT (Europe/London)" in text_of(again.get_data(as_text=True))


def test_reject_with_or_without_a_reason(app, client, world):
    path = _path(world)
    html = client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_in(html), "decision": "reject", "reason": ""})
    assert response.status_code == 200 and "Rejected" in response.get_data(as_text=True)
    assert _status(app, world) == "rejected"
    with app.app_context():
        (mail,) = outbox(OutboxMessage.kind == "meeting_rejected")
        assert mail.to_addr == "jordan@example.com" and "None" not in mail.text_body


def test_a_reason_too_long_changes_nothing(app, client, world):
    path = _path(world)
    html = client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_in(html), "decision": "reject", "reason": "x" * 1001})
    assert response.status_code == 422 and "Keep it under 1,000 characters." in response.get_data(as_text=True)
    assert _status(app, world) == "needs_approval"
    assert client.get(path).status_code == 200  # the link still works


@pytest.mark.parametrize("data", [{"decision": "maybe"}, {}])
def test_no_decision_changes_nothing(app, client, world, data):
    path = _path(world)
    html = client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_in(html), **data})
    assert response.status_code == 422 and "Choose Approve or Reject" in response.get_data(as_text=True)
    assert _status(app, world) == "needs_approval"


def test_without_csrf_nothing_happens(app, client, world):
    assert client.post(_path(world), data={"decision": "approve"}).status_code in (400, 422)
    assert _status(app, world) == "needs_approval"


def test_a_full_week_says_so_and_keeps_the_link(app, client, world):
    with app.app_context():
        db.session.get(Meeting, world["meeting"]).staff.profile.weekly_cap = 0
        db.session.commit()
    path = _path(world)
    html = client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_in(html), "decision": "approve"})
    assert response.status_code == 409 and "isn&#39;t taking conversations" in response.get_data(as_text=True)
    assert _status(app, world) == "needs_approval"
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("what,expected", [
    ("approved", "Someone Else approved it on Mon 3 Mar 2031, 12:00 GMT (Europe/London)"),
    ("rejected", "Someone Else rejected it on Mon 3 Mar 2031, 12:00 GMT (Europe/London): “Not this week”"),
    ("cancelled", "Jordan withdrew it on Mon 3 Mar 2031, 12:00 GMT (Europe/London)"),
])
def test_decided_in_the_portal_the_link_says_who_and_what(app, client, world, what, expected):
    from factories import make_user

    path = _path(world)
    html = client.get(path).get_data(as_text=True)
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        other = make_user("recruiter", name="Someone Else")
        if what == "approved":
            approve_request(meeting, by=other)
        elif what == "rejected":
            reject_request(meeting, "Not this week", by=other)
        else:
            transition(meeting, "cancelled", actor=meeting.candidate.user)
        db.session.commit()
    for response in (client.get(path),
                     client.post(path, data={"csrf_token": csrf_in(html), "decision": "approve"})):
        assert response.status_code == 410
        page = text_of(response.get_data(as_text=True))
        assert expected in page and "Nothing was changed" in page and "isn't valid" not in page
    assert _status(app, world) == {"approved": "invited"}.get(what, what)


def test_a_link_of_a_recruiter_who_left_is_refused(app, client, world):
    from portal.auth.models import User

    with app.app_context():
        db.session.get(User, world["recruiter"]).active = False
        db.session.commit()
    response = client.get(_path(world))
    assert response.status_code == 410 and "no longer yours" in response.get_data(as_text=True)


def test_an_expired_link_points_to_the_queue(app, client, world, frozen):
    frozen.move_to(T0 + timedelta(days=15))
    response = client.get(_path(world))
    assert response.status_code == 410 and "This link has expired" in response.get_data(as_text=True)


def test_a_made_up_link_is_404(client, world):
    assert client.get("/review/not-a-real-token").status_code == 404
