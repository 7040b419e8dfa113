"""The approval queue at /recruiter/requests: page and fragment, approve, reject, redirect, races."""

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from helpers import HTMX, Auth, csrf_token, deliver_mail
from invite_helpers import SECRET, another_candidate, make_request, waiting_world

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.meetings.models import Meeting, MeetingTransition
from portal.meetings.states import transition
from portal.timeutil import format_datetime

QUEUE = "/recruiter/requests"


@pytest.fixture
def world(app):
    return waiting_world(app)


@pytest.fixture
def riley(app, client, world):
    with app.app_context():
        Auth(app, client).login(db.session.get(User, world.recruiter))
    return client


def build_rows(world):
    """The story's rows again, in a new app context."""
    candidate = db.session.get(Candidate, world.candidate)
    return SimpleNamespace(candidate=candidate, public=None, private=None)


def act(client, meeting_id, action, headers=None, **data):
    data["csrf_token"] = csrf_token(client, QUEUE)
    return client.post(f"{QUEUE}/{meeting_id}/{action}", data=data, headers=headers or {})


def meeting_row(app, meeting_id):
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        return meeting.status, meeting.staff_id, meeting.redirected_from_id, meeting.reason


def mails(app, kind):
    with app.app_context():
        return [m.to_addr for m in db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind))]


