"""What lands in the audit trail: sign-ins and refused links, and recruiters opening a candidate's page."""

from datetime import timedelta

import sqlalchemy as sa
import time_machine
from factories import make_candidate, make_user
from helpers import csrf_token

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.auth.tokens import issue_token
from portal.timeutil import utcnow


def _events(app, action):
    with app.app_context():
        return db.session.execute(sa.select(AuditEvent.summary, AuditEvent.actor_id, AuditEvent.details)
                                  .where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def test_sign_in_with_a_link_and_a_refused_link_are_recorded(app, client):
    with app.app_context():
        user = make_user("recruiter", name="Riley Morgan", email="riley@example.com")
        raw, _row = issue_token("sign_in", timedelta(minutes=10), user=user)
        user_id = user.id
        db.session.commit()
    path = f"/login/{raw}"
    assert client.get(path).status_code == 200
    assert _events(app, "auth.sign_in") == []  # opening the link changes nothing
    client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert _events(app, "auth.sign_in") == [("Riley Morgan signed in with an e-mailed link", user_id,
                                              {"method": "link"})]
    other = app.test_client()
    other.get(path)
    assert _events(app, "auth.sign_in_failed") == []  # a GET of a used link is not an attempt
    assert other.post(path, data={"csrf_token": csrf_token(other)}).status_code == 410
    ((summary, _actor, details),) = _events(app, "auth.sign_in_failed")
    assert summary == "An e-mailed sign-in link was refused: used" and details["reason"] == "used"
    assert raw not in str(_events(app, "auth.sign_in_failed"))  # never the token itself


def test_opening_a_candidate_page_is_recorded_once_per_half_hour(app, client, auth):
    with app.app_context():
        recruiter = make_user("recruiter", name="Rex Recruiter")
        candidate_id = make_candidate().id
        db.session.commit()
        auth.login(db.session.get(User, recruiter.id))
    url = f"/recruiter/candidates/{candidate_id}"
    start = utcnow()
    with time_machine.travel(start, tick=False):
        assert client.get(url).status_code == 200
        client.get(url)
        client.get(url, headers={"HX-Request": "true"})  # a fragment refresh is not a new visit
    assert [e[0] for e in _events(app, "candidate.viewed")] == ["Rex Recruiter opened the candidate's page"]
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        page = client.get(url).get_data(as_text=True)
    assert len(_events(app, "candidate.viewed")) == 2
    # In the audit trail only: the candidate's timeline tells what happened to them, not who looked.
    assert "opened the candidate" not in page


def test_hiding_a_person_is_recorded(app, client, auth):
    from factories import make_staff

    with app.app_context():
        recruiter = make_user("recruiter", name="Rex Recruiter")
        person = make_staff("leadership", name="Amara Okafor")
        person_id = person.id
        db.session.commit()
        auth.login(db.session.get(User, recruiter.id))
    token = csrf_token(client, "/recruiter/people")
    assert client.post(f"/recruiter/people/{person_id}/visibility", data={"csrf_token": token}).status_code == 302
    assert [e[0] for e in _events(app, "person.hidden")] == ["Amara Okafor hidden from the directory by Rex Recruiter"]
