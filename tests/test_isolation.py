"""A candidate never reaches another candidate's data; private question text never reaches a recruiter.

Both tests walk the URL map, so a route added later is covered without editing this file.
"""


import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff, make_user
from helpers import HTMX, Auth

from portal.extensions import db
from portal.feedback.models import FeedbackMessage, InterviewFeedback
from portal.questions.models import Question
from portal.timeutil import utcnow

SECRET = "ZZ-PRIVATE-TEXT-ZZ"


@pytest.fixture
def two_candidates(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        interviewer = make_staff("team", name="Tom Becker")
        mine = make_candidate(name="Jordan Lee")
        theirs = make_candidate(name="Other Person")
        question = Question(candidate_id=theirs.id, text="THEIR QUESTION", category="growth")
        feedback = InterviewFeedback(candidate_id=theirs.id, interviewer_id=interviewer.id, went_well="x",
                                     submitted_at=utcnow())
        db.session.add_all([question, feedback, FeedbackMessage(candidate_id=theirs.id, body="THEIR MESSAGE",
                                                                status="published", published_at=utcnow())])
        db.session.commit()
        ids = {"question_id": question.id, "candidate_id": theirs.id, "feedback_id": feedback.id,
               "user_id": theirs.user_id}
        client = app.test_client()
        Auth(app, client).login(mine.user)
    return app, client, ids


def test_a_candidate_gets_404_or_403_for_every_route_with_another_candidates_ids(two_candidates):
    app, client, ids = two_candidates
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static",) or rule.endpoint.startswith("mail.") or not rule.arguments & set(ids):
            continue
        path = rule.build({arg: ids.get(arg, 1) for arg in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for headers in ({}, HTMX):
                response = client.open(path, method=method, headers=headers)
                body = response.get_data(as_text=True)
                assert response.status_code in (403, 404), f"{method} {path} {headers}: {response.status_code}"
                assert "THEIR" not in body and "Other Person" not in body
                checked += 1
    assert checked >= 20
    with app.app_context():  # and nothing was changed along the way
        assert db.session.scalar(sa.select(Question.text)) == "THEIR QUESTION"


def test_a_candidates_own_pages_show_nothing_of_anyone_else(two_candidates):
    _app, client, _ids = two_candidates
    for path in ("/", "/questions", "/people"):
        for headers in ({}, HTMX):
            body = client.get(path, headers=headers).get_data(as_text=True)
            assert "THEIR" not in body and "Other Person" not in body


@pytest.fixture
def private_question(make_app):
    app = make_app()
    with app.app_context():
        make_staff("team", name="Tom Becker")
        candidate = make_candidate(name="Jordan Lee")
        db.session.add(Question(candidate_id=candidate.id, text=SECRET, category="compensation_benefits",
                                private=True))
        db.session.add(Question(candidate_id=candidate.id, text="Public question", category="growth",
                                private=True, status="answered", answered_at=utcnow()))
        recruiter = make_user("admin")
        db.session.commit()
        client = app.test_client()
        Auth(app, client).login(recruiter)
        return app, client, candidate.id


def test_private_question_text_never_reaches_a_recruiter_page_or_fragment(private_question):
    app, client, candidate_id = private_question
    visited = 0
    values = {"candidate_id": candidate_id}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or not rule.arguments <= set(values):
            continue
        path = rule.build(values, append_unknown=False)[1]
        for headers in ({}, HTMX):
            response = client.get(path, headers=headers)
            assert SECRET not in response.get_data(as_text=True), f"{path} {headers} shows private text"
            visited += 1
    # …including the message composer's draft and the candidate list's search.
    compose = client.get(f"/recruiter/candidates/{candidate_id}/message?start=feedback").get_data(as_text=True)
    assert SECRET not in compose
    assert SECRET not in client.get("/recruiter/candidates", query_string={"q": SECRET[:8]}).get_data(as_text=True)
    page = client.get(f"/recruiter/candidates/{candidate_id}").get_data(as_text=True)
    assert page.count("Private question") == 2
    assert visited >= 10
