"""The interviewer's journey over real SMTP: asked by e-mail, GET shows, POST submits, links end."""

import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine
from helpers import HTMX, csrf_token, deliver_mail, link_in

from portal.auth.models import ActionToken
from portal.extensions import db
from portal.feedback.models import InterviewFeedback
from portal.timeutil import utcnow


def ask(recruiter, world, *people):
    compose = f"/recruiter/candidates/{world.candidate}/message"
    data = {"interviewers": [str(p) for p in people], "csrf_token": csrf_token(recruiter, compose)}
    return recruiter.post(f"/recruiter/candidates/{world.candidate}/feedback", data=data)


def mailed_path(app, smtp, address: str) -> str:
    deliver_mail(app)
    messages = smtp.messages_to(address)
    assert messages, f"no mail reached {address}"
    return link_in(messages[-1])


def submit(client, path, went_well="", to_grow="", **headers):
    return client.post(path, data={"went_well": went_well, "to_grow": to_grow,
                                   "csrf_token": csrf_token(client, path)}, headers=headers)


def stored(app):
    with app.app_context():
        row = db.session.scalar(sa.select(InterviewFeedback))
        return row.went_well, row.to_grow, row.submitted_at


def edit_path(response) -> str:
    return re.search(r'href="(/feedback/[^"]+)" role="button" class="secondary">Change your feedback',
                     response.get_data(as_text=True)).group(1)


def test_the_whole_interviewer_flow(app, recruiter, world, smtp):
    assert ask(recruiter, world, world.tom).status_code == 302
    deliver_mail(app)
    (mail,) = smtp.messages_to("tom@example.com")
    # Long subjects are folded onto the next header line; the parser keeps the fold's space.
    assert mail["Subject"].strip() == (
        "Riley Morgan asked for your feedback on Jordan Lee (Senior Backend Engineer)")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Hi Tom," in text and "works until" in text and "(Europe/Berlin)" in text
    path = link_in(mail)
    assert path.startswith("/feedback/") and f'href="http://portal.test{path}"' in html

    interviewer = app.test_client()
    for _ in range(3):  # a mail scanner prefetching the link changes nothing
        page = interviewer.get(path)
        assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Your feedback on Jordan Lee" in body and "Senior Backend Engineer" in body
    assert 'name="went_well"' in body and 'name="to_grow"' in body
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    with app.app_context():
        token = db.session.scalar(sa.select(ActionToken).where(ActionToken.purpose == "feedback"))
        assert token.used_at is None
    assert stored(app)[2] is None

    thanks = submit(interviewer, path, "Clear API design.", "Ask questions earlier.")
    assert thanks.status_code == 200 and "Thank you, Tom" in thanks.get_data(as_text=True)
    assert thanks.headers["Referrer-Policy"] == "no-referrer"
    assert stored(app)[:2] == ("Clear API design.", "Ask questions earlier.")

    used = app.test_client().get(path)
    assert used.status_code == 410
    assert "This link has done its job, so it can't be used again." in used.get_data(as_text=True)
    again = interviewer.post(path, data={"went_well": "Overwrite",
                                         "csrf_token": csrf_token(interviewer, "/login")})
    assert again.status_code == 410 and stored(app)[0] == "Clear API design."

    change = edit_path(thanks)
    form = interviewer.get(change)
    assert form.status_code == 200 and "Clear API design." in form.get_data(as_text=True)
    changed = submit(interviewer, change, "Clear API design and calm under pressure.", "")
    assert changed.status_code == 200 and stored(app)[:2] == ("Clear API design and calm under pressure.", "")
    latest = edit_path(changed)
    latest_token = csrf_token(interviewer, latest)

    # Publishing freezes every link, used or not: each says so and changes nothing.
    compose = f"/recruiter/candidates/{world.candidate}/message"
    published = recruiter.post(compose + "/publish", data={"body": "Good news, Jordan!",
                                                         "csrf_token": csrf_token(recruiter, compose)})
    assert published.status_code == 302
    before = stored(app)
    for link in (path, change, latest):
        shown = app.test_client().get(link)
        assert shown.status_code == 410
        assert "The feedback has already been shared" in shown.get_data(as_text=True)
        assert "changes are no longer possible" in shown.get_data(as_text=True)
    refused = interviewer.post(latest, data={"went_well": "Too late", "csrf_token": latest_token})
    assert refused.status_code == 410 and stored(app) == before


