"""The candidate's home: the published message, the countdown, question progress, next steps —
and nothing of anyone else."""

from datetime import timedelta

import pytest
from factories import make_candidate, make_user
from helpers import Auth

from portal.extensions import db
from portal.feedback.models import FeedbackMessage
from portal.questions.models import Question
from portal.timeutil import utcnow


@pytest.fixture
def jordan(app, client):
    with app.app_context():
        recruiter = make_user("recruiter", name="Riley Morgan")
        candidate = make_candidate(owner=recruiter, name="Jordan Lee", timezone="America/New_York", deadline_days=None)
        candidate.decision_deadline = utcnow() + timedelta(days=5, hours=20)
        other = make_candidate(owner=recruiter, name="Someone Else")
        db.session.add_all([
            Question(candidate_id=candidate.id, text="Mine, answered", category="growth", status="answered"),
            Question(candidate_id=candidate.id, text="Mine, open", category="growth"),
            Question(candidate_id=candidate.id, text="Mine, open too", category="other"),
            Question(candidate_id=other.id, text="THEIR QUESTION", category="growth"),
            FeedbackMessage(candidate_id=other.id, body="THEIR MESSAGE", status="published",
                            published_at=utcnow()),
        ])
        db.session.commit()
        Auth(app, client).login(candidate.user)
        return candidate.id


def test_home_before_the_message_is_published(client, jordan):
    html = client.get("/").get_data(as_text=True)
    # 5 days and 20 hours: "5 days left", never more time than there is.
    assert "5 days left" in html and "6 days left" not in html and "2 open questions" in html
    assert "1 of 3 answered" in html and '<progress id="home-progress" value="1" max="3">' in html
    assert "Riley Morgan is collecting what your interviewers said about you." in html
    assert "THEIR MESSAGE" not in html and "THEIR QUESTION" not in html and "Someone Else" not in html


def test_home_shows_the_published_message_as_escaped_paragraphs(app, client, jordan):
    with app.app_context():
        db.session.add(FeedbackMessage(candidate_id=jordan, body="Hi Jordan,\n\nGreat news <b>really</b>.\nLine two.",
                                       status="published", published_at=utcnow()))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "<h2 id=\"message-heading\">Good news from Northwind Labs</h2>" in html
    assert "<p>Hi Jordan,</p><p>Great news &lt;b&gt;really&lt;/b&gt;.<br>Line two.</p>" in html
    assert "THEIR MESSAGE" not in html


def test_a_draft_is_not_shown_to_the_candidate(app, client, jordan):
    with app.app_context():
        db.session.add(FeedbackMessage(candidate_id=jordan, body="DRAFT TEXT", status="draft"))
        db.session.commit()
    assert "DRAFT TEXT" not in client.get("/").get_data(as_text=True)


def test_first_visit_next_steps(client, jordan):
    html = client.get("/").get_data(as_text=True)
    assert "Next steps" in html and 'href="/people">Explore the people' in html
    assert "Find someone to talk to" in html
