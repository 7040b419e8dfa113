"""Bad input and races found in review: each changes nothing and never answers 500."""

import threading

import pytest
import sqlalchemy as sa
from factories import make_candidate, make_staff, make_user
from helpers import Auth

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.mail.models import OutboxMessage
from portal.questions.models import Question

HUGE = ["3000000000", "99999999999999999999999"]


@pytest.fixture
def admin_client(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with app.app_context():
        Auth(app, client).login(make_user("admin"))
        db.session.commit()
    return app, client


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize("path", ["/people/{n}", "/recruiter/candidates/{n}", "/recruiter/candidates/{n}/message",
                                  "/recruiter/people/{n}/edit", "/questions/{n}/edit"])
def test_ids_too_large_for_the_database_are_404(admin_client, path, number):
    _app, client = admin_client
    assert client.get(path.format(n=number)).status_code == 404


def test_odd_numbers_in_query_and_forms_are_ignored(admin_client):
    _app, client = admin_client
    assert client.get("/recruiter/candidates?position=3000000000").status_code == 200
    assert client.get("/recruiter/candidates?position=%C2%B2").status_code == 200  # "²" is a digit to Python


@pytest.mark.parametrize("path,data", [
    ("/login", {"email": "a\x00@example.com"}),
    ("/people", None),
])
def test_nul_bytes_are_refused_before_reaching_the_database(admin_client, path, data):
    _app, client = admin_client
    response = client.post(path, data=data) if data else client.get(path, query_string={"q": "x\x00y"})
    assert response.status_code == 400


def test_nul_in_a_question_changes_nothing(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with app.app_context():
        Auth(app, client).login(make_candidate().user)
        db.session.commit()
    assert client.post("/questions", data={"text": "Why\x00?", "category": "other"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0


def test_adding_the_same_candidate_twice_at_once_never_errors(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    with app.app_context():
        recruiter = make_user("recruiter")
        db.session.commit()
        recruiter_id = recruiter.id
    data = {"name": "Alex Chen", "email": "alex@example.com", "timezone": "UTC", "position_id": "new",
            "new_position_title": "Engineer", "owner_id": str(recruiter_id)}
    statuses, barrier = [], threading.Barrier(4)

    def post():
        client = app.test_client()
        with app.app_context():
            Auth(app, client).login(db.session.get(User, recruiter_id))
        barrier.wait(10)
        statuses.append(client.post("/recruiter/candidates/new", data=data).status_code)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [302, 422, 422, 422]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email == "alex@example.com")) == 1


def test_private_text_is_in_no_audit_event_or_e_mail(make_app):
    app = make_app(WTF_CSRF_ENABLED=False)
    client = app.test_client()
    secret = "ZZ-SECRET-ZZ"
    with app.app_context():
        make_staff("team")
        Auth(app, client).login(make_candidate().user)
        db.session.commit()
    client.post("/questions", data={"text": secret, "category": "growth", "private": "y"})
    with app.app_context():
        question_id = db.session.scalar(sa.select(Question.id))
    for action in ("answered", "reopen"):
        client.post(f"/questions/{question_id}/{action}")
    client.post(f"/questions/{question_id}", data={"text": secret + " edited", "category": "growth", "private": "y"})
    client.post(f"/questions/{question_id}/delete", data={"confirmed": "yes"})
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["question.added", "question.answered", "question.reopened",
                                              "question.deleted"]
        assert all(secret not in e.summary and secret not in str(e.details) for e in events)
        assert events[0].summary.endswith("added a question (Growth)")
        mails = db.session.scalars(sa.select(OutboxMessage)).all()
        assert all(secret not in m.subject + m.text_body + m.html_body for m in mails)