def test_the_queue_page_and_its_polling_fragment(riley, world):
    page = riley.get(QUEUE)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and page.headers["Vary"].count("HX-Request")
    assert "Jordan Lee would like to talk to Amara Okafor" in html and "Senior Backend Engineer" in html
    assert "Video call, 30 minutes" in html and "2 on the agenda" in html and "Keen to hear about the roadmap." in html
    with riley.application.app_context():  # proposed times in the viewer's (Riley's) zone, GMT or BST
        first = db.session.get(Meeting, world.meeting).slots[0].start_at
        assert format_datetime(first, "Europe/London").endswith(("14:00 GMT (Europe/London)", "15:00 BST (Europe/London)"))
        assert format_datetime(first, "Europe/London") in html
    assert 'data-hx-trigger="every 30s"' in html and SECRET not in html
    fragment = riley.get(QUEUE, headers=HTMX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="queue"') and "<html" not in fragment
    assert "Jordan Lee would like to talk to Amara Okafor" in fragment


def test_oldest_first_and_an_empty_state(app, riley, world):
    with app.app_context():
        story = SimpleNamespace(candidate=db.session.get(Candidate, world.candidate), public=None, private=None)
        newer = make_request(story, db.session.get(User, world.tom), status="needs_approval", questions=[])
        db.session.commit()
        newer_id = newer.id
    html = riley.get(QUEUE).get_data(as_text=True)
    assert html.index(f'id="request-{world.meeting}"') < html.index(f'id="request-{newer_id}"')
    with app.app_context():
        for meeting in db.session.scalars(sa.select(Meeting)):
            transition(meeting, "cancelled")
        db.session.commit()
    assert "Nothing is waiting for you" in riley.get(QUEUE).get_data(as_text=True)


def test_approve_invites_the_person_and_updates_in_place(app, riley, world, smtp):
    response = act(riley, world.meeting, "approve", HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="queue"')
    assert "Approved. Amara Okafor has been sent the request by e-mail." in html
    assert "Nothing is waiting for you" in html
    assert meeting_row(app, world.meeting)[0] == "invited"
    with app.app_context():
        steps = db.session.scalars(sa.select(MeetingTransition.to_status).where(
            MeetingTransition.meeting_id == world.meeting).order_by(MeetingTransition.id)).all()
        assert steps == ["needs_approval", "approved", "invited"]
    deliver_mail(app)
    (invitation,) = smtp.messages_to("amara@example.com")
    assert "/invite/" in invitation.get_body(preferencelist=("plain",)).get_content()


def test_without_javascript_the_browser_comes_back_to_the_queue(app, riley, world):
    response = act(riley, world.meeting, "approve")
    assert response.status_code == 302 and response.headers["Location"] == QUEUE
    assert "Approved." in riley.get(QUEUE).get_data(as_text=True)


def test_reject_needs_a_reason_the_candidate_will_read(app, riley, world, smtp):
    missing = act(riley, world.meeting, "reject", HTMX, reason="  ")
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "Write a reason: the candidate will read it." in html
    assert 'aria-invalid="true"' in html and meeting_row(app, world.meeting)[0] == "needs_approval"
    page = act(riley, world.meeting, "reject", reason="")  # without JavaScript: the whole page, 422
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)

    done = act(riley, world.meeting, "reject", HTMX, reason="Amara is travelling all month.")
    assert done.status_code == 200 and "Rejected." in done.get_data(as_text=True)
    assert meeting_row(app, world.meeting)[::3] == ("rejected", "Amara is travelling all month.")
    deliver_mail(app)
    (mail,) = smtp.messages_to("jordan@example.com")
    assert "Amara is travelling all month." in mail.get_body(preferencelist=("plain",)).get_content()
    assert smtp.messages_to("amara@example.com") == []


def test_redirect_gives_the_request_to_someone_else(app, riley, world, smtp):
    page = riley.get(QUEUE).get_data(as_text=True)
    options = re.findall(r'<option value="(\d+)"', page)
    assert str(world.tom) in options and str(world.ceo) not in options  # not back to the same person
    bad = act(riley, world.meeting, "redirect", HTMX, person="")
    assert bad.status_code == 422 and "Choose someone from the list." in bad.get_data(as_text=True)
    same = act(riley, world.meeting, "redirect", HTMX, person=str(world.ceo))
    assert same.status_code == 422 and meeting_row(app, world.meeting)[0] == "needs_approval"

    done = act(riley, world.meeting, "redirect", HTMX, person=str(world.tom))
    assert done.status_code == 200 and "Passed on. Tom Becker has been sent the request" in done.get_data(as_text=True)
    assert meeting_row(app, world.meeting)[:3] == ("invited", world.tom, world.ceo)
    deliver_mail(app)
    assert smtp.messages_to("amara@example.com") == []
    (invitation,) = smtp.messages_to("tom@example.com")
    assert "would like to talk to you" in invitation["Subject"]
    (told,) = smtp.messages_to("jordan@example.com")
    assert "Your request is now with Tom Becker" in told["Subject"]


def test_approving_into_a_full_week_is_refused_and_says_whose(app, riley, world, smtp):
    """Amara's cap is 1 and another candidate's invitation already sits in the same week."""
    with app.app_context():
        rows = SimpleNamespace(candidate=another_candidate(build_rows(world)), public=None, private=None)
        amara = db.session.get(User, world.ceo)
        amara.profile.weekly_cap = 1
        make_request(rows, amara, status="invited", questions=[])
        db.session.commit()
    refused = act(riley, world.meeting, "approve", HTMX)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Amara&#39;s week of " in html
    assert "is full: 1 conversation a week at most, and that many are planned or offered." in html
    assert "Pass the request to someone else or reject it with a reason." in html
    assert meeting_row(app, world.meeting)[0] == "needs_approval" and mails(app, "meeting_invitation") == []


def test_redirecting_to_someone_the_candidate_already_waits_for_is_refused(app, riley, world):
    with app.app_context():
        make_request(build_rows(world), db.session.get(User, world.tom), status="invited", questions=[])
        db.session.commit()
    refused = act(riley, world.meeting, "redirect", HTMX, person=str(world.tom))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Jordan already has a request waiting for Tom Becker" in html
    assert meeting_row(app, world.meeting)[:2] == ("needs_approval", world.ceo)


@pytest.mark.parametrize("action,data", [("approve", {}), ("reject", {"reason": "No"}), ("redirect", {"person": "TOM"})])
def test_someone_else_acted_first(app, riley, world, action, data):
    with app.app_context():  # another recruiter rejected it a moment ago
        transition(db.session.get(Meeting, world.meeting), "rejected", reason="Other recruiter")
        db.session.commit()
    data = {k: str(world.tom) if v == "TOM" else v for k, v in data.items()}
    fragment = act(riley, world.meeting, action, HTMX, **data)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 409 and "Someone else got to this request first" in html and "it is now" in html
    page = act(riley, world.meeting, action, **data)
    assert page.status_code == 302
    assert "Someone else got to this request first" in riley.get(QUEUE).get_data(as_text=True)
    assert meeting_row(app, world.meeting)[::3] == ("rejected", "Other recruiter")
    assert mails(app, "meeting_invitation") == [] and mails(app, "meeting_rejected") == []


def test_unknown_request_is_404_and_others_may_not_act(app, client, world):
    with app.app_context():
        staff = db.session.get(User, world.ceo)
        Auth(app, client).login(staff)
    assert client.get(QUEUE).status_code == 403
    assert client.post(f"{QUEUE}/{world.meeting}/approve", data={"csrf_token": csrf_token(client, "/people")}
                       ).status_code == 403
    with app.app_context():
        Auth(app, client).login(db.session.get(User, world.recruiter))
    assert client.post(f"{QUEUE}/99999/approve", data={"csrf_token": csrf_token(client, QUEUE)}).status_code == 404
    assert meeting_row(app, world.meeting)[0] == "needs_approval"


def test_with_many_people_one_shared_list_to_type_into(app, riley, world, smtp):
    """At company scale a <select> of everyone in every request made the page megabytes long."""
    from factories import make_staff

    with app.app_context():
        for n in range(70):
            make_staff("team", name=f"Extra Person{n:02d}", title="Engineer")
        db.session.commit()
    page = riley.get(QUEUE).get_data(as_text=True)
    # Nobody is listed up front any more (people.picker): the box's list fills as a name is typed.
    box = f'id="person-{world.meeting}" name="person" value="" list="person-{world.meeting}-choices"'
    assert box in page and "Extra Person07" not in page
    assert "<select" not in page.split('id="queue"')[1].split("</section>")[0]
    unknown = act(riley, world.meeting, "redirect", HTMX, person="Nobody Here · CEO")
    assert unknown.status_code == 422 and "No one matches “Nobody Here · CEO”." in unknown.get_data(as_text=True)
    done = act(riley, world.meeting, "redirect", HTMX, person="  tom becker ·  Senior Engineer ")
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    assert meeting_row(app, world.meeting)[:3] == ("invited", world.tom, world.ceo)
