"""The composer: a draft from the feedback, save, preview (page and fragment), publish, edit, history."""

import re

import sqlalchemy as sa
from helpers import HTMX, count, csrf_token, deliver_mail, link_in

from portal.extensions import db
from portal.feedback.models import FeedbackMessage, InterviewFeedback, MessageRevision
from portal.feedback.services import enter_feedback, request_feedback
from portal.auth.models import User
from portal.candidates.models import Candidate


def compose_path(world):
    return f"/recruiter/candidates/{world.candidate}/message"


def post(client, world, suffix, body, headers=None):
    path = compose_path(world)
    return client.post(path + suffix, data={"body": body, "csrf_token": csrf_token(client, path)},
                       headers=headers or {})


def textarea(html: str) -> str:
    return re.search(r"<textarea[^>]*>\r?\n?(.*?)</textarea>", html, re.DOTALL).group(1)


def answered(app, world):
    """Tom answered through the recruiter; Ana was asked and hasn't answered."""
    with app.app_context():
        candidate = db.session.get(Candidate, world.candidate)
        recruiter = db.session.get(User, world.recruiter)
        people = [db.session.get(User, world.tom), db.session.get(User, world.ana)]
        tom, _ = request_feedback(candidate, people, by=recruiter)
        enter_feedback(tom, "Clear API design.", "Ask questions earlier.", by=recruiter)
        db.session.commit()


def test_the_editor_starts_from_a_draft_of_the_feedback(app, recruiter, world):
    answered(app, world)
    page = recruiter.get(compose_path(world))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    body = textarea(html)
    assert body.startswith("Hi Jordan,")
    assert ("Tom Becker (Senior Backend Engineer) said what went well: Clear API design; "
            "and to grow: Ask questions earlier.") in body
    assert "(America/New_York)" in body
    assert "1 of 2 interviewers answered. Still waiting for Ana Silva." in html
    assert f'data-hx-post="/recruiter/candidates/{world.candidate}/message/preview"' in html
    assert 'data-hx-trigger="input changed delay:400ms"' in html and 'data-hx-target="#preview"' in html
    assert "Save draft" in html and "Publish and send invitation" in html
    assert "as Jordan will see it" in html and "e-mails Jordan (jordan@example.com)" in html
    assert '<section id="preview"' in html and "<p>Hi Jordan,</p>" in html
    with app.app_context():
        assert count(FeedbackMessage) == 0  # showing a draft saves nothing


def test_save_a_draft_then_start_again_from_the_feedback(app, recruiter, world):
    answered(app, world)
    saved = post(recruiter, world, "", "Hi Jordan,\r\n\r\nMy own words.")
    assert saved.status_code == 302 and saved.headers["Location"] == compose_path(world)
    page = recruiter.get(compose_path(world)).get_data(as_text=True)
    assert "Draft saved." in page and textarea(page).strip() == "Hi Jordan,\n\nMy own words."
    fresh = recruiter.get(compose_path(world) + "?start=feedback").get_data(as_text=True)
    assert "Tom Becker (Senior Backend Engineer)" in textarea(fresh) and "This is a fresh draft" in fresh
    with app.app_context():
        assert db.session.scalar(sa.select(FeedbackMessage.body)) == "Hi Jordan,\n\nMy own words.\n"


def test_an_empty_or_long_message_is_a_422(app, recruiter, world):
    empty = post(recruiter, world, "", "   ")
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert "can&#39;t be empty" in html and 'aria-invalid="true"' in html and "<h1>Good-news message" in html
    long = post(recruiter, world, "/publish", "x" * 20_001, headers=HTMX)
    fragment = long.get_data(as_text=True)
    assert long.status_code == 422 and fragment.startswith('<section id="editor"') and "20,000" in fragment
    with app.app_context():
        assert count(FeedbackMessage) == 0


