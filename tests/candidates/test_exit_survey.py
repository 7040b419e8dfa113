"""The optional exit survey over real SMTP: sent once (ever) when a decline is recorded with the box
ticked, the link's GET changes nothing, POST stores the answer and uses the link up, used / expired /
closed / tampered links say so and change nothing, and the recruiter reads the answer."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_position, make_user
from helpers import HTMX, T0, Auth, csrf_in, csrf_token, deliver_mail, link_in

from portal.audit.models import AuditEvent
from portal.auth.models import ActionToken, User
from portal.candidates.models import Candidate, ExitSurvey
from portal.extensions import db
from portal.mail.models import OutboxMessage

@pytest.fixture
def world(app, frozen):
    with app.app_context():
        riley = make_user("recruiter", name="Riley Morgan", email="riley@example.com", timezone="Europe/London")
        jordan = make_candidate(owner=riley, position=make_position("Backend Engineer", "Platform"),
                                name="Jordan Lee", email="jordan@example.com", timezone="America/New_York")
        jordan.offer_made_at = T0 - timedelta(days=6)
        db.session.commit()
        return SimpleNamespace(riley=riley.id, candidate=jordan.id, page=f"/recruiter/candidates/{jordan.id}")


@pytest.fixture
def riley(app, client, world):
    with app.app_context():
        Auth(app, client).login(db.session.get(User, world.riley))
    return client


def decide(client, world, outcome="declined", survey=True, **extra):
    html = client.get(world.page).get_data(as_text=True)
    data = {"outcome": outcome, "decided_on": "2031-03-03", "reason": "compensation" if outcome == "declined" else "",
            "current_stage": re.search(r'name="current_stage" type="hidden" value="(\w+)"', html).group(1),
            "csrf_token": csrf_in(html), **extra}
    if survey:
        data["send_survey"] = "y"
    return client.post(f"{world.page}/decision", data=data)


def undo(client, world):
    html = client.get(world.page).get_data(as_text=True)
    token = csrf_in(html, last=True)
    return client.post(f"{world.page}/decision/undo", data={"csrf_token": token})


def survey_mails(app, smtp) -> list:
    deliver_mail(app)
    return smtp.messages_to("jordan@example.com")


def survey_path(app, smtp) -> str:
    (mail,) = survey_mails(app, smtp)
    return link_in(mail)


def stored(app, world):
    with app.app_context():
        survey = db.session.scalar(sa.select(ExitSurvey).where(ExitSurvey.candidate_id == world.candidate))
        return None if survey is None else (survey.answer, survey.answered_at)


def token_used(app) -> datetime | None:
    with app.app_context():
        return db.session.scalar(sa.select(ActionToken.used_at).where(ActionToken.purpose == "exit_survey"))


def answer(client, path, text, **headers):
    return client.post(path, data={"answer": text, "csrf_token": csrf_token(client, path)}, headers=headers)


def test_declined_with_the_box_ticked_mails_one_survey(app, riley, world, smtp):
    response = decide(riley, world)
    assert response.status_code == 302
    page = riley.get(world.page).get_data(as_text=True)
    assert "Jordan has been e-mailed the optional exit survey." in page
    assert "Sent Mon 3 Mar 2031, 12:00 GMT (Europe/London); not answered yet." in page
    assert "The link works until Wed 2 Apr 2031, 13:00 BST (Europe/London)." in page

    (mail,) = survey_mails(app, smtp)
    assert " ".join(mail["Subject"].split()) == ("One optional question from Northwind Labs: what would have "
                                                 "changed your mind?")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Hi Jordan," in text and "Backend Engineer" in text
    assert "Only our recruiting team reads your answer" in text
    assert "until Wed 2 Apr 2031, 08:00 EDT (America/New_York)" in text  # the candidate's own zone
    path = link_in(mail)
    assert path.startswith("/survey/") and f'href="http://portal.test{path}"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.summary).where(
            AuditEvent.action == "candidate.exit_survey_sent")) == "Riley Morgan sent Jordan Lee the optional exit survey"

    # Re-recording "declined", correcting it, undoing and declining again: never a second survey.
    assert decide(riley, world, reason="timing").status_code == 302
    assert ("The exit survey was already sent on Mon 3 Mar 2031, so no second one went out."
            in riley.get(world.page).get_data(as_text=True))
    assert undo(riley, world).status_code == 302
    assert decide(riley, world).status_code == 302
    assert len(survey_mails(app, smtp)) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExitSurvey)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionToken)
                                 .where(ActionToken.purpose == "exit_survey")) == 1
    assert "it is never sent twice" in riley.get(world.page).get_data(as_text=True)


def test_no_survey_without_the_box_or_for_other_outcomes(app, riley, world, smtp):
    assert decide(riley, world, outcome="accepted").status_code == 302
    assert decide(riley, world, outcome="withdrawn").status_code == 302
    assert decide(riley, world, survey=False).status_code == 302
    assert "No exit survey was sent." in riley.get(world.page).get_data(as_text=True)
    assert stored(app, world) is None and survey_mails(app, smtp) == []
    # Ticked on a later correction: sent then.
    assert decide(riley, world, reason="timing").status_code == 302
    assert len(survey_mails(app, smtp)) == 1


def test_get_shows_the_question_and_changes_nothing(app, riley, world, smtp):
    decide(riley, world)
    path = survey_path(app, smtp)
    candidate = app.test_client()
    for _ in range(3):  # a mail scanner prefetching the link changes nothing
        page = candidate.get(path)
        assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<h1>What would have changed your mind?</h1>' in html
    assert '<label for="answer">What would have changed your mind?</label>' in html
    assert 'maxlength="4000"' in html and "Answering is entirely optional" in html
    assert "Only our recruiting team, including Riley Morgan, reads your answer" in html
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    assert token_used(app) is None and stored(app, world) == (None, None)


def test_post_stores_the_answer_once(app, riley, world, smtp, frozen):
    decide(riley, world)
    path = survey_path(app, smtp)
    candidate = app.test_client()

    empty = answer(candidate, path, "   ")
    assert empty.status_code == 422
    assert "Write your answer, or simply close this page if you'd rather not answer." in empty.get_data(
        as_text=True)
    too_long = answer(candidate, path, "x" * 4001, **HTMX)
    assert too_long.status_code == 422
    body = too_long.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="survey_form"') and "Keep your answer to 4,000 characters" in body
    assert token_used(app) is None and stored(app, world) == (None, None)

    frozen.move_to(T0 + timedelta(days=2))
    thanks = answer(candidate, path, "A clearer path to staff engineer.\r\n\r\nAnd <b>remote</b> Fridays.")
    assert thanks.status_code == 200 and thanks.headers["Referrer-Policy"] == "no-referrer"
    html = thanks.get_data(as_text=True)
    assert "Thank you, Jordan" in html and "&lt;b&gt;remote&lt;/b&gt;" in html
    assert stored(app, world) == ("A clearer path to staff engineer.\n\nAnd <b>remote</b> Fridays.",
                                  T0 + timedelta(days=2))
    assert token_used(app) == T0 + timedelta(days=2)
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.summary).where(
            AuditEvent.action == "candidate.exit_survey_answered")) == "Jordan Lee answered the exit survey"

    again = candidate.get(path)
    assert again.status_code == 410
    assert "We have your answer, thank you" in again.get_data(as_text=True)
    overwrite = candidate.post(path, data={"answer": "Overwrite", "csrf_token": csrf_token(candidate, "/login")})
    assert overwrite.status_code == 410
    assert stored(app, world)[0].startswith("A clearer path")

    # The recruiter reads it (escaped) on the candidate page, and its timeline says it came in.
    with app.app_context():
        Auth(app, riley).login(db.session.get(User, world.riley))  # a fresh session two days on
    page = riley.get(world.page).get_data(as_text=True)
    assert "Jordan answered Wed 5 Mar 2031, 12:00 GMT (Europe/London)." in page
    assert "What would have changed Jordan's mind" in page
    assert "<p>A clearer path to staff engineer.</p><p>And &lt;b&gt;remote&lt;/b&gt; Fridays.</p>" in page
    assert "Jordan Lee answered the exit survey" in page


def test_expired_link_says_so_and_changes_nothing(app, riley, world, smtp, frozen):
    decide(riley, world)
    path = survey_path(app, smtp)
    frozen.move_to(T0 + timedelta(days=30, minutes=1))
    candidate = app.test_client()
    page = candidate.get(path)
    assert page.status_code == 410 and page.headers["Referrer-Policy"] == "no-referrer"
    html = page.get_data(as_text=True)
    assert "This survey link has expired" in html and "riley@example.com" in html
    post = candidate.post(path, data={"answer": "Late answer", "csrf_token": csrf_token(candidate, "/login")})
    assert post.status_code == 410
    assert stored(app, world) == (None, None) and token_used(app) is None


@pytest.mark.parametrize("mangle", [lambda p: p + "x", lambda p: p[:-4], lambda p: "/survey/" + "A" * 43,
                                    lambda p: "/survey/" + "x" * 300])
def test_tampered_link_is_404_and_changes_nothing(app, riley, world, smtp, mangle):
    decide(riley, world)
    path = mangle(survey_path(app, smtp))
    candidate = app.test_client()
    page = candidate.get(path)
    assert page.status_code == 404
    assert "This survey link isn't valid" in page.get_data(as_text=True)
    post = candidate.post(path, data={"answer": "Hello", "csrf_token": csrf_token(candidate, "/login")})
    assert post.status_code == 404
    assert stored(app, world) == (None, None) and token_used(app) is None


def test_a_link_for_something_else_is_not_a_survey_link(app, riley, world, smtp):
    from portal.auth.tokens import issue_token

    with app.app_context():
        raw, _row = issue_token("feedback", timedelta(days=1))
        db.session.commit()
    assert app.test_client().get(f"/survey/{raw}").status_code == 404


def test_closed_when_no_longer_declined(app, riley, world, smtp):
    decide(riley, world)
    path = survey_path(app, smtp)
    undo(riley, world)
    candidate = app.test_client()
    page = candidate.get(path)
    assert page.status_code == 410 and "This survey is closed" in page.get_data(as_text=True)
    assert candidate.post(path, data={"answer": "Hi", "csrf_token": csrf_token(candidate, "/login")}).status_code == 410
    assert stored(app, world) == (None, None) and token_used(app) is None
    assert ", but only while Jordan is recorded as declined" in riley.get(world.page).get_data(as_text=True)
    decide(riley, world)  # declined again: the same, unused link works again; no new mail
    assert candidate.get(path).status_code == 200
    assert len(survey_mails(app, smtp)) == 1


def test_two_answers_at_once_keep_the_first(app, riley, world, smtp):
    """The second POST finds the link used by the first (compare-and-set), and gets the 'we have it' page."""
    from portal.candidates.exit_survey import answer_exit_survey
    from portal.auth.tokens import TokenProblem

    decide(riley, world)
    raw = survey_path(app, smtp).removeprefix("/survey/")
    with app.app_context():
        answer_exit_survey(raw, "First")
        db.session.commit()
    with app.app_context(), pytest.raises(TokenProblem) as problem:
        answer_exit_survey(raw, "Second")
    assert problem.value.reason == "used" and stored(app, world)[0] == "First"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1  # just the survey
        assert db.session.get(Candidate, world.candidate).stage == "declined"


def test_line_breaks_count_once_towards_the_answer_limit(app, riley, world, smtp):
    decide(riley, world)
    path = survey_path(app, smtp)
    text = "a" * 1999 + "\r\n" + "b" * 2000
    assert answer(app.test_client(), path, text).status_code == 200
    assert stored(app, world)[0] == "a" * 1999 + "\n" + "b" * 2000