def test_an_expired_link_says_so_and_changes_nothing(app, recruiter, world, smtp):
    ask(recruiter, world, world.ana)
    path = mailed_path(app, smtp, "ana@example.com")
    interviewer = app.test_client()
    with time_machine.travel(utcnow() + timedelta(days=14, minutes=1)):
        token = csrf_token(interviewer, "/login")  # the form's own token has expired by now too
        page = interviewer.get(path)
        assert page.status_code == 410
        html = page.get_data(as_text=True)
        assert "This feedback link has expired" in html and "riley@example.com" in html
        posted = interviewer.post(path, data={"went_well": "Late", "csrf_token": token})
        assert posted.status_code == 410
    assert stored(app)[2] is None


def test_a_made_up_link_is_a_404(client):
    page = client.get("/feedback/not-a-real-token")
    assert page.status_code == 404 and "This feedback link isn't valid" in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_an_empty_answer_is_a_422_and_the_link_still_works(app, recruiter, world, smtp):
    ask(recruiter, world, world.tom)
    path = mailed_path(app, smtp, "tom@example.com")
    interviewer = app.test_client()
    response = submit(interviewer, path, " ", "")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Write at least one of the two" in html and 'aria-invalid="true"' in html
    too_long = submit(interviewer, path, "x" * 5001, "", **HTMX)
    assert too_long.status_code == 422 and "under 5,000 characters" in too_long.get_data(as_text=True)
    assert submit(interviewer, path, "Fine", "").status_code == 200


def test_remind_mails_a_fresh_link_and_the_first_one_still_works(app, recruiter, world, smtp):
    ask(recruiter, world, world.tom)
    first = mailed_path(app, smtp, "tom@example.com")
    with app.app_context():
        feedback_id = db.session.scalar(sa.select(InterviewFeedback.id))
    remind = f"/recruiter/candidates/{world.candidate}/feedback/{feedback_id}/remind"
    token = csrf_token(recruiter, f"/recruiter/candidates/{world.candidate}/message")
    too_soon = recruiter.post(remind, data={"csrf_token": token}, headers=HTMX)
    assert too_soon.status_code == 422 and "less than an hour ago" in too_soon.get_data(as_text=True)
    with time_machine.travel(utcnow() + timedelta(hours=2)):
        token = csrf_token(recruiter, f"/recruiter/candidates/{world.candidate}/message")
        response = recruiter.post(remind, data={"csrf_token": token}, headers=HTMX)
        assert response.status_code == 200
        fragment = response.get_data(as_text=True)
        assert fragment.startswith('<section id="feedback"')
        assert "Reminded Tom Becker with a fresh link." in fragment
        assert "Reminded</span>" in fragment
        deliver_mail(app)
        reminder = smtp.messages_to("tom@example.com")[-1]
        assert reminder["Subject"].strip() == (
            "Reminder: your feedback on Jordan Lee (Senior Backend Engineer)")
        second = link_in(reminder)
        assert second != first
        interviewer = app.test_client()
        assert interviewer.get(first).status_code == 200
        assert submit(interviewer, second, "Great collaborator.", "").status_code == 200
        # Submitting through one link ends the others: the first now says it was used.
        assert interviewer.get(first).status_code == 410
        no_more = recruiter.post(remind, data={"csrf_token": token})
        assert no_more.status_code == 422 and "already answered" in no_more.get_data(as_text=True)