def test_preview_fragment_is_escaped_paragraphs(app, recruiter, world):
    text = "Hi <b>Jordan</b>,\n\nLine one\nline two <script>alert(1)</script>"
    response = post(recruiter, world, "/preview", text, headers=HTMX)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    html = response.get_data(as_text=True)
    assert html.startswith('<section id="preview"') and "<html" not in html and "<textarea" not in html
    assert "<p>Hi &lt;b&gt;Jordan&lt;/b&gt;,</p>" in html
    assert "<p>Line one<br>line two &lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    assert "<script>alert" not in html and "<b>Jordan" not in html
    with app.app_context():
        assert count(FeedbackMessage) == 0


def test_preview_without_javascript_renders_the_page_with_the_text_kept(app, recruiter, world):
    response = post(recruiter, world, "/preview", "Hi Jordan,\n\nA <new> paragraph.")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<h1>Good-news message for Jordan Lee</h1>" in html
    assert "A &lt;new&gt; paragraph." in textarea(html)
    assert "<p>A &lt;new&gt; paragraph.</p>" in html


def test_publish_invites_once_and_the_link_signs_the_candidate_in(app, recruiter, world, smtp):
    answered(app, world)
    published = post(recruiter, world, "/publish", "Hi Jordan,\n\nGood news!")
    assert published.status_code == 302
    page = recruiter.get(compose_path(world)).get_data(as_text=True)
    assert "We e-mailed Jordan an invitation" in page and "Published on" in page
    assert "Save changes" in page and "Publish and send invitation" not in page
    again = post(recruiter, world, "/publish", "Hi Jordan,\n\nGood news, again!")
    assert again.status_code == 302
    edited = post(recruiter, world, "", "Hi Jordan,\n\nGood news, corrected.")
    assert edited.status_code == 302

    deliver_mail(app)
    (invitation,) = smtp.messages_to("jordan@example.com")
    assert invitation["Subject"] == "Good news from Northwind Labs"
    text = invitation.get_body(preferencelist=("plain",)).get_content()
    assert "Hi Jordan," in text and "expires in 7 days" in text and "http://portal.test/login" in text
    html = invitation.get_body(preferencelist=("html",)).get_content()
    body = html.split("</head>")[1]  # styled for mail clients that drop <style>: inline, not in a block
    assert 'style="' in body and "<style" not in body

    with app.app_context():
        message = db.session.scalar(sa.select(FeedbackMessage))
        assert message.status == "published" and message.body == "Hi Jordan,\n\nGood news, corrected.\n"
        assert count(MessageRevision) == 3
        assert db.session.get(Candidate, world.candidate).invited_at is not None

    history = recruiter.get(compose_path(world)).get_data(as_text=True)
    history = history[history.index('id="history"'):]
    assert history.count("Riley Morgan") == 3 and "published it" in history and "Current" in history
    assert "Good news, corrected." in history and "Good news!" in history

    candidate = app.test_client()
    path = link_in(invitation)
    confirm = candidate.get(path)
    assert confirm.status_code == 200 and "Sign in as Jordan Lee?" in confirm.get_data(as_text=True)
    signed_in = candidate.post(path, data={"csrf_token": csrf_token(candidate, path)})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    home = candidate.get("/")
    assert home.status_code == 200 and "Good news, corrected." in home.get_data(as_text=True)


def test_after_publishing_the_panel_offers_no_more_requests(app, recruiter, world):
    answered(app, world)
    post(recruiter, world, "/publish", "Good news!")
    with app.app_context():
        ana = db.session.scalar(
            sa.select(InterviewFeedback.id).where(InterviewFeedback.interviewer_id == world.ana))
    remind = recruiter.post(f"/recruiter/candidates/{world.candidate}/feedback/{ana}/remind",
                            data={"csrf_token": csrf_token(recruiter, compose_path(world))}, headers=HTMX)
    html = remind.get_data(as_text=True)
    assert remind.status_code == 422 and "already published" in html
    assert "Send feedback requests" not in html and ">Remind" not in html
    assert "Published on" in html and "the feedback is final" in html
