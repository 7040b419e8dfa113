"""A signed-in person's recorded answers: for every candidate (record, record again, remove) and for
one candidate's question directed to them."""

from pathlib import Path

import pytest
from helpers import Auth, csrf_in, deliver_mail, text_of
from media_clips import CHROMIUM_RECORDINGS, make_clip
from record_world import AMARA_SECRET, build, media_files, recordings, send

from portal.auth.models import User
from portal.extensions import db
from portal.questions.bank import BANK_BY_KEY
from portal.questions.models import Question

KEY = "culture-01"
BANK_TEXT = BANK_BY_KEY[KEY].text


@pytest.fixture
def story(app, frozen):
    return build(app)


def signed_in(app, user_id):
    client = app.test_client()
    with app.app_context():
        Auth(app, client).login(db.session.get(User, user_id))
    return client


def test_record_for_everyone_then_record_again_then_remove(app, story):
    amara = signed_in(app, story.amara)
    profile = amara.get("/profile").get_data(as_text=True)
    assert 'href="/profile/recordings"' in profile

    page = amara.get("/profile/recordings")
    assert page.status_code == 200 and "camera=()" in page.headers["Permissions-Policy"]
    html = page.get_data(as_text=True)
    assert text_of(html, "everyone-heading") == "Your answers for every candidate (0)"
    assert "You haven't recorded any yet" in html
    assert f'href="/profile/recordings/bank/{KEY}"' in html

    recorder = amara.get(f"/profile/recordings/bank/{KEY}")
    assert recorder.status_code == 200 and "camera=(self)" in recorder.headers["Permissions-Policy"]
    assert BANK_TEXT in recorder.get_data(as_text=True)

    saved = send(amara, f"/profile/recordings/bank/{KEY}", make_clip("webm", 2.0, video=True), "We argue, then commit.")
    assert saved.status_code == 303 and saved.headers["Location"] == f"/profile/recordings#answer-{KEY}"
    html = amara.get("/profile/recordings").get_data(as_text=True)
    assert text_of(html, "everyone-heading") == "Your answers for every candidate (1)"
    assert "every candidate who opens your profile can now play your answer" in html
    (first,) = recordings(app)
    assert (first.bank_key, first.person_id, first.candidate_id, first.has_video) == (KEY, story.amara, None, True)
    assert f"/recordings/{first.id}/media" in html and "We argue, then commit." in html
    assert "Record again" in html and "Remove this answer" in html
    assert media_files(app) == [first.file_key]

    again = send(amara, f"/profile/recordings/bank/{KEY}", CHROMIUM_RECORDINGS["webm audio"].read_bytes(),
                 "Disagree and commit, in writing.")
    assert again.status_code == 303
    (second,) = recordings(app)
    assert second.id == first.id and second.file_key != first.file_key and not second.has_video
    assert second.summary == "Disagree and commit, in writing."
    assert media_files(app) == [second.file_key]  # the replaced file went once the change was committed

    page = amara.get("/profile/recordings").get_data(as_text=True)
    removed = amara.post(f"/profile/recordings/bank/{KEY}/remove", data={"csrf_token": csrf_in(page)})
    assert removed.status_code == 303
    html = amara.get("/profile/recordings").get_data(as_text=True)
    assert "Removed your answer to" in html
    assert text_of(html, "everyone-heading") == "Your answers for every candidate (0)"
    assert recordings(app) == [] and media_files(app) == []


def test_unknown_bank_question_and_someone_elses_profile_page(app, story):
    amara = signed_in(app, story.amara)
    assert amara.get("/profile/recordings/bank/no-such-key").status_code == 404
    page = amara.get("/profile/recordings").get_data(as_text=True)
    assert amara.post("/profile/recordings/bank/no-such-key/remove",
                      data={"csrf_token": csrf_in(page)}).status_code == 404
    # Removing an answer you never recorded changes nothing.
    assert amara.post(f"/profile/recordings/bank/{KEY}/remove", data={"csrf_token": csrf_in(page)}).status_code == 303
    # A recruiter, and a candidate, have no recorded answers of their own to keep.
    assert signed_in(app, story.recruiter).get("/profile/recordings").status_code == 403
    assert signed_in(app, story.jordan_user).get(f"/profile/recordings/bank/{KEY}").status_code == 403


def test_a_question_directed_to_the_person_is_answered_by_recording(app, story, smtp):
    amara = signed_in(app, story.amara)
    html = amara.get("/profile/recordings").get_data(as_text=True)
    assert text_of(html, "for-you-heading") == "Questions for you (1)"
    assert AMARA_SECRET in html and "private: only you and Jordan see it" in html  # hers to see
    path = f"/profile/recordings/questions/{story.to_amara}"
    assert f'href="{path}"' in html

    shown = amara.get(path)
    assert shown.status_code == 200 and "camera=(self)" in shown.headers["Permissions-Policy"]
    assert AMARA_SECRET in shown.get_data(as_text=True)
    # Not Tom's question: not found, its text not shown.
    tom = signed_in(app, story.tom)
    refused = tom.get(path)
    assert refused.status_code == 404 and AMARA_SECRET not in refused.get_data(as_text=True)
    assert tom.get(f"/profile/recordings/questions/{story.public}").status_code == 404  # directed to nobody

    sent = send(amara, path, make_clip("ogg", 2.0), "People are kind here.", name="answer.ogg")
    assert sent.status_code == 303 and sent.headers["Location"] == "/profile/recordings"
    html = amara.get("/profile/recordings").get_data(as_text=True)
    assert "Your recorded answer to" in html and text_of(html, "for-you-heading") == "Questions for you (0)"
    with app.app_context():
        question = db.session.get(Question, story.to_amara)
        assert (question.status, question.answered_via, question.answered_by_id) == ("answered", "recording",
                                                                                     story.amara)
    (saved,) = recordings(app)
    assert (saved.question_id, saved.candidate_id, saved.media_type) == (story.to_amara, story.jordan, "audio/ogg")
    assert Path(app.config["MEDIA_DIR"], saved.file_key).is_file()
    assert amara.get(path).status_code == 410  # answered: nothing more to record

    deliver_mail(app)
    (mail,) = [m for m in smtp.messages_to("jordan@example.com") if "recorded an answer" in m["Subject"]]
    assert mail["Subject"].strip() == "Amara Okafor recorded an answer to your question"
    assert AMARA_SECRET not in mail.as_string() and "private question" in mail.as_string().lower()


def test_answering_the_last_question_of_a_written_conversation_while_signed_in_completes_it(app, story):
    """Tom's written conversation with Jordan has two questions on its agenda; both directed to Tom. He
    answers one through his e-mailed link (in writing would use it up, so: a recording) and the
    other signed in: the conversation is complete and the link used up, as if both came through it."""
    from portal.meetings.models import Meeting

    with app.app_context():
        for question_id in (story.public, story.private):
            db.session.get(Question, question_id).directed_to_id = story.tom
        db.session.commit()
    first = send(app.test_client(), f"{story.link}/record/{story.public}", make_clip("ogg", 1.0), "By link.",
                 name="answer.ogg")
    assert first.status_code == 303  # one more question open: the link still works
    tom = signed_in(app, story.tom)
    sent = send(tom, f"/profile/recordings/questions/{story.private}", make_clip("ogg", 1.0), "Signed in.",
                name="answer.ogg")
    assert sent.status_code == 303
    with app.app_context():
        assert db.session.get(Meeting, story.meeting).status == "completed"
    assert app.test_client().get(story.link).status_code == 410  # used up: its problem page
