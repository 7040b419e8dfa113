"""Recording an answer from the e-mailed written-answer link: question by question, the link used up
with the last one, the written conversation completed, the candidate mailed; used, expired and foreign
links and questions refused."""

from datetime import timedelta

import pytest
from helpers import T0, csrf_token, deliver_mail, link_in
from media_clips import CHROMIUM_RECORDINGS, make_clip
from record_world import AMARA_SECRET, PUBLIC_TEXT, SECRET, build, media_files, recordings, send

from portal.extensions import db
from portal.meetings.models import Meeting
from portal.questions.models import Question


@pytest.fixture
def story(app, frozen):
    return build(app)


def recorder(story, question_id: int) -> str:
    return f"{story.link}/record/{question_id}"


def question_row(app, question_id):
    with app.app_context():
        q = db.session.get(Question, question_id)
        return q.status, q.answered_via, q.answered_by_id


def meeting_status(app, story):
    with app.app_context():
        return db.session.get(Meeting, story.meeting).status


def test_each_question_recorded_in_turn_then_the_link_is_used_up(app, story, smtp):
    tom = app.test_client()
    page = tom.get(story.link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "camera=()" in page.headers["Permissions-Policy"]
    assert html.count("Answer with a recording instead") == 2
    assert f'href="{recorder(story, story.public)}"' in html and f'href="{recorder(story, story.private)}"' in html

    shown = tom.get(recorder(story, story.public))
    assert shown.status_code == 200
    assert "camera=(self)" in shown.headers["Permissions-Policy"]
    assert "microphone=(self)" in shown.headers["Permissions-Policy"]
    assert shown.headers["Referrer-Policy"] == "no-referrer"
    text = shown.get_data(as_text=True)
    assert PUBLIC_TEXT in text and 'enctype="multipart/form-data"' in text and 'name="media"' in text
    assert question_row(app, story.public)[0] == "open"  # showing changes nothing

    first = send(tom, recorder(story, story.public), CHROMIUM_RECORDINGS["webm video"].read_bytes(),
                 "Profitable next year, then Europe.")
    assert first.status_code == 303 and first.headers["Location"] == story.link
    back = tom.get(story.link).get_data(as_text=True)
    assert f"Your recorded answer to “{PUBLIC_TEXT}” is sent" in back
    assert back.count("Answer with a recording instead") == 1  # the other question is still open
    assert question_row(app, story.public) == ("answered", "recording", story.tom)
    assert question_row(app, story.private)[0] == "open"
    assert meeting_status(app, story) == "confirmed"  # the link still works for the other question
    (saved,) = recordings(app)
    assert (saved.question_id, saved.candidate_id, saved.person_id, saved.has_video) == (
        story.public, story.jordan, story.tom, True)
    assert saved.summary == "Profitable next year, then Europe." and media_files(app) == [saved.file_key]

    # The first question again: answered, so nothing more to record there.
    again = tom.get(recorder(story, story.public))
    assert again.status_code == 410 and "already has an answer" in again.get_data(as_text=True)

    last = send(tom, recorder(story, story.private), make_clip("m4a", 2.0), "Bands are public inside.",
                name="answer.m4a")
    assert last.status_code == 200 and "Thank you, Tom" in last.get_data(as_text=True)
    assert question_row(app, story.private) == ("answered", "recording", story.tom)
    assert meeting_status(app, story) == "completed"
    assert len(media_files(app)) == 2
    used = tom.get(story.link)
    assert used.status_code == 410 and "already been answered" in used.get_data(as_text=True)
    assert tom.get(recorder(story, story.private)).status_code == 410

    deliver_mail(app)
    mails = smtp.messages_to("jordan@example.com")
    recorded = [m for m in mails if m["Subject"].strip() == "Tom Becker recorded an answer to your question"]
    assert len(recorded) == 2
    bodies = [m.get_body(preferencelist=("plain",)).get_content() for m in recorded]
    assert any(PUBLIC_TEXT in body and "video answer (0:02)" in body for body in bodies)
    assert any("audio answer" in body for body in bodies)
    assert all(SECRET not in m.as_string() for m in recorded)  # a private question never leaves the portal
    assert {link_in(m) for m in recorded} == {"/questions"}


def test_a_used_link_shows_its_problem_page_and_stores_nothing(app, story):
    tom = app.test_client()
    answered = tom.post(story.link, data={"csrf_token": csrf_token(tom, story.link),
                                          f"answer-{story.public}": "In writing, after all."})
    assert answered.status_code == 200
    shown = tom.get(recorder(story, story.private))
    assert shown.status_code == 410 and "already been answered" in shown.get_data(as_text=True)
    sent = send(tom, recorder(story, story.private), make_clip("webm", 1.0), "Too late", page="/login")
    assert sent.status_code == 410 and "already been answered" in sent.get_data(as_text=True)
    assert recordings(app) == [] and media_files(app) == []
    assert question_row(app, story.private)[0] == "open"


def test_an_expired_link_shows_its_problem_page(app, story, frozen):
    frozen.move_to(T0 + timedelta(days=15))
    shown = app.test_client().get(recorder(story, story.public))
    assert shown.status_code == 410 and "This link has expired" in shown.get_data(as_text=True)


def test_a_question_the_link_doesnt_name_is_not_found(app, story):
    tom = app.test_client()
    assert tom.get(recorder(story, story.sams)).status_code == 404  # another candidate's
    assert tom.get(recorder(story, story.to_amara)).status_code == 404  # Jordan's, but not on this link
    assert tom.get(recorder(story, 999_999)).status_code == 404
    assert tom.get(f"/answer/not-a-real-token/record/{story.public}").status_code == 404
    assert AMARA_SECRET not in tom.get(recorder(story, story.to_amara)).get_data(as_text=True)
