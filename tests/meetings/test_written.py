"""Written answers: the person answers by e-mailed link; the candidate's ledger shows who answered."""

import re

import pytest
import sqlalchemy as sa
from helpers import Auth, csrf_token, deliver_mail, link_in
from invite_helpers import SECRET, make_request, stored_world, world_rows

from portal.auth.models import ActionToken
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.meetings import notify
from portal.meetings.links import InviteError
from portal.meetings.models import Meeting
from portal.meetings.states import end_conversation
from portal.meetings.written import request_written_answer
from portal.questions.models import Question


@pytest.fixture
def world(app):
    return stored_world(app)


def written_request(app, world) -> int:
    with app.app_context():
        story = world_rows(world)
        meeting = make_request(story, story.tom, fmt="written", starts=[], note="No rush!")
        notify.request_created(meeting, by=story.candidate.user)
        db.session.commit()
        return meeting.id


def question(app, question_id):
    with app.app_context():
        q = db.session.get(Question, question_id)
        return q.status, q.answered_via, q.written_answer, q.answered_by_id, q.answered_at


def post_answers(client, path, **answers):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **answers})


def test_written_format_accept_leads_to_the_answer_page(app, client, world, smtp):
    meeting_id = written_request(app, world)
    deliver_mail(app)
    (invitation,) = smtp.messages_to("tom@example.com")
    text = invitation.get_body(preferencelist=("plain",)).get_content()
    assert "You'd answer in writing" in text and SECRET not in invitation.as_string()
    accept = re.findall(r"https?://[^/\s]+(/invite/\S+)", text)[0]

    person = app.test_client()
    page = person.get(accept).get_data(as_text=True)
    assert "Accept and answer in writing" in page and 'name="slot"' not in page
    response = person.post(accept, data={"csrf_token": csrf_token(person, accept)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/answer/")
    answer_path = response.headers["Location"]
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert (meeting.status, meeting.start_at) == ("confirmed", None)

    deliver_mail(app)
    (link_mail,) = [m for m in smtp.messages_to("tom@example.com") if "your written answer" in m["Subject"]]
    assert link_in(link_mail) == answer_path  # the same link, for coming back later
    assert any("will answer your questions in writing" in m["Subject"] for m in smtp.messages_to("jordan@example.com"))

    for _ in range(3):  # reading it changes nothing
        form = person.get(answer_path)
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and form.headers["Referrer-Policy"] == "no-referrer"
    assert "Where is the company going" in html and SECRET in html  # the person needs the text to answer it
    assert f'name="answer-{world.public}"' in html and f'name="answer-{world.private}"' in html

    empty = post_answers(person, answer_path)
    assert empty.status_code == 422 and "Write at least one answer." in empty.get_data(as_text=True)
    done = post_answers(person, answer_path, **{f"answer-{world.public}": "Profitable next year, then Europe."})
    assert done.status_code == 200 and "Thank you, Tom" in done.get_data(as_text=True)
    status, via, written, by, at = question(app, world.public)
    assert (status, via, written, by) == ("answered", "written", "Profitable next year, then Europe.", world.tom)
    assert at is not None and question(app, world.private)[0] == "open"  # left empty: still open
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status == "completed"

    used = person.get(answer_path)
    assert used.status_code == 410 and "already been answered" in used.get_data(as_text=True)
    deliver_mail(app)
    assert any(m["Subject"].strip() == "Tom Becker answered your question" for m in smtp.messages_to("jordan@example.com"))

    with app.app_context():
        Auth(app, client).login(db.session.get(Candidate, world.candidate).user)
    ledger = client.get("/questions").get_data(as_text=True)
    assert "Written answer from Tom Becker" in ledger and "Profitable next year, then Europe." in ledger


def test_a_question_directed_to_a_person_can_be_answered_in_writing(app, client, world, smtp):
    with app.app_context():
        story = world_rows(world)
        with pytest.raises(InviteError):
            request_written_answer(story.public, by=story.candidate.user)  # directed to nobody yet
        story.private.directed_to_id = story.ceo.id
        request_written_answer(story.private, by=story.candidate.user)
        db.session.commit()
    deliver_mail(app)
    (mail,) = smtp.messages_to("amara@example.com")
    assert "A private question" in mail.as_string() and SECRET not in mail.as_string()
    path = link_in(mail)
    assert path.startswith("/answer/")
    person = app.test_client()
    assert SECRET in person.get(path).get_data(as_text=True)
    assert post_answers(person, path, **{f"answer-{world.private}": "Bands are public inside."}).status_code == 200
    assert question(app, world.private)[:4] == ("answered", "written", "Bands are public inside.", world.ceo)
    with app.app_context():
        Auth(app, client).login(db.session.get(Candidate, world.candidate).user)
        with pytest.raises(InviteError):
            request_written_answer(db.session.get(Question, world.private), by=None)  # already answered
    assert "Written answer from Amara Okafor" in client.get("/questions").get_data(as_text=True)


def test_a_withdrawn_written_request_says_so(app, world, smtp):
    meeting_id = written_request(app, world)
    deliver_mail(app)
    accept = re.findall(r"https?://[^/\s]+(/invite/\S+)",
                        smtp.messages_to("tom@example.com")[0].get_body(preferencelist=("plain",)).get_content())[0]
    person = app.test_client()
    answer_path = person.post(accept, data={"csrf_token": csrf_token(person, accept)}).headers["Location"]
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        end_conversation(meeting, "cancelled", actor=world_rows(world).candidate.user)
        db.session.commit()
    page = person.get(answer_path)
    assert page.status_code == 410 and "This request was withdrawn" in page.get_data(as_text=True)
    with app.app_context():
        token = db.session.scalar(sa.select(ActionToken).where(ActionToken.purpose == "written_answer"))
        assert token.used_at is None
    assert person.get("/answer/not-a-real-token").status_code == 404
